"""A consumer group after a fault: a commit that failed (a coordinator gone) is tried again on the
next turn of the loop, even when no record comes after it, and a partition that moved away is not
committed by the old owner; a group the brokers say is behind that makes no progress outside its
handlers is replaced by a new member (the HA campaign once saw a group stay 152 records behind), and
so is a member left holding no partitions while its group is behind and nobody in it progresses."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError

from rookery.workloads.adapters.kafka import group as group_module
from rookery.workloads.adapters.kafka.bus import KafkaEventBus
from rookery.workloads.adapters.kafka.group import _Group
from rookery.workloads.domain.events import Event

TOPIC = "t.analytics"
P0, P1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)


def record(tp: TopicPartition, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = Event(type="Interaction", key="1", payload={}, tenant="t").to_json()
    return ConsumerRecord(TOPIC, tp.partition, offset, 0, 0, b"1", value, None, 1, len(value), [])


class FlakyCoordinatorConsumer:
    """One batch on each partition, then nothing; the first ``failing`` commits fail and so does
    asking for the committed offsets (the coordinator is the broker that is gone)."""

    def __init__(self, failing: int, assigned: set[TopicPartition]) -> None:
        self.batches: list[dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]] = [
            {P0: [record(P0, 0), record(P0, 1)], P1: [record(P1, 0)]}
        ]
        self.failing = failing
        self.assigned = assigned
        self.commits: list[dict[TopicPartition, int]] = []
        self.getmany_calls = 0
        self.done = asyncio.Event()

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, Any]:
        self.getmany_calls += 1
        await asyncio.sleep(0)
        return self.batches.pop(0) if self.batches else {}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(dict(offsets))
        if len(self.commits) <= self.failing:
            raise KafkaConnectionError("coordinator unreachable")
        self.done.set()

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    async def committed(self, tp: TopicPartition) -> int:
        raise KafkaConnectionError("coordinator unreachable")

    def highwater(self, tp: TopicPartition) -> None:
        return None


async def run(consumer: FlakyCoordinatorConsumer) -> list[str]:
    handled: list[str] = []

    async def handler(event: Event) -> None:
        handled.append(event.id)

    bus = KafkaEventBus("127.0.0.1:1", "t", backoff_s=0.001)
    group = _Group(short="trends", name="t.trends", handlers={TOPIC: handler}, consumer=consumer)
    task = asyncio.create_task(bus._consume(group))
    try:
        await asyncio.wait_for(consumer.done.wait(), timeout=10)
    finally:
        bus._stopping.set()
        await asyncio.wait_for(task, timeout=10)
    return handled


def test_a_failed_commit_is_tried_again_without_new_records() -> None:
    consumer = FlakyCoordinatorConsumer(failing=2, assigned={P0, P1})
    handled = asyncio.run(run(consumer))
    assert len(handled) == 3  # each record handled once: the batch is not fetched again
    assert consumer.commits == [{P0: 2, P1: 1}] * 3  # the same offsets until the coordinator answers
    assert consumer.getmany_calls > 1  # later turns fetched nothing, and still committed


def test_a_partition_moved_away_is_left_to_its_new_owner() -> None:
    consumer = FlakyCoordinatorConsumer(failing=1, assigned={P0, P1})

    def moved(offsets: dict[TopicPartition, int]) -> None:
        consumer.assigned = {P0}  # the rebalance after the failed commit kept P0 here only

    original = consumer.commit

    async def commit(offsets: dict[TopicPartition, int]) -> None:
        try:
            await original(offsets)
        finally:
            moved(offsets)

    consumer.commit = commit  # type: ignore[method-assign]
    asyncio.run(run(consumer))
    assert consumer.commits == [{P0: 2, P1: 1}, {P0: 2}]


class WedgedConsumer(FlakyCoordinatorConsumer):
    """Alive, assigned, the brokers say 3 records are waiting on P0, and it never fetches them."""

    def __init__(self) -> None:
        super().__init__(failing=0, assigned={P0})
        self.batches = []
        self.stopped = False

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: 3 for tp in tps}

    async def beginning_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: 0 for tp in tps}

    async def committed(self, tp: TopicPartition) -> int:
        return 0

    async def stop(self) -> None:
        self.stopped = True


class FreshConsumer(WedgedConsumer):
    """The new member: it fetches the three records from the committed offset."""

    def __init__(self) -> None:
        super().__init__()
        self.batches = [{P0: [record(P0, 0), record(P0, 1), record(P0, 2)]}]


def test_a_group_behind_that_makes_no_progress_is_replaced(monkeypatch: Any) -> None:
    monkeypatch.setattr(group_module, "WATCH_EVERY_S", 0.01)
    monkeypatch.setattr(group_module, "STALL_AFTER_S", 0.05)
    wedged, fresh = WedgedConsumer(), FreshConsumer()

    async def scenario() -> list[str]:
        handled: list[str] = []

        async def handler(event: Event) -> None:
            handled.append(event.id)

        bus = KafkaEventBus("127.0.0.1:1", "t", backoff_s=0.001)
        group = _Group(short="trends", name="t.trends", handlers={TOPIC: handler}, consumer=wedged)
        bus._groups["trends"] = group

        async def new_consumer(_: _Group) -> Any:
            return fresh

        bus._new_consumer = new_consumer  # type: ignore[method-assign,assignment]
        group.task = asyncio.create_task(bus._consume(group))
        bus._watchdog = asyncio.create_task(bus._watch())
        await asyncio.wait_for(fresh.done.wait(), timeout=10)
        bus._stopping.set()
        bus._watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bus._watchdog
        await asyncio.wait_for(group.task, timeout=10)
        return handled

    handled = asyncio.run(scenario())
    assert wedged.stopped and len(handled) == 3
    assert fresh.commits == [{P0: 3}]


def test_a_group_inside_its_handler_or_progressing_is_left_alone() -> None:
    bus = KafkaEventBus("127.0.0.1:1", "t")
    busy = _Group(short="a", name="t.a", handlers={}, consumer=WedgedConsumer(), busy=True)
    moving = _Group(short="b", name="t.b", handlers={}, consumer=WedgedConsumer())
    wedged = _Group(short="c", name="t.c", handlers={}, consumer=WedgedConsumer())

    async def ticks() -> list[tuple[bool, bool, bool]]:
        for group in (busy, moving, wedged):
            group.task = asyncio.create_task(asyncio.sleep(0))
        seen = []
        start = time.monotonic()  # the groups were made before: no progress since
        for now in (start + 1, start + 31, start + 61):  # STALL_AFTER_S is 45
            moving.progressed_at = now - 1  # handled something since the last look
            seen.append(
                (await bus._stalled(busy, now), await bus._stalled(moving, now), await bus._stalled(wedged, now))
            )
        return seen

    assert asyncio.run(ticks()) == [(False, False, False), (False, False, False), (False, False, True)]


class OutOfGroupConsumer(WedgedConsumer):
    """Alive and holding no partitions (never let back into the group after a broker restart);
    the brokers say the group's two partitions have 3 records past its committed offsets, which
    move when ``others_handle`` (other members progressing)."""

    def __init__(self, others_handle: bool) -> None:
        super().__init__()
        self.assigned = set()
        self.others_handle = others_handle
        self.asked = 0

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.asked + 3 for tp in tps}

    def partitions_for_topic(self, name: str) -> set[int]:
        return {0, 1} if name == TOPIC else set()

    async def committed(self, tp: TopicPartition) -> int:
        self.asked += 1
        return self.asked if self.others_handle else 0


def test_a_member_holding_no_partitions_is_replaced_only_when_its_group_is_stuck() -> None:
    bus = KafkaEventBus("127.0.0.1:1", "t")
    out = _Group(short="a", name="t.a", handlers={TOPIC: print}, consumer=OutOfGroupConsumer(others_handle=False))
    idle = _Group(short="b", name="t.b", handlers={TOPIC: print}, consumer=OutOfGroupConsumer(others_handle=True))

    async def ticks() -> list[tuple[bool, bool]]:
        for group in (out, idle):
            group.task = asyncio.create_task(asyncio.sleep(0))
        start = time.monotonic()
        looks = (start + 1, start + 31, start + 61)  # STALL_AFTER_S is 45
        return [(await bus._stalled(out, now), await bus._stalled(idle, now)) for now in looks]

    assert asyncio.run(ticks()) == [(False, False), (False, False), (True, False)]
