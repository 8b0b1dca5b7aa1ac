"""Events: the bus (named streams, consumer groups) and the transactional outbox relayed onto it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from rookery.workloads.domain.events import Event

EventHandler = Callable[[Event], Awaitable[None]]


class EventBus(Protocol):
    """Named streams, ordering per key, at-least-once delivery to each consumer group.

    Handlers must be idempotent by ``event.id``; a handler that keeps failing has the event parked
    on the dead-letter stream after ``max_attempts``.
    """

    async def publish(self, stream: str, event: Event) -> None: ...

    def subscribe(self, stream: str, group: str, handler: EventHandler) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Outbox(Protocol):
    """Events written in the same transaction as the state they describe, relayed afterwards."""

    async def pending(self, limit: int) -> list[tuple[int, str, Event]]:
        """Unpublished rows, oldest first: (row id, stream, event)."""
        ...

    async def mark_published(self, row_ids: list[int]) -> None: ...

    async def wait(self, timeout_s: float) -> None:
        """Return as soon as new rows may be pending (a commit just added some), or after
        ``timeout_s``: the relay is woken by commits, polling is only the fallback."""
        ...
