"""OutboxAppender: events go to the outbox inside their own transaction, then the relay is woken."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from rookery.workloads.adapters.outbox_appender import OutboxAppender
from rookery.workloads.domain.events import POSTS, Event, OutboxEvents


class FakeOutbox:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.rows: list[tuple[str, OutboxEvents]] = []

    async def append(self, conn: str, events: OutboxEvents) -> None:
        self.log.append(f"append on {conn}")
        self.rows.append((conn, events))

    def notify(self) -> None:
        self.log.append("notify")


async def test_appends_in_a_transaction_then_notifies() -> None:
    log: list[str] = []

    @contextlib.asynccontextmanager
    async def transaction() -> AsyncIterator[str]:
        log.append("begin")
        yield "conn-1"
        log.append("commit")

    outbox = FakeOutbox(log)
    events = [(POSTS, Event(type="Followed", key="1", payload={}, tenant="t"))]
    await OutboxAppender(transaction, outbox)(events)
    assert log == ["begin", "append on conn-1", "commit", "notify"]
    assert outbox.rows == [("conn-1", events)]


async def test_a_failed_transaction_does_not_wake_the_relay() -> None:
    log: list[str] = []

    @contextlib.asynccontextmanager
    async def transaction() -> AsyncIterator[str]:
        yield "conn"
        raise RuntimeError("rolled back")

    outbox = FakeOutbox(log)
    with contextlib.suppress(RuntimeError):
        await OutboxAppender(transaction, outbox)([])
    assert "notify" not in log
