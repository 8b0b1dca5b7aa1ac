"""The embedded event path: transactional outbox -> relay -> SQLite event log -> consumer groups.

Complements tests/contract/test_event_bus.py (ordering, redelivery, dead letter, restart) with what
is specific to the embedded path: idempotency by event id, outbox atomicity, the commit wake-up,
and nothing lost when the process stops between commit and delivery.
"""

from __future__ import annotations

import asyncio
import functools
import pathlib
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest

from e2e.waiting import eventually_async
from rookery.workloads.adapters.sqlite import eventlog, outbox, statuses
from rookery.workloads.adapters.sqlite.db import Database
from rookery.workloads.domain.events import DEAD_LETTER, POSTS, Event
from rookery.workloads.domain.statuses import Status
from rookery.workloads.ids import new_id
from rookery.workloads.workers.outbox_relay import OutboxRelay


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "rookery.db")
    await database.connect()
    await database.migrate([*outbox.MIGRATIONS, *eventlog.MIGRATIONS, *statuses.MIGRATIONS])
    yield database
    await database.close()


wait_for = functools.partial(eventually_async, timeout_s=15.0, interval_s=0.01, message="condition not met in time")


def a_status(status_id: int | None = None) -> Status:
    return Status(id=status_id or new_id(), account_id=1, text="hi", content="<p>hi</p>")


async def test_an_event_id_is_handled_once_per_group(db: Database) -> None:
    bus = eventlog.SqliteEventBus(db, poll_interval_s=0.05)
    seen: list[str] = []

    async def handle(event: Event) -> None:
        seen.append(event.id)

    bus.subscribe(POSTS, "fanout", handle)
    await bus.start()
    event = Event(type="StatusCreated", key="1", payload={})
    await bus.publish(POSTS, event)
    await bus.publish(POSTS, event)  # the relay may publish twice after a crash
    await bus.publish(POSTS, Event(type="StatusCreated", key="1", payload={}))
    await bus.wait_idle()
    await bus.stop()
    assert seen.count(event.id) == 1 and len(seen) == 2


async def test_dead_letter_keeps_the_event_and_the_reason(db: Database) -> None:
    bus = eventlog.SqliteEventBus(db, max_attempts=2, retry_backoff_s=0.001, poll_interval_s=0.05)

    async def broken(event: Event) -> None:
        raise RuntimeError("boom")

    bus.subscribe(POSTS, "notify", broken)
    await bus.start()
    event = Event(type="StatusCreated", key="7", payload={"status_id": 1})
    await bus.publish(POSTS, event)
    await bus.wait_idle()
    await bus.stop()
    parked = await bus.read(DEAD_LETTER)
    assert len(parked) == 1
    assert parked[0].payload["event"]["id"] == event.id and parked[0].payload["group"] == "notify"
    assert "boom" in parked[0].payload["error"] and parked[0].key == "7"


async def test_a_failed_write_leaves_no_event(db: Database) -> None:
    box = outbox.SqliteOutbox(db)
    repo = statuses.SqliteStatusRepository(db, box)
    first = a_status()
    await repo.create(first, [(POSTS, Event(type="StatusCreated", key="1", payload={"n": 1}))])
    with pytest.raises(Exception, match="UNIQUE"):  # same id: the transaction rolls back
        await repo.create(first, [(POSTS, Event(type="StatusCreated", key="1", payload={"n": 2}))])
    pending = await box.pending(10)
    assert [e.payload for _, _, e in pending] == [{"n": 1}]


async def test_commit_wakes_the_relay_without_polling(db: Database) -> None:
    box = outbox.SqliteOutbox(db)
    bus = eventlog.SqliteEventBus(db, poll_interval_s=60)
    relay = OutboxRelay(box, bus, poll_interval_s=60)
    got: list[Event] = []

    async def handle(event: Event) -> None:
        got.append(event)

    bus.subscribe(POSTS, "fanout", handle)
    await bus.start()
    await relay.start()
    await asyncio.sleep(0.05)  # both are now waiting (for a minute, if nothing wakes them)
    repo = statuses.SqliteStatusRepository(db, box)
    await repo.create(a_status(), [(POSTS, Event(type="StatusCreated", key="1", payload={}))])
    await wait_for(lambda: len(got) == 1, timeout_s=2.0)
    await relay.stop()
    await bus.stop()
    assert await box.pending(10) == []


