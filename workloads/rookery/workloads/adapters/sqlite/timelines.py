"""Embedded TimelineStore: stored home timelines (one row per owner and status), bounded in size."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.sql import from_row
from rookery.workloads.adapters.sql.paging import QmarkParams, keyset, newest_first
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry

MIGRATIONS = load_migrations("feed", 1)

_INSERT = (
    "INSERT OR IGNORE INTO home_timelines (owner_id, status_id, account_id, reblog_of_id, reblog_account_id,"
    " visibility, in_reply_to_account_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_TRIM = (
    "DELETE FROM home_timelines WHERE owner_id = ? AND status_id < ("
    " SELECT status_id FROM home_timelines WHERE owner_id = ? ORDER BY status_id DESC LIMIT 1 OFFSET ?)"
)


def _values(e: TimelineEntry) -> tuple[int, int, int | None, int | None, str, int | None]:
    return (
        e.status_id,
        e.account_id,
        e.reblog_of_id,
        e.reblog_account_id,
        e.visibility,
        e.in_reply_to_account_id,
    )


class SqliteTimelineStore:
    def __init__(self, db: Database, max_entries: int = 800) -> None:
        self.db = db
        self.max_entries = max_entries
        self.reader = db.inline
        self._celebrities: tuple[int, set[int]] | None = None

    async def push(self, owner_ids: Sequence[int], entry: TimelineEntry) -> None:
        if not owner_ids:
            return
        row = _values(entry)
        async with self.db.transaction() as tx:
            await tx.executemany(
                _INSERT,
                [(owner, *row) for owner in owner_ids],
            )
            await tx.executemany(_TRIM, [(owner, owner, self.max_entries - 1) for owner in owner_ids])

    async def push_many(self, owner_id: int, entries: Sequence[TimelineEntry]) -> None:
        if not entries:
            return
        async with self.db.transaction() as tx:
            await tx.executemany(
                _INSERT,
                [(owner_id, *_values(e)) for e in entries],
            )
            await tx.execute(_TRIM, (owner_id, owner_id, self.max_entries - 1))

    async def range(self, owner_id: int, page: PageRequest) -> list[TimelineEntry]:
        p = QmarkParams(owner_id)
        rows = self.reader.fetchall(
            "SELECT status_id, account_id, reblog_of_id, reblog_account_id, visibility,"
            f" in_reply_to_account_id FROM home_timelines {keyset(page, p, ['owner_id = ?'], 'status_id')}",
            p.values,
        )
        return newest_first(from_row.timeline_entries(rows), page)

    async def remove(self, status_ids: Sequence[int]) -> None:
        if not status_ids:
            return
        marks = placeholders(status_ids)
        async with self.db.transaction() as tx:
            await tx.execute(
                f"DELETE FROM home_timelines WHERE status_id IN ({marks}) OR reblog_of_id IN ({marks})",
                [*status_ids, *status_ids],
            )

    async def remove_author(self, owner_id: int, account_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM home_timelines WHERE owner_id = ? AND (account_id = ? OR reblog_account_id = ?)",
                (owner_id, account_id, account_id),
            )

    async def contains(self, owner_id: int, status_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM home_timelines WHERE owner_id = ? AND status_id = ?", (owner_id, status_id)
        )
        return row is not None

    async def celebrities(self) -> set[int]:
        """Kept until anything is committed (the database's data_version, read before the query,
        moves): exact, so the feed asks for it on every page (``celebrity_ttl_s=0``)."""
        version = self.reader.data_version()
        kept = self._celebrities
        if kept is None or kept[0] != version:
            found = {row["account_id"] for row in self.reader.fetchall("SELECT account_id FROM celebrities")}
            kept = self._celebrities = (version, found)
        return kept[1]  # the same set while kept: callers only read it

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None:
        sql = (
            "INSERT OR IGNORE INTO celebrities (account_id) VALUES (?)"
            if celebrity
            else "DELETE FROM celebrities WHERE account_id = ?"
        )
        async with self.db.transaction() as tx:
            await tx.execute(sql, (account_id,))
