"""Cassandra TimelineStore: stored home timelines, one partition per owner and day.

The day of an entry comes from its status id (snowflake timestamp), so every replica of a fan-out
lands in the same partition and a replay rewrites the same row (idempotent). Rows carry a TTL.
``home_timeline_days`` lists the days an owner has rows in, so a read walks exactly those
partitions, newest first, until the page is full; ``home_timeline_by_status`` records where each
status (and each reblog of it) was pushed, so a deletion reaches every timeline without a scan.

Each timeline is kept to its newest ``max_entries``: reads from the top never go deeper, and every
``max(1, max_entries // 8)`` pushes into one timeline (per process) trim what lies below.

A FeedShard's users live in the shard's own tables (``table``, ``<table>_days``,
``<table>_by_status``, created by the operator with this schema), whose partitions span
``bucket_days`` days each (the ``day`` column then holds the bucket's number).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Sequence

from rookery.workloads.adapters.cassandra.paging import bounds, register_keyset
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ids import timestamp_ms

DAY_MS = 86_400_000
DAY_MEMO_S = 3600.0  # a (owner, day) row is rewritten at most this often by one process
_COLUMNS = "status_id, account_id, reblog_of_id, reblog_account_id, visibility, in_reply_to_account_id"


def day_of(status_id: int) -> int:
    return timestamp_ms(status_id) // DAY_MS


class CassandraTimelineStore:
    def __init__(
        self,
        session: CassandraSession,
        max_entries: int = 800,
        ttl_s: int = 30 * 86400,
        *,
        table: str = "home_timeline",
        bucket_days: int = 1,
    ) -> None:
        self.session = session
        self.table = table
        self.bucket_ms = DAY_MS * bucket_days
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        self.trim_every = max(1, max_entries // 8)
        self._pushes: OrderedDict[int, int] = OrderedDict()  # owner -> pushes since the last trim
        self._days_written: OrderedDict[tuple[int, int], float] = OrderedDict()
        r = session.register
        self._insert = r(
            f"INSERT INTO {table} (owner_id, day, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?",
            write=True,
        )
        self._insert_day = r(f"INSERT INTO {table}_days (owner_id, day) VALUES (?, ?) USING TTL ?", write=True)
        self._insert_index = r(
            f"INSERT INTO {table}_by_status (status_id, owner_id, entry_id) VALUES (?, ?, ?) USING TTL ?",
            write=True,
        )
        self._days = r(f"SELECT day FROM {table}_days WHERE owner_id = ?", write=False)
        self._days_from = r(f"SELECT day FROM {table}_days WHERE owner_id = ? AND day <= ?", write=False)
        self._days_after = r(
            f"SELECT day FROM {table}_days WHERE owner_id = ? AND day >= ? ORDER BY day ASC",
            write=False,
        )
        self._page = register_keyset(
            session, f"SELECT {_COLUMNS} FROM {table} WHERE owner_id = ? AND day = ?", "status_id"
        )
        self._ids = r(f"SELECT status_id FROM {table} WHERE owner_id = ? AND day = ? LIMIT ?", write=False)
        self._authors = r(
            f"SELECT status_id, account_id, reblog_account_id FROM {table} WHERE owner_id = ? AND day = ?",
            write=False,
        )
        self._one = r(
            f"SELECT status_id FROM {table} WHERE owner_id = ? AND day = ? AND status_id = ?",
            write=False,
        )
        self._delete = r(f"DELETE FROM {table} WHERE owner_id = ? AND day = ? AND status_id = ?", write=True)
        self._delete_below = r(f"DELETE FROM {table} WHERE owner_id = ? AND day = ? AND status_id < ?", write=True)
        self._delete_day = r(f"DELETE FROM {table} WHERE owner_id = ? AND day = ?", write=True)
        self._delete_day_row = r(f"DELETE FROM {table}_days WHERE owner_id = ? AND day = ?", write=True)
        self._where = r(f"SELECT owner_id, entry_id FROM {table}_by_status WHERE status_id = ?", write=False)
        self._delete_index = r(f"DELETE FROM {table}_by_status WHERE status_id = ?", write=True)
        self._celebrities = r("SELECT account_id FROM celebrities WHERE shard = 0", write=False)
        self._add_celebrity = r("INSERT INTO celebrities (shard, account_id) VALUES (0, ?)", write=True)
        self._drop_celebrity = r("DELETE FROM celebrities WHERE shard = 0 AND account_id = ?", write=True)

    def _day(self, status_id: int) -> int:
        """The partition of an entry: its day (or its bucket of ``bucket_days`` days)."""
        return timestamp_ms(status_id) // self.bucket_ms

    # -- writes -----------------------------------------------------------------------------------

    def _row(self, owner_id: int, e: TimelineEntry) -> tuple[object, ...]:
        return (
            owner_id,
            self._day(e.status_id),
            e.status_id,
            e.account_id,
            e.reblog_of_id,
            e.reblog_account_id,
            e.visibility,
            e.in_reply_to_account_id,
            self.ttl_s,
        )

    def _new_days(self, pairs: set[tuple[int, int]]) -> list[tuple[int, int, int]]:
        """(owner, day) rows this process has not written lately; their TTL outlives the entries."""
        now = time.monotonic()
        fresh = []
        for pair in pairs:
            written = self._days_written.get(pair)
            if written is None or now - written > DAY_MEMO_S:
                fresh.append((*pair, self.ttl_s + 2 * 86400 + int(DAY_MEMO_S)))
        return fresh

    def _remember_days(self, rows: list[tuple[int, int, int]]) -> None:
        now = time.monotonic()
        for owner, day, _ in rows:
            self._days_written[(owner, day)] = now
            self._days_written.move_to_end((owner, day))
        while len(self._days_written) > 200_000:
            self._days_written.popitem(last=False)

    async def _write(self, owners: list[int], entries: Sequence[TimelineEntry]) -> None:
        rows = [self._row(owner, e) for owner in owners for e in entries]
        days = self._new_days({(owner, self._day(e.status_id)) for owner in owners for e in entries})
        # index rows of one status share its partition: unlogged batches, one per status
        index = [
            [(content, owner, e.status_id, self.ttl_s) for owner in owners]
            for e in entries
            for content in {e.status_id, e.content_id}
        ]
        # the day rows first: an entry never sits in a partition that no read visits
        await self.session.execute_many(self._insert_day, days)
        self._remember_days(days)
        await asyncio.gather(
            self.session.execute_many(self._insert, rows),
            *(self.session.execute_batches(self._insert_index, part) for part in index),
        )

    async def push(self, owner_ids: Sequence[int], entry: TimelineEntry) -> None:
        if not owner_ids:
            return
        owners = list(dict.fromkeys(owner_ids))
        await self._write(owners, [entry])
        await self._trim_due(owners, 1)

    async def push_many(self, owner_id: int, entries: Sequence[TimelineEntry]) -> None:
        if not entries:
            return
        await self._write([owner_id], entries)
        await self._trim(owner_id)

    async def _trim_due(self, owners: list[int], pushes: int) -> None:
        due = []
        for owner in owners:
            count = self._pushes.pop(owner, 0) + pushes
            if count >= self.trim_every:
                due.append(owner)
            else:
                self._pushes[owner] = count
        while len(self._pushes) > 100_000:
            self._pushes.popitem(last=False)
        for start in range(0, len(due), 64):
            await asyncio.gather(*(self._trim(owner) for owner in due[start : start + 64]))

    async def _trim(self, owner_id: int) -> None:
        """Delete what lies below the newest ``max_entries`` (one range tombstone, older days dropped)."""
        self._pushes.pop(owner_id, None)
        kept = 0
        for (day,) in await self.session.execute(self._days, (owner_id,)):
            if kept >= self.max_entries:
                await self.session.execute(self._delete_day, (owner_id, day))
                await self.session.execute(self._delete_day_row, (owner_id, day))
                continue
            ids = await self.session.execute(self._ids, (owner_id, day, self.max_entries - kept + 1))
            if kept + len(ids) > self.max_entries:
                last_kept = ids[self.max_entries - kept - 1][0]
                await self.session.execute(self._delete_below, (owner_id, day, last_kept))
            kept += len(ids)

    # -- reads ------------------------------------------------------------------------------------

    async def range(self, owner_id: int, page: PageRequest) -> list[TimelineEntry]:
        if page.limit <= 0:
            return []
        upper, lower = bounds(page)
        if upper - 1 <= lower:
            return []
        found: list[TimelineEntry] = []
        if page.ascending:  # the ones right after min_id: walk the days upward
            days = await self.session.execute(self._days_after, (owner_id, self._day(lower)))
            for (day,) in days:
                if day > self._day(upper - 1):
                    break
                rows = await self.session.execute(
                    self._page.oldest, (owner_id, day, upper, lower, page.limit - len(found))
                )
                found.extend(TimelineEntry(*row) for row in rows)
                if len(found) >= page.limit:
                    break
            return found[::-1]
        from_top = page.max_id is None
        limit = min(page.limit, self.max_entries) if from_top else page.limit
        if page.max_id is None:
            days = await self.session.execute(self._days, (owner_id,))
        else:
            days = await self.session.execute(self._days_from, (owner_id, self._day(upper - 1)))
        for (day,) in days:
            if lower >= 0 and day < self._day(lower):
                break
            rows = await self.session.execute(self._page.newest, (owner_id, day, upper, lower, limit - len(found)))
            found.extend(TimelineEntry(*row) for row in rows)
            if len(found) >= limit:
                break
        return found

    async def contains(self, owner_id: int, status_id: int) -> bool:
        rows = await self.session.execute(self._one, (owner_id, self._day(status_id), status_id))
        return bool(rows)

    # -- removal ----------------------------------------------------------------------------------

    async def remove(self, status_ids: Sequence[int]) -> None:
        for status_id in dict.fromkeys(status_ids):
            placed = await self.session.execute(self._where, (status_id,))
            await self.session.execute_many(
                self._delete, [(owner, self._day(entry_id), entry_id) for owner, entry_id in placed]
            )
            await self.session.execute(self._delete_index, (status_id,))

    async def remove_author(self, owner_id: int, account_id: int) -> None:
        doomed = []
        for (day,) in await self.session.execute(self._days, (owner_id,)):
            for status_id, author, reblogged in await self.session.execute(self._authors, (owner_id, day)):
                if account_id in (author, reblogged):
                    doomed.append((owner_id, day, status_id))
        await self.session.execute_many(self._delete, doomed)

    # -- celebrities ------------------------------------------------------------------------------

    async def celebrities(self) -> set[int]:
        return {row[0] for row in await self.session.execute(self._celebrities)}

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None:
        await self.session.execute(self._add_celebrity if celebrity else self._drop_celebrity, (account_id,))
