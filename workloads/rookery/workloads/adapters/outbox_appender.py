"""Events appended to an outbox in a transaction of their own.

Stores without a transaction to share with an outbox (Cassandra's graph and chats) hand their
events to the outbox of the posts store (PostgreSQL when configured, else the embedded SQLite one)
right after their write; the relay then publishes them like any other row.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Generic, Protocol, TypeVar

from rookery.workloads.domain.events import OutboxEvents

Conn = TypeVar("Conn")
Conn_contra = TypeVar("Conn_contra", contravariant=True)


class TransactionalOutbox(Protocol[Conn_contra]):
    """An outbox whose rows are written on a store's connection (SqliteOutbox, PostgresOutbox)."""

    async def append(self, conn: Conn_contra, events: OutboxEvents) -> None: ...

    def notify(self) -> None: ...


class OutboxAppender(Generic[Conn]):
    """``await appender(events)``: one transaction that appends the events, then the relay is woken."""

    def __init__(
        self, transaction: Callable[[], AbstractAsyncContextManager[Conn]], outbox: TransactionalOutbox[Conn]
    ) -> None:
        self._transaction = transaction
        self._outbox = outbox

    async def __call__(self, events: OutboxEvents) -> None:
        async with self._transaction() as conn:
            await self._outbox.append(conn, events)
        self._outbox.notify()