async def test_nothing_committed_is_lost_across_a_restart(db: Database) -> None:
    box = outbox.SqliteOutbox(db)
    repo = statuses.SqliteStatusRepository(db, box)
    # committed while no relay runs (the process stopped right after the commit)
    for i in range(5):
        await repo.create(
            a_status(), [(POSTS, Event(type="StatusCreated", key=str(i % 2), payload={"i": i}))]
        )

    handled: list[int] = []
    release = asyncio.Event()

    async def slow(event: Event) -> None:
        if event.payload["i"] >= 3:
            await release.wait()  # the process stops while these are in flight
        handled.append(event.payload["i"])

    bus = eventlog.SqliteEventBus(db, partitions=1, poll_interval_s=0.05)
    relay = OutboxRelay(box, bus, poll_interval_s=0.05)
    bus.subscribe(POSTS, "fanout", slow)
    await bus.start()
    await relay.start()
    await wait_for(lambda: len(handled) == 3)
    await relay.stop()
    await bus.stop()  # "restart": offsets of 3 and 4 were never committed
    assert await box.pending(10) == []

    again: list[int] = []

    async def quick(event: Event) -> None:
        again.append(event.payload["i"])

    bus = eventlog.SqliteEventBus(db, partitions=1, poll_interval_s=0.05)
    bus.subscribe(POSTS, "fanout", quick)
    await bus.start()
    await wait_for(lambda: len(again) >= 2)
    await bus.wait_idle()
    await bus.stop()
    # at least once: event 2 may come again if the stop beat its offset commit; none is lost
    assert handled == [0, 1, 2] and again[-2:] == [3, 4] and set(again) <= {2, 3, 4}


async def test_a_stop_finishes_the_batch_in_flight(db: Database) -> None:
    """Stopped while publishing, the relay finishes the batch and marks it: a clean stop leaves
    nothing to publish again (a cancel between publish and mark once left all five pending)."""
    box = outbox.SqliteOutbox(db)
    repo = statuses.SqliteStatusRepository(db, box)
    for i in range(5):
        await repo.create(a_status(), [(POSTS, Event(type="StatusCreated", key="0", payload={"i": i}))])
    published: list[int] = []
    first = asyncio.Event()

    class SlowBus:
        async def publish(self, stream: str, event: Event) -> None:
            first.set()
            await asyncio.sleep(0.05)
            published.append(event.payload["i"])

    relay = OutboxRelay(box, SlowBus(), poll_interval_s=0.05)  # type: ignore[arg-type]
    await relay.start()
    await first.wait()
    await relay.stop()
    assert published == [0, 1, 2, 3, 4]
    assert await box.pending(10) == []


async def test_compaction_keeps_what_a_group_still_needs(db: Database) -> None:
    bus = eventlog.SqliteEventBus(db, partitions=1, poll_interval_s=0.05)
    fast: list[int] = []
    slow: list[int] = []
    gate = asyncio.Event()

    async def quick(event: Event) -> None:
        fast.append(event.payload["i"])

    async def lagging(event: Event) -> None:
        if event.payload["i"] >= 2:
            await gate.wait()
        slow.append(event.payload["i"])

    bus.subscribe(POSTS, "fanout", quick)
    bus.subscribe(POSTS, "notify", lagging)
    await bus.start()
    for i in range(6):
        await bus.publish(POSTS, Event(type="StatusCreated", key="k", payload={"i": i}))
    await bus.publish(DEAD_LETTER, Event(type="StatusCreated", key="k", payload={"parked": True}))
    await wait_for(lambda: len(fast) == 6 and len(slow) == 2)
    await bus.compact()
    assert [e.payload["i"] for e in await bus.read(POSTS)] == [1, 2, 3, 4, 5]  # notify committed 1
    gate.set()
    await bus.wait_idle()
    await bus.compact()
    assert [e.payload["i"] for e in await bus.read(POSTS)] == [5]  # the newest anchors the offsets
    await bus.publish(POSTS, Event(type="StatusCreated", key="k", payload={"i": 6}))
    await wait_for(lambda: len(fast) == 7 and len(slow) == 7)
    await bus.stop()
    assert slow == list(range(7)) and len(await bus.read(DEAD_LETTER)) == 1


async def test_compaction_waits_for_a_group_that_has_not_committed_yet(db: Database) -> None:
    bus = eventlog.SqliteEventBus(db, partitions=1, poll_interval_s=0.05)
    gate = asyncio.Event()
    late: list[int] = []

    async def quick(event: Event) -> None:
        pass

    async def stuck(event: Event) -> None:
        await gate.wait()
        late.append(event.payload["i"])

    bus.subscribe(POSTS, "fanout", quick)
    bus.subscribe(POSTS, "notify", stuck)
    await bus.start()
    for i in range(3):
        await bus.publish(POSTS, Event(type="StatusCreated", key="k", payload={"i": i}))
    await asyncio.sleep(0.2)
    assert await bus.compact() == 0
    gate.set()
    await wait_for(lambda: late == [0, 1, 2])
    await bus.stop()


async def test_a_consumer_survives_a_failing_store(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    bus = eventlog.SqliteEventBus(db, partitions=1, poll_interval_s=0.05)
    got: list[int] = []

    async def handle(event: Event) -> None:
        got.append(event.payload["i"])

    real_fetchall = db.fetchall
    failures = 3

    async def flaky(sql: str, params: Any = ()) -> Any:
        nonlocal failures
        if "FROM event_log" in sql and failures:
            failures -= 1
            raise sqlite3.OperationalError("disk I/O error")
        return await real_fetchall(sql, params)

    monkeypatch.setattr(db, "fetchall", flaky)
    bus.subscribe(POSTS, "fanout", handle)
    await bus.start()
    for i in range(3):
        await bus.publish(POSTS, Event(type="StatusCreated", key="k", payload={"i": i}))
    await wait_for(lambda: got == [0, 1, 2])
    await bus.stop()
    assert failures == 0
