"""FilterStore and ScheduledStatusStore on PostgreSQL (a filter's keywords and statuses go with it:
ON DELETE CASCADE)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql.filters import FILTER_COLUMNS, assemble_filters, params_json, params_of
from rookery.workloads.adapters.sql.paging import Params, keyset, newest_first
from rookery.workloads.domain.filters import Filter
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.scheduled import ScheduledStatus


def _read(row: Any) -> tuple[tuple[str, ...], dt.datetime | None]:
    return tuple(row["context"]), row["expires_at"]


class PostgresFilterStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def _assemble(self, rows: list[Any]) -> list[Filter]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        keywords = await self.db.fetch("SELECT * FROM filter_keywords WHERE filter_id = ANY($1::bigint[])", ids)
        statuses = await self.db.fetch("SELECT * FROM filter_statuses WHERE filter_id = ANY($1::bigint[])", ids)
        return assemble_filters(rows, keywords, statuses, _read)

    async def save(self, found: Filter) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO filters ({FILTER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE"
                " SET title = excluded.title, context = excluded.context, action = excluded.action,"
                " expires_at = excluded.expires_at",
                found.id, found.account_id, found.title, list(found.context), found.action, found.expires_at,
            )  # fmt: skip
            await tx.execute("DELETE FROM filter_keywords WHERE filter_id = $1", found.id)
            await tx.execute("DELETE FROM filter_statuses WHERE filter_id = $1", found.id)
            await tx.executemany(
                "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES ($1, $2, $3, $4)",
                [(k.id, found.id, k.keyword, k.whole_word) for k in found.keywords],
            )
            await tx.executemany(
                "INSERT INTO filter_statuses (id, filter_id, status_id) VALUES ($1, $2, $3)",
                [(s.id, found.id, s.status_id) for s in found.statuses],
            )

    async def get(self, filter_id: int) -> Filter | None:
        found = await self._assemble(
            await self.db.fetch(f"SELECT {FILTER_COLUMNS} FROM filters WHERE id = $1", filter_id)
        )
        return found[0] if found else None

    async def of_account(self, account_id: int) -> list[Filter]:
        return await self._assemble(
            await self.db.fetch(f"SELECT {FILTER_COLUMNS} FROM filters WHERE account_id = $1 ORDER BY id", account_id)
        )

    async def delete(self, filter_id: int) -> bool:
        return await self.db.execute("DELETE FROM filters WHERE id = $1", filter_id) != "DELETE 0"

    async def filter_of_keyword(self, keyword_id: int) -> int | None:
        found: int | None = await self.db.fetchval("SELECT filter_id FROM filter_keywords WHERE id = $1", keyword_id)
        return found

    async def filter_of_status(self, filter_status_id: int) -> int | None:
        found: int | None = await self.db.fetchval(
            "SELECT filter_id FROM filter_statuses WHERE id = $1", filter_status_id
        )
        return found


SCHEDULED_COLUMNS = "id, account_id, scheduled_at, params"


def _scheduled(row: Any) -> ScheduledStatus:
    return ScheduledStatus(row["id"], row["account_id"], row["scheduled_at"], params_of(row["params"]))


class PostgresScheduledStatusStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def create(self, scheduled: ScheduledStatus) -> None:
        await self.db.execute(
            f"INSERT INTO scheduled_statuses ({SCHEDULED_COLUMNS}) VALUES ($1, $2, $3, $4)",
            scheduled.id, scheduled.account_id, scheduled.scheduled_at, params_json(scheduled.params),
        )  # fmt: skip

    async def get(self, scheduled_id: int) -> ScheduledStatus | None:
        row = await self.db.fetchrow(f"SELECT {SCHEDULED_COLUMNS} FROM scheduled_statuses WHERE id = $1", scheduled_id)
        return _scheduled(row) if row else None

    async def of_account(self, account_id: int, page: PageRequest) -> list[ScheduledStatus]:
        p = Params()
        sql = f"SELECT {SCHEDULED_COLUMNS} FROM scheduled_statuses {keyset(page, p, [f'account_id = {p(account_id)}'])}"
        return newest_first([_scheduled(row) for row in await self.db.fetch(sql, *p.values)], page)

    async def count(self, account_id: int, between: tuple[dt.datetime, dt.datetime] | None = None) -> int:
        if between is None:
            found = await self.db.fetchval("SELECT COUNT(*) FROM scheduled_statuses WHERE account_id = $1", account_id)
        else:
            found = await self.db.fetchval(
                "SELECT COUNT(*) FROM scheduled_statuses WHERE account_id = $1 AND scheduled_at >= $2"
                " AND scheduled_at < $3",
                account_id, between[0], between[1],
            )  # fmt: skip
        return int(found or 0)

    async def reschedule(self, scheduled_id: int, at: dt.datetime) -> bool:
        done = await self.db.execute("UPDATE scheduled_statuses SET scheduled_at = $2 WHERE id = $1", scheduled_id, at)
        return done != "UPDATE 0"

    async def delete(self, scheduled_id: int) -> bool:
        return await self.db.execute("DELETE FROM scheduled_statuses WHERE id = $1", scheduled_id) != "DELETE 0"

    async def claim_status_id(self, scheduled_id: int, status_id: int) -> int | None:
        found: int | None = await self.db.fetchval(
            "UPDATE scheduled_statuses SET status_id = COALESCE(status_id, $2) WHERE id = $1 RETURNING status_id",
            scheduled_id,
            status_id,
        )
        return found

    async def due(self, now: dt.datetime, limit: int) -> Sequence[ScheduledStatus]:
        rows = await self.db.fetch(
            f"SELECT {SCHEDULED_COLUMNS} FROM scheduled_statuses WHERE scheduled_at <= $1"
            " ORDER BY scheduled_at LIMIT $2",
            now,
            limit,
        )
        return [_scheduled(row) for row in rows]
