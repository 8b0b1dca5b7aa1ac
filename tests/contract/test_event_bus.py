"""EventBus port contract: the embedded bus (SQLite log) and Kafka.

Each test gets a ``make_bus`` factory: every call is a new bus process-equivalent on the same
backend (same SQLite file / same Kafka topics and groups), so a restart is "stop one, make another".
"""

from __future__ import annotations

import asyncio
import pathlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable

import pytest
from contract_support import eventually

from rookery.workloads.adapters.kafka.bus import KafkaEventBus
from rookery.workloads.adapters.sqlite.db import Database
from rookery.workloads.adapters.sqlite.eventlog import MIGRATIONS, SqliteEventBus
from rookery.workloads.domain.events import DEAD_LETTER, POSTS, Event
from rookery.workloads.ports.events import EventBus

MAX_ATTEMPTS = 3
MakeBus = Callable[[], EventBus]


@pytest.fixture(params=["sqlite", pytest.param("kafka", marks=pytest.mark.needs("kafka"))])
async def make_bus(
    request: pytest.FixtureRequest, tenant: str, tmp_path: pathlib.Path
) -> AsyncIterator[MakeBus]:
    made: list[EventBus] = []
    db: Database | None = None
    if request.param == "sqlite":
        db = Database(tmp_path / "events.db")
        await db.connect()
        await db.migrate(MIGRATIONS)

        def make() -> EventBus:
            assert db is not None
            made.append(
                SqliteEventBus(db, max_attempts=MAX_ATTEMPTS, retry_backoff_s=0.01, poll_interval_s=0.05)
            )
            return made[-1]

    else:
        bootstrap = request.getfixturevalue("kafka_bootstrap")

        def make() -> EventBus:
            made.append(
                KafkaEventBus(
                    bootstrap,
                    tenant,
                    max_attempts=MAX_ATTEMPTS,
                    backoff_s=0.01,
                    create_topics=True,
                    session_timeout_ms=6000,
                )
            )
            return made[-1]

    yield make
    for bus in made:
        await bus.stop()
    if db is not None:
        await db.close()


def event(key: str, seq: int, tenant: str = "rookery") -> Event:
    return Event(type="StatusCreated", key=key, payload={"seq": seq}, tenant=tenant)


async def test_ordering_holds_per_key(make_bus: MakeBus) -> None:
    bus = make_bus()
    got: dict[str, list[int]] = defaultdict(list)

    async def handle(e: Event) -> None:
        got[e.key].append(e.payload["seq"])

    bus.subscribe(POSTS, "fanout", handle)
    await bus.start()
    keys = ["alice", "bob", "carol", "dave"]
    for seq in range(25):
        for key in keys:
            await bus.publish(POSTS, event(key, seq))
    await eventually(lambda: sum(map(len, got.values())) >= 100, what="100 events")
    assert {key: got[key] for key in keys} == {key: list(range(25)) for key in keys}


async def test_each_group_gets_every_event(make_bus: MakeBus) -> None:
    bus = make_bus()
    fanout: list[str] = []
    notifications: list[str] = []

    async def to_fanout(e: Event) -> None:
        fanout.append(e.id)

    async def to_notifications(e: Event) -> None:
        notifications.append(e.id)

    bus.subscribe(POSTS, "fanout", to_fanout)
    bus.subscribe(POSTS, "notifications", to_notifications)
    await bus.start()
    sent = [event(f"user{i % 5}", i) for i in range(20)]
    for e in sent:
        await bus.publish(POSTS, e)
    await eventually(lambda: len(fanout) >= 20 and len(notifications) >= 20, what="both groups")
    await asyncio.sleep(0.2)
    assert sorted(fanout) == sorted(notifications) == sorted(e.id for e in sent)


async def test_failed_handler_gets_the_event_again(make_bus: MakeBus) -> None:
    bus = make_bus()
    deliveries: list[str] = []
    done: list[str] = []
    sent = [event("alice", i) for i in range(5)]
    flaky = sent[2].id

    async def handle(e: Event) -> None:
        deliveries.append(e.id)
        if e.id == flaky and deliveries.count(e.id) == 1:
            raise RuntimeError("timeline store hiccup")
        done.append(e.id)

    bus.subscribe(POSTS, "fanout", handle)
    await bus.start()
    for e in sent:
        await bus.publish(POSTS, e)
    await eventually(lambda: len(done) >= 5, what="all events handled")
    assert done == [e.id for e in sent]  # in order, the failed one before its successors
    assert deliveries.count(flaky) == 2


async def test_dead_letter_after_max_attempts(make_bus: MakeBus) -> None:
    bus = make_bus()
    attempts: list[str] = []
    done: list[str] = []
    parked: list[Event] = []
    poison, after = event("bob", 1), event("bob", 2)

    async def handle(e: Event) -> None:
        attempts.append(e.id)
        if e.id == poison.id:
            raise ValueError("cannot render this status")
        done.append(e.id)

    async def watch_dead_letters(e: Event) -> None:
        parked.append(e)

    bus.subscribe(POSTS, "fanout", handle)
    bus.subscribe(DEAD_LETTER, "dead-letter-watch", watch_dead_letters)
    await bus.start()
    await bus.publish(POSTS, poison)
    await bus.publish(POSTS, after)
    await eventually(lambda: bool(parked) and after.id in done, what="dead letter and the next event")
    assert attempts.count(poison.id) == MAX_ATTEMPTS
    assert done == [after.id]  # the partition moved on past the poison event
    (dead,) = parked
    assert dead.key == "bob"
    assert dead.payload["stream"] == POSTS and dead.payload["group"] == "fanout"
    assert "cannot render this status" in dead.payload["error"]
    assert dead.payload["event"]["id"] == poison.id and dead.payload["event"]["payload"] == {"seq": 1}


async def test_restart_resumes_from_committed_offsets(make_bus: MakeBus) -> None:
    first_run: list[str] = []
    second_run: list[str] = []

    async def first(e: Event) -> None:
        first_run.append(e.id)

    async def second(e: Event) -> None:
        second_run.append(e.id)

    bus = make_bus()
    bus.subscribe(POSTS, "search", first)
    await bus.start()
    before = [event(f"u{i % 3}", i) for i in range(10)]
    for e in before:
        await bus.publish(POSTS, e)
    await eventually(lambda: len(first_run) >= 10, what="first run")
    await bus.stop()

    publisher = make_bus()  # published while no consumer of the group runs
    while_down = [event(f"u{i % 3}", i) for i in range(10, 20)]
    for e in while_down:
        await publisher.publish(POSTS, e)

    restarted = make_bus()
    restarted.subscribe(POSTS, "search", second)
    await restarted.start()
    await eventually(lambda: len(second_run) >= 10, what="second run")
    await asyncio.sleep(0.3)
    assert sorted(first_run) == sorted(e.id for e in before)
    assert sorted(second_run) == sorted(e.id for e in while_down)  # nothing lost, nothing replayed
