"""The transactional outbox on PostgreSQL.

Stores call ``append(conn, events)`` inside their ``PostgresDatabase.transaction()``; it also
issues ``NOTIFY`` on the tenant's channel, which PostgreSQL delivers at commit, so every relay
(in any process) wakes right after the commit; polling is only the fallback.

Several relays may run: ``claim()`` deletes the oldest unclaimed rows (``FOR UPDATE SKIP LOCKED``)
in a transaction held while they are published and committed at its end. A relay that dies
mid-batch rolls back, the rows come back, and another one publishes them again (consumers skip
repeats by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql.paging import Params
from rookery.workloads.domain.events import Event, OutboxEvents
from rookery.workloads.domain.unavailable import StoreUnavailable

log = logging.getLogger("rookery.outbox")


class PostgresOutbox:
    def __init__(self, db: PostgresDatabase, channel: str = "rookery_outbox") -> None:
        self.db = db
        self.channel = channel
        self._wakeup = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    # -- writers ---------------------------------------------------------------------------------

    async def append(self, conn: asyncpg.Connection, events: OutboxEvents) -> None:
        """Write events within the caller's open transaction (and wake the relays at commit)."""
        if not events:
            return
        await conn.executemany(
            "INSERT INTO outbox (stream, event) VALUES ($1, $2)",
            [(stream, event.to_json()) for stream, event in events],
        )
        await conn.execute("SELECT pg_notify($1, '')", self.channel)

    def insert_cte(self, p: Params, events: OutboxEvents) -> str:
        """``append`` as parts of another write's single statement: the INSERT (a data-modifying
        CTE, rows in the given order) and the final SELECT that wakes the relays at commit."""
        streams = p([stream for stream, _ in events])
        payloads = p([event.to_json() for _, event in events])
        return (
            "INSERT INTO outbox (stream, event) SELECT stream, event"
            f" FROM unnest({streams}::text[], {payloads}::bytea[]) WITH ORDINALITY AS x(stream, event, n)"
            " ORDER BY n"
        )

    def notify_select(self, p: Params) -> str:
        return f"SELECT pg_notify({p(self.channel)}, '')"

    def notify(self) -> None:
        """In-process wake-up after a commit, needed only while this process does not LISTEN: a
        listening relay is woken by the commit's NOTIFY itself, and waking it twice made it claim
        again for nothing (BEGIN, SELECT, COMMIT: three round trips a compose)."""
        if self._listener is None or self._listener.is_closed():
            self._wakeup.set()

    # -- the relay's side ------------------------------------------------------------------------

    async def pending(self, limit: int) -> list[tuple[int, str, Event]]:
        """Unpublished rows, oldest first (a read; claimed rows included)."""
        rows = await self.db.fetch("SELECT id, stream, event FROM outbox ORDER BY id LIMIT $1", limit)
        return [(row["id"], row["stream"], Event.from_json(row["event"])) for row in rows]

    async def mark_published(self, row_ids: list[int]) -> None:
        if row_ids:
            await self.db.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", row_ids)

    @contextlib.asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[list[tuple[int, str, Event]]]:
        """The oldest rows no other relay holds; deleted when the block exits without error."""
        async with self.db.transaction() as conn:  # deleted now, restored by the rollback of a failure
            rows = await conn.fetch(
                "DELETE FROM outbox WHERE id IN"
                " (SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id, stream, event",
                limit,
            )
            claimed = [(row["id"], row["stream"], Event.from_json(row["event"])) for row in rows]
            yield sorted(claimed, key=lambda row: row[0])

    async def wait(self, timeout_s: float) -> None:
        try:
            await self._listen()
        except StoreUnavailable as exc:  # the poll interval is the fallback until it is back
            log.debug("outbox LISTEN unavailable: %s", exc)
        with contextlib.suppress(TimeoutError):  # asyncio.timeout: see SqliteOutbox.wait
            async with asyncio.timeout(timeout_s):
                await self._wakeup.wait()
        self._wakeup.clear()

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = None
        conn = await self.db.direct_connection()
        await conn.add_listener(self.channel, self._on_notify)
        conn.add_termination_listener(self._on_lost)
        self._listener = conn
        self._wakeup.set()  # rows may have been committed while nobody listened

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()

    def _on_lost(self, *_: object) -> None:
        self._listener = None

    async def close(self) -> None:
        if self._listener is not None:
            conn, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=5)
