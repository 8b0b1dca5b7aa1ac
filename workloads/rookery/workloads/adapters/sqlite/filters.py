"""Embedded FilterStore and ScheduledStatusStore on the shared SQLite database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson

from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.filters import FILTER_COLUMNS, assemble_filters, params_json, params_of
from rookery.workloads.adapters.sql.paging import QmarkParams, keyset, newest_first
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.filters import Filter
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.scheduled import ScheduledStatus

MIGRATIONS = load_migrations("filters", 1)


def _read(row: Any) -> tuple[tuple[str, ...], dt.datetime | None]:
    return tuple(orjson.loads(row["context"])), SQLITE.optional_time(row["expires_at"])


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


class SqliteFilterStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def _assemble(self, rows: list[Any]) -> list[Filter]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        marks = placeholders(ids)
        keywords = await self.db.fetchall(f"SELECT * FROM filter_keywords WHERE filter_id IN ({marks})", ids)
        statuses = await self.db.fetchall(f"SELECT * FROM filter_statuses WHERE filter_id IN ({marks})", ids)
        return assemble_filters(rows, keywords, statuses, _read)

    async def save(self, found: Filter) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO filters ({FILTER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " title = excluded.title, context = excluded.context, action = excluded.action,"
                " expires_at = excluded.expires_at",
                (
                    found.id, found.account_id, found.title, orjson.dumps(list(found.context)).decode(),
                    found.action, SQLITE.store_optional_time(found.expires_at),
                ),
            )  # fmt: skip
            await tx.execute("DELETE FROM filter_keywords WHERE filter_id = ?", (found.id,))
            await tx.execute("DELETE FROM filter_statuses WHERE filter_id = ?", (found.id,))
            await tx.executemany(
                "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?, ?, ?, ?)",
                [(k.id, found.id, k.keyword, int(k.whole_word)) for k in found.keywords],
            )
            await tx.executemany(
                "INSERT INTO filter_statuses (id, filter_id, status_id) VALUES (?, ?, ?)",
                [(s.id, found.id, s.status_id) for s in found.statuses],
            )

    async def get(self, filter_id: int) -> Filter | None:
        found = await self._assemble(
            await self.db.fetchall(f"SELECT {FILTER_COLUMNS} FROM filters WHERE id = ?", (filter_id,))
        )
        return found[0] if found else None

    async def of_account(self, account_id: int) -> list[Filter]:
        return await self._assemble(
            await self.db.fetchall(
                f"SELECT {FILTER_COLUMNS} FROM filters WHERE account_id = ? ORDER BY id", (account_id,)
            )
        )

    async def delete(self, filter_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM filters WHERE id = ?", (filter_id,))
            await tx.execute("DELETE FROM filter_keywords WHERE filter_id = ?", (filter_id,))
            await tx.execute("DELETE FROM filter_statuses WHERE filter_id = ?", (filter_id,))
            return cursor.rowcount > 0

    async def filter_of_keyword(self, keyword_id: int) -> int | None:
        row = await self.db.fetchone("SELECT filter_id FROM filter_keywords WHERE id = ?", (keyword_id,))
        return row["filter_id"] if row else None

    async def filter_of_status(self, filter_status_id: int) -> int | None:
        row = await self.db.fetchone("SELECT filter_id FROM filter_statuses WHERE id = ?", (filter_status_id,))
        return row["filter_id"] if row else None


SCHEDULED_COLUMNS = "id, account_id, scheduled_at_ms, params"


def _scheduled(row: Any) -> ScheduledStatus:
    return ScheduledStatus(
        id=row["id"],
        account_id=row["account_id"],
        scheduled_at=dt.datetime.fromtimestamp(row["scheduled_at_ms"] / 1000, dt.UTC),
        params=params_of(row["params"]),
    )


class SqliteScheduledStatusStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, scheduled: ScheduledStatus) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO scheduled_statuses ({SCHEDULED_COLUMNS}) VALUES (?, ?, ?, ?)",
                (scheduled.id, scheduled.account_id, _ms(scheduled.scheduled_at), params_json(scheduled.params)),
            )

    async def get(self, scheduled_id: int) -> ScheduledStatus | None:
        row = await self.db.fetchone(
            f"SELECT {SCHEDULED_COLUMNS} FROM scheduled_statuses WHERE id = ?", (scheduled_id,)
        )
        return _scheduled(row) if row else None

    async def of_account(self, account_id: int, page: PageRequest) -> list[ScheduledStatus]:
        p = QmarkParams()
        sql = f"SELECT {SCHEDULED_COLUMNS} FROM scheduled_statuses {keyset(page, p, [f'account_id = {p(account_id)}'])}"
        return newest_first([_scheduled(row) for row in await self.db.fetchall(sql, p.values)], page)

    async def count(self, account_id: int, between: tuple[dt.datetime, dt.datetime] | None = None) -> int:
        if between is None:
            row = await self.db.fetchone(
                "SELECT COUNT(*) AS n FROM scheduled_statuses WHERE account_id = ?", (account_id,)
            )
        else:
            row = await self.db.fetchone(
                "SELECT COUNT(*) AS n FROM scheduled_statuses WHERE account_id = ? AND scheduled_at_ms >= ?"
                " AND scheduled_at_ms < ?",
                (account_id, _ms(between[0]), _ms(between[1])),
            )
        return int(row["n"]) if row else 0

    async def reschedule(self, scheduled_id: int, at: dt.datetime) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE scheduled_statuses SET scheduled_at_ms = ? WHERE id = ?", (_ms(at), scheduled_id)
            )
            return cursor.rowcount > 0

    async def delete(self, scheduled_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM scheduled_statuses WHERE id = ?", (scheduled_id,))
            return cursor.rowcount > 0

    async def claim_status_id(self, scheduled_id: int, status_id: int) -> int | None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE scheduled_statuses SET status_id = ? WHERE id = ? AND status_id IS NULL",
                (status_id, scheduled_id),
            )
            async with tx.execute("SELECT status_id FROM scheduled_statuses WHERE id = ?", (scheduled_id,)) as cur:
                row = await cur.fetchone()
        return row["status_id"] if row else None

    async def due(self, now: dt.datetime, limit: int) -> Sequence[ScheduledStatus]:
        rows = await self.db.fetchall(
            f"SELECT {SCHEDULED_COLUMNS} FROM scheduled_statuses WHERE scheduled_at_ms <= ?"
            " ORDER BY scheduled_at_ms LIMIT ?",
            (_ms(now), limit),
        )
        return [_scheduled(row) for row in rows]
