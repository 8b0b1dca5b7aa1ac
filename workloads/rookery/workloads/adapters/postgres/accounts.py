"""AccountRepository and MarkerStore on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import asyncpg

from rookery.workloads.adapters.batched import Batched
from rookery.workloads.adapters.postgres.db import PostgresDatabase, SnapshotCached
from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import POSTGRES
from rookery.workloads.adapters.sql.paging import Params
from rookery.workloads.adapters.sql.to_row import ACCOUNT_COLUMNS, ACCOUNT_NAMES, DIRECTORY_ORDER
from rookery.workloads.domain.accounts import Account, AccountTaken, AccountUsage, CountsChange, merge_counts
from rookery.workloads.domain.timelines import Marker


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def counts_update(p: Params, changes: Sequence[CountsChange]) -> str:
    """The statement that applies counter changes (one per account after merging), its values
    taken by ``p``: for ``adjust_counts``, or a data-modifying CTE of another role's write that
    commits with it (PostgresStatusRepository.create)."""
    merged = merge_counts(changes)
    columns = (
        p([c.account_id for c in merged]),
        p([c.followers for c in merged]),
        p([c.following for c in merged]),
        p([c.statuses for c in merged]),
        p([c.last_status_at for c in merged]),
    )
    return (
        "UPDATE accounts AS a SET followers_count = GREATEST(0, a.followers_count + d.followers),"
        " following_count = GREATEST(0, a.following_count + d.following),"
        " statuses_count = GREATEST(0, a.statuses_count + d.statuses),"
        " last_status_at = COALESCE(d.last_status_at, a.last_status_at)"
        " FROM unnest({}::bigint[], {}::int[], {}::int[], {}::int[], {}::date[])"
        " AS d(id, followers, following, statuses, last_status_at) WHERE a.id = d.id"
    ).format(*columns)


def _taken(exc: asyncpg.UniqueViolationError) -> AccountTaken:
    what = "E-mail address" if "email" in (exc.constraint_name or "") else "Username"
    return AccountTaken(f"{what} is already taken")


class PostgresAccountRepository:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self._usage: SnapshotCached[AccountUsage] = SnapshotCached(db)
        self._by_id: Batched[int, Account | None] = Batched(self._read_by_id)

    async def get(self, account_id: int) -> Account | None:
        """Concurrent requests' lookups in one turn of the event loop are one statement (adapters/batched.py)."""
        (found,) = await self._by_id([account_id])
        return found

    async def _read_by_id(self, account_ids: list[int]) -> list[Account | None]:
        found = await self.get_many(account_ids)
        return [found.get(account_id) for account_id in account_ids]

    async def get_many(self, account_ids: Sequence[int]) -> dict[int, Account]:
        if not account_ids:
            return {}
        rows = await self.db.fetch(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ANY($1::bigint[])", list(set(account_ids))
        )
        return {row["id"]: from_row.account(row, POSTGRES) for row in rows}

    async def by_username(self, username: str) -> Account | None:
        row = await self.db.fetchrow(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE lower(username) = lower($1)", username
        )
        return from_row.account(row, POSTGRES) if row else None

    async def by_email(self, email: str) -> Account | None:
        row = await self.db.fetchrow(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE lower(email) = lower($1)", email)
        return from_row.account(row, POSTGRES) if row else None

    async def search(self, query: str, limit: int, offset: int = 0) -> list[Account]:
        text = query.strip().lstrip("@").lower()
        if not text:
            return []
        prefix = _like_escape(text) + "%"
        anywhere = "%" + _like_escape(text) + "%"
        rows = await self.db.fetch(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts"
            " WHERE NOT suspended AND (lower(username) LIKE $1 OR lower(display_name) LIKE $2)"
            " ORDER BY (lower(username) = $3) DESC, (lower(username) LIKE $1) DESC, followers_count DESC, id"
            " LIMIT $4 OFFSET $5",
            prefix,
            anywhere,
            text,
            limit,
            offset,
        )
        return [from_row.account(row, POSTGRES) for row in rows]

    async def create(self, account: Account) -> None:
        marks = ", ".join(f"${i}" for i in range(1, len(ACCOUNT_NAMES) + 1))
        try:
            await self.db.execute(
                f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ({marks})", *to_row.account(account, POSTGRES)
            )
        except asyncpg.UniqueViolationError as exc:
            raise _taken(exc) from exc

    async def update(self, account: Account) -> None:
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(ACCOUNT_NAMES[1:], start=2))
        try:
            values = to_row.account(account, POSTGRES)
            await self.db.execute(f"UPDATE accounts SET {assignments} WHERE id = $1", *values)
        except asyncpg.UniqueViolationError as exc:
            raise AccountTaken("Username or e-mail address is already taken") from exc

    async def adjust_counts(
        self,
        account_id: int,
        followers: int = 0,
        following: int = 0,
        statuses: int = 0,
        last_status_at: dt.date | None = None,
    ) -> None:
        p = Params()
        sql = counts_update(p, [CountsChange(account_id, followers, following, statuses, last_status_at)])
        await self.db.execute(sql, *p.values)

    async def directory(self, order: str, limit: int, offset: int = 0) -> list[Account]:
        sql = (
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE NOT suspended AND discoverable"
            f" ORDER BY {DIRECTORY_ORDER[order]} LIMIT $1 OFFSET $2"
        )
        rows = await self.db.fetch(sql, limit, offset)
        return [from_row.account(row, POSTGRES) for row in rows]

    async def usage(self, month_since: dt.date, halfyear_since: dt.date) -> AccountUsage:
        """A scan of every account: kept while nothing is written (SnapshotCached)."""
        since = (month_since, halfyear_since)
        return await self._usage.get(lambda: self._count_usage(*since), since)

    async def _count_usage(self, month_since: dt.date, halfyear_since: dt.date) -> AccountUsage:
        row = await self.db.fetchrow(
            "SELECT COUNT(*) AS users, COALESCE(SUM(statuses_count), 0) AS statuses,"
            " COUNT(*) FILTER (WHERE last_status_at >= $1) AS month,"
            " COUNT(*) FILTER (WHERE last_status_at >= $2) AS halfyear"
            " FROM accounts WHERE NOT suspended",
            month_since,
            halfyear_since,
        )
        assert row is not None
        return AccountUsage(int(row["users"]), int(row["statuses"]), int(row["month"]), int(row["halfyear"]))


class PostgresMarkerStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def get(self, account_id: int, timelines: list[str]) -> dict[str, Marker]:
        if not timelines:
            return {}
        rows = await self.db.fetch(
            "SELECT timeline, last_read_id, version, updated_at FROM markers"
            " WHERE account_id = $1 AND timeline = ANY($2::text[])",
            account_id,
            list(timelines),
        )
        return {
            row["timeline"]: Marker(row["timeline"], row["last_read_id"], row["version"], row["updated_at"])
            for row in rows
        }

    async def save(self, account_id: int, timeline: str, last_read_id: int, at: dt.datetime) -> Marker:
        version = await self.db.fetchval(
            "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)"
            " VALUES ($1, $2, $3, 1, $4) ON CONFLICT (account_id, timeline) DO UPDATE SET"
            " last_read_id = excluded.last_read_id, version = markers.version + 1,"
            " updated_at = excluded.updated_at RETURNING version",
            account_id,
            timeline,
            last_read_id,
            at,
        )
        return Marker(timeline, last_read_id, int(version), at)
