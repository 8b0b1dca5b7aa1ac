"""Embedded transactional outbox: rows written inside a store's transaction, relayed afterwards.

Stores call ``append(conn, events)`` inside their ``Database.transaction()`` and ``notify()``
after it commits, which wakes the relay at once (polling is only the fallback).
"""

from __future__ import annotations

import asyncio
import contextlib

import aiosqlite

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.events import Event, OutboxEvents

MIGRATIONS = load_migrations("events", 1)


class SqliteOutbox:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._wakeup = asyncio.Event()

    async def append(self, conn: aiosqlite.Connection, events: OutboxEvents) -> None:
        """Write events within the caller's open transaction."""
        if events:
            await conn.executemany(
                "INSERT INTO outbox (stream, event) VALUES (?, ?)",
                [(stream, event.to_json()) for stream, event in events],
            )

    def notify(self) -> None:
        self._wakeup.set()

    async def wait(self, timeout_s: float) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that lands as the event fires
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._wakeup.wait()
        self._wakeup.clear()

    async def pending(self, limit: int) -> list[tuple[int, str, Event]]:
        rows = await self.db.fetchall("SELECT id, stream, event FROM outbox ORDER BY id LIMIT ?", (limit,))
        return [(row["id"], row["stream"], Event.from_json(row["event"])) for row in rows]

    async def mark_published(self, row_ids: list[int]) -> None:
        if not row_ids:
            return
        async with self.db.transaction() as tx:
            await tx.executemany("DELETE FROM outbox WHERE id = ?", [(row_id,) for row_id in row_ids])
