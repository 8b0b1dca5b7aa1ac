"""A consumer group's commit that fails (a coordinator gone mid-fault) is tried again on the next
turn of the loop, even when no record comes after it: the handled records never stay uncommitted
until the next post (the HA campaign once saw a group stay 152 records behind after the load).
A partition that moved away meanwhile is not committed by the old owner."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError

from rookery.workloads.adapters.kafka.bus import KafkaEventBus, _Group
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
