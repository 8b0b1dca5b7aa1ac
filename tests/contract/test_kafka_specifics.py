"""What only the Kafka bus promises: records keyed by owner with trace and dead-letter headers,
a consumer-lag gauge, StoreUnavailable when the cluster is unreachable, the Redis dedupe checked
and marked per fetched batch, and no loss and no double effect when a consumer process is
SIGKILLed in the middle of a stream."""

from __future__ import annotations

import asyncio
import os
import pathlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer
from contract_support import eventually, redis_client
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from prometheus_client import REGISTRY

from rookery.workloads.adapters.kafka.bus import KafkaEventBus
from rookery.workloads.adapters.redis.dedupe import ProcessedEvents
from rookery.workloads.adapters.redis.keys import Keys
from rookery.workloads.domain.events import DEAD_LETTER, POSTS, Event, topic
from rookery.workloads.domain.unavailable import StoreUnavailable

pytestmark = pytest.mark.needs("kafka")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
OTHER_TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
async def bus(kafka_bootstrap: str, tenant: str) -> AsyncIterator[KafkaEventBus]:
    made = KafkaEventBus(kafka_bootstrap, tenant, max_attempts=2, backoff_s=0.01, create_topics=True)
    yield made
    await made.stop()


async def read_raw(bootstrap: str, name: str, count: int) -> list:
    consumer = AIOKafkaConsumer(name, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        records: list = []
        async with asyncio.timeout(30):
            while len(records) < count:
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def test_records_are_keyed_and_carry_trace_headers(bus: KafkaEventBus, kafka_bootstrap: str) -> None:
    seen: list[tuple[Event, int]] = []

    async def handle(e: Event) -> None:  # records the trace id current while the handler runs
        seen.append((e, trace.get_current_span().get_span_context().trace_id))

    bus.subscribe(POSTS, "analytics", handle)
    await bus.start()
    sent = Event(type="StatusCreated", key="42", payload={}, tenant=bus.tenant, trace={"traceparent": TRACEPARENT})
    await bus.publish(POSTS, sent)
    # an event built without a trace joins the publisher's current one
    token = otel_context.attach(propagate.extract({"traceparent": OTHER_TRACEPARENT}))
    try:
        untraced = Event(type="StatusCreated", key="42", payload={}, tenant=bus.tenant)
        await bus.publish(POSTS, untraced)
    finally:
        otel_context.detach(token)
    first, second = await read_raw(kafka_bootstrap, topic(bus.tenant, POSTS), 2)
    headers = dict(first.headers)
    assert first.key == b"42"
    assert headers["event-id"] == sent.id.encode() and headers["event-type"] == b"StatusCreated"
    assert headers["traceparent"] == TRACEPARENT.encode()
    assert dict(second.headers)["traceparent"].decode().split("-")[1] == OTHER_TRACEPARENT.split("-")[1]
    await eventually(lambda: len(seen) == 2, what="delivery")
    assert seen[0][0].trace == {"traceparent": TRACEPARENT}
    assert [trace_id for _, trace_id in seen] == [
        int(TRACEPARENT.split("-")[1], 16),
        int(OTHER_TRACEPARENT.split("-")[1], 16),
    ]


async def test_dead_letter_headers_name_reason_and_origin(bus: KafkaEventBus, kafka_bootstrap: str) -> None:
    async def always_fails(e: Event) -> None:
        raise LookupError("status 7 vanished")

    bus.subscribe(POSTS, "notifications", always_fails)
    await bus.start()
    poison = Event(type="StatusCreated", key="7", payload={}, tenant=bus.tenant)
    await bus.publish(POSTS, poison)
    (record,) = await read_raw(kafka_bootstrap, topic(bus.tenant, DEAD_LETTER), 1)
    headers = dict(record.headers)
    assert headers["dead-letter-reason"] == b"LookupError: status 7 vanished"
    assert headers["dead-letter-group"] == f"{bus.tenant}.notifications".encode()
    assert headers["dead-letter-topic"] == topic(bus.tenant, POSTS).encode()
    assert headers["dead-letter-attempts"] == b"2" and headers["dead-letter-event-id"] == poison.id.encode()
    assert record.key == b"7"


async def test_a_store_outage_is_waited_out_never_dead_lettered(bus: KafkaEventBus) -> None:
    """A handler whose store is down (a failover) raises StoreUnavailable for longer than max_attempts
    (2 here): the event waits, is handled once the store is back, and nothing is dead-lettered."""
    outage = 6
    calls: list[int] = []

    async def store_flaps(e: Event) -> None:
        calls.append(1)
        if len(calls) <= outage:
            raise StoreUnavailable("redis: No master found for 'rookery'")

    bus.subscribe(POSTS, "notifications", store_flaps)
    await bus.start()
    await bus.publish(POSTS, Event(type="StatusCreated", key="7", payload={}, tenant=bus.tenant))
    await eventually(lambda: len(calls) > outage, what="the handler succeeding", timeout_s=60)
    group = f"{bus.tenant}.notifications"
    labels = {"group": group, "topic": topic(bus.tenant, POSTS)}
    assert REGISTRY.get_sample_value("rookery_kafka_events_handled_total", {**labels, "outcome": "ok"}) == 1
    assert (
        REGISTRY.get_sample_value("rookery_kafka_events_handled_total", {**labels, "outcome": "dead_lettered"}) is None
    )
    assert len(calls) == outage + 1


@pytest.mark.needs("redis")
async def test_the_dedupe_skips_duplicates_and_marks_only_what_a_handler_finished(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tenant: str
) -> None:
    """The bus checks a fetched batch's event ids and marks the handled ones after their handlers:
    a duplicate (later in the batch, or processed before) is skipped; an event is never marked
    while its handler runs (nor while it waits out StoreUnavailable), nor when it is
    dead-lettered, so its duplicate is tried again."""
    async with redis_client(request) as redis:
        processed = ProcessedEvents(redis, tenant, ttl_s=600)
        bus = KafkaEventBus(
            kafka_bootstrap, tenant, max_attempts=2, backoff_s=0.01, create_topics=True, dedupe=processed
        )
        calls: list[str] = []
        marked_during_handler: list[str] = []
        outage = [StoreUnavailable("redis: failover")] * 3

        async def handle(event: Event) -> None:
            name = event.payload["name"]
            calls.append(name)
            if await processed.seen("fanout", event.id):  # marking before the handler finished
                marked_during_handler.append(name)
            if name == "poison":
                raise LookupError("status 7 vanished")
            if name == "flaky" and outage:
                raise outage.pop()

        def made(name: str) -> Event:
            return Event(type="StatusCreated", key="7", payload={"name": name}, tenant=tenant)

        first, before, flaky, poison, last = map(made, ("first", "before", "flaky", "poison", "last"))
        await processed.mark_many("fanout", [before.id])  # handled by an earlier member of the group
        bus.subscribe(POSTS, "fanout", handle)
        # one key, one partition, in this order: one fetched batch (or a few, in order)
        await bus.publish_many(POSTS, [first, first, before, flaky, poison, flaky, poison, last, first])
        try:
            await bus.start()
            await eventually(lambda: processed.seen("fanout", last.id), what="the last event marked")
        finally:
            await bus.stop()
        # first once; flaky after its three waits; poison twice per delivery, dead-lettered twice
        assert calls == ["first", *["flaky"] * 4, "poison", "poison", "poison", "poison", "last"]
        assert marked_during_handler == []
        assert await processed.seen_many("fanout", [e.id for e in (first, before, flaky, poison, last)]) == {
            first.id, before.id, flaky.id, last.id,
        }  # fmt: skip
        labels = {"group": f"{tenant}.fanout", "topic": topic(tenant, POSTS)}
        assert REGISTRY.get_sample_value("rookery_kafka_events_handled_total", {**labels, "outcome": "duplicate"}) == 4


class CountedChecks(ProcessedEvents):
    """The dedupe, counting its batch checks: the bus asks once per fetched batch."""

    checks = 0

    async def seen_many(self, group: str, event_ids: list[str]) -> set[str]:
        self.checks += 1
        return await super().seen_many(group, event_ids)


async def test_events_published_apart_are_fetched_as_one_batch_within_the_fetch_wait(
    request: pytest.FixtureRequest, kafka_bootstrap: str, tenant: str
) -> None:
    """The broker holds a consumer's fetch until fetch_min_bytes arrive or fetch_max_wait_ms pass:
    events published a few milliseconds apart are handled in one batch (one dedupe check, one
    commit), or two when a wait happens to end between them; one at a time without it."""
    async with redis_client(request) as redis:
        processed = CountedChecks(redis, tenant, ttl_s=600)
        bus = KafkaEventBus(
            kafka_bootstrap, tenant, create_topics=True, dedupe=processed,
            fetch_max_wait_ms=2000, fetch_min_bytes=1 << 20,
        )  # fmt: skip
        handled: list[int] = []

        async def handle(event: Event) -> None:
            handled.append(event.payload["i"])

        async def assigned() -> bool:  # only then: events published before it come as one batch anyway
            return await bus.lag() == 0

        bus.subscribe(POSTS, "fanout", handle)
        try:
            await bus.start()
            await eventually(assigned, what="the group's partitions assigned")
            for i in range(4):  # one key, one partition, each its own produce request
                await bus.publish(POSTS, Event(type="StatusCreated", key="7", payload={"i": i}, tenant=tenant))
                await asyncio.sleep(0.01)
            await eventually(lambda: len(handled) == 4, what="all four handled")
        finally:
            await bus.stop()
        assert handled == [0, 1, 2, 3]
        assert processed.checks <= 2


async def test_consumer_lag_gauge(bus: KafkaEventBus) -> None:
    gate = asyncio.Event()
    handled: list[str] = []

    async def slow(e: Event) -> None:
        await gate.wait()
        handled.append(e.id)

    for i in range(30):
        await bus.publish(POSTS, Event(type="T", key="same-key", payload={"i": i}, tenant=bus.tenant))
    bus.subscribe(POSTS, "search", slow)
    await bus.start()
    group = f"{bus.tenant}.search"

    def lag() -> float | None:
        values = [
            REGISTRY.get_sample_value(
                "rookery_kafka_consumer_lag",
                {"group": group, "topic": topic(bus.tenant, POSTS), "partition": str(p)},
            )
            for p in range(bus.partitions)
        ]
        return None if all(v is None for v in values) else sum(v or 0.0 for v in values)

    # one key, one partition: the handler holds the first batch, so all 30 are lag
    await eventually(lambda: lag() == 30.0, what="a lag of 30 while the batch is in hand")
    gate.set()
    await eventually(lambda: len(handled) == 30, what="all handled")
    await eventually(lambda: lag() == 0.0, what="lag back to zero")
    assert (
        REGISTRY.get_sample_value(
            "rookery_kafka_events_handled_total",
            {"group": group, "topic": topic(bus.tenant, POSTS), "outcome": "ok"},
        )
        == 30.0
    )


async def test_members_of_one_group_share_the_partitions(kafka_bootstrap: str, tenant: str) -> None:
    members = [KafkaEventBus(kafka_bootstrap, tenant, create_topics=True, session_timeout_ms=6000) for _ in range(2)]
    handled: list[list[str]] = [[], []]
    for bus, mine in zip(members, handled, strict=True):

        async def handle(e: Event, mine: list[str] = mine) -> None:
            mine.append(e.id)

        bus.subscribe(POSTS, "fanout", handle)
        await bus.start()

    def assigned(bus: KafkaEventBus) -> int:
        consumer = bus._groups["fanout"].consumer
        return len(consumer.assignment()) if consumer is not None else 0

    try:
        await eventually(
            lambda: [assigned(b) for b in members] in ([1, 2], [2, 1]), timeout_s=60, what="a 2+1 partition split"
        )
        sent = [Event(type="T", key=f"author{i}", payload={}, tenant=tenant) for i in range(60)]
        for e in sent:
            await members[0].publish(POSTS, e)
        await eventually(lambda: len(handled[0]) + len(handled[1]) >= 60, what="60 events")
    finally:
        for bus in members:
            await bus.stop()
    assert sorted(handled[0] + handled[1]) == sorted(e.id for e in sent)  # each once, by one member
    assert handled[0] and handled[1]


async def test_consumer_survives_a_failure_of_its_own_loop(bus: KafkaEventBus) -> None:
    handled: list[str] = []

    async def handle(e: Event) -> None:
        handled.append(e.id)

    sent = [Event(type="T", key="one-key", payload={"i": i}, tenant=bus.tenant) for i in range(10)]
    for e in sent:
        await bus.publish(POSTS, e)
    bus.subscribe(POSTS, "search", handle)
    real_process, failures = bus._process, [RuntimeError("a bug in the consumer loop")]

    async def failing_once(*args: Any) -> int | None:
        if failures:
            raise failures.pop()
        return await real_process(*args)

    bus._process = failing_once  # type: ignore[method-assign]
    await bus.start()
    await eventually(lambda: len(handled) >= 10, what="the batch after the failure")
    await asyncio.sleep(0.3)
    assert not failures and handled == [e.id for e in sent]  # rewound: nothing skipped, in order


async def test_a_consumer_that_keeps_failing_is_replaced_by_a_new_member(bus: KafkaEventBus) -> None:
    """As when aiokafka's group coordination dies: every getmany raises the same error again."""
    handled: list[str] = []

    async def handle(e: Event) -> None:
        handled.append(e.id)

    bus.subscribe(POSTS, "search", handle)
    await bus.start()
    group = bus._groups["search"]
    broken = group.consumer
    assert broken is not None

    async def dead_coordination(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("unable to perform operation on a closed transport")

    broken.getmany = dead_coordination  # type: ignore[method-assign]
    await eventually(lambda: group.consumer is not broken, what="a new member of the group")
    sent = [Event(type="T", key="one-key", payload={"i": i}, tenant=bus.tenant) for i in range(10)]
    for e in sent:
        await bus.publish(POSTS, e)
    await eventually(lambda: len(handled) >= 10, what="the events published after the replacement")
    await asyncio.sleep(0.3)
    assert handled == [e.id for e in sent]  # in order, each once


async def test_a_send_never_acknowledged_is_store_unavailable_and_the_producer_replaced(
    kafka_bootstrap: str, tenant: str
) -> None:
    bus = KafkaEventBus(kafka_bootstrap, tenant, create_topics=True, publish_timeout_s=1.0)
    try:
        await bus.publish(POSTS, Event(type="T", key="k", payload={"i": 0}, tenant=tenant))
        wedged = bus._producer
        assert wedged is not None

        async def never_acknowledged(*args: Any, **kwargs: Any) -> asyncio.Future[Any]:
            return asyncio.get_running_loop().create_future()

        wedged.send = never_acknowledged  # type: ignore[method-assign]
        with pytest.raises(StoreUnavailable, match="not acknowledged"):
            await bus.publish(POSTS, Event(type="T", key="k", payload={"i": 1}, tenant=tenant))
        assert bus._producer is None
        await bus.publish(POSTS, Event(type="T", key="k", payload={"i": 2}, tenant=tenant))  # a new producer
        assert bus._producer is not None and bus._producer is not wedged
    finally:
        await bus.stop()


async def test_a_producer_failed_for_good_is_replaced(kafka_bootstrap: str, tenant: str) -> None:
    """A fatal error ends aiokafka's sender task, after which every send of that producer raises it
    at once: the publish is StoreUnavailable (the relay retries) and the next one uses a new producer."""
    from aiokafka.errors import OutOfOrderSequenceNumber

    bus = KafkaEventBus(kafka_bootstrap, tenant, create_topics=True)
    try:
        await bus.publish(POSTS, Event(type="T", key="k", payload={"i": 0}, tenant=tenant))
        failed = bus._producer
        assert failed is not None

        async def fatal(*args: Any, **kwargs: Any) -> asyncio.Future[Any]:
            raise OutOfOrderSequenceNumber()

        failed.send = fatal  # type: ignore[method-assign]
        with pytest.raises(StoreUnavailable, match="failed"):
            await bus.publish(POSTS, Event(type="T", key="k", payload={"i": 1}, tenant=tenant))
        await bus.publish(POSTS, Event(type="T", key="k", payload={"i": 2}, tenant=tenant))  # a new producer
        assert bus._producer is not None and bus._producer is not failed
    finally:
        await bus.stop()


async def test_the_readiness_check_reads_the_tenants_partitions_and_creates_no_topic(
    bus: KafkaEventBus, kafka_bootstrap: str
) -> None:
    """ping() asks for the tenant's topics (rookery_kafka_under_replicated_partitions: none on one
    broker, where every replica is the leader) without auto-creating those not made yet."""
    from aiokafka.admin import AIOKafkaAdminClient

    from rookery.workloads.adapters.kafka.metrics import UNDER_REPLICATED

    await bus.publish(POSTS, Event(type="T", key="k", payload={}, tenant=bus.tenant))
    UNDER_REPLICATED.set(-1)
    await bus.ping()  # the producer knows the broker now: the metadata question with topics
    assert REGISTRY.get_sample_value("rookery_kafka_under_replicated_partitions") == 0
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        mine = {name for name in await admin.list_topics() if name.startswith(f"{bus.tenant}.")}
    finally:
        await admin.close()
    assert mine == {topic(bus.tenant, POSTS)}


async def test_unreachable_cluster_is_store_unavailable(tenant: str) -> None:
    bus = KafkaEventBus("127.0.0.1:1", tenant)
    with pytest.raises(StoreUnavailable):
        await bus.publish(POSTS, Event(type="T", key="k", payload={}, tenant=tenant))
    await bus.stop()


@pytest.mark.needs("redis")
async def test_sigkilled_consumer_loses_nothing_and_repeats_no_effect(
    request: pytest.FixtureRequest, kafka_bootstrap: str, redis_url: str, tenant: str
) -> None:
    script = pathlib.Path(__file__).with_name("kafka_crash_consumer.py")
    keys = Keys(tenant)
    effects, deliveries, armed = keys("test", "effects"), keys("test", "deliveries"), keys("test", "armed")
    publisher = KafkaEventBus(kafka_bootstrap, tenant, create_topics=True)
    sent = [Event(type="StatusCreated", key=f"author{i % 7}", payload={"i": i}, tenant=tenant) for i in range(300)]
    for e in sent:
        await publisher.publish(POSTS, e)
    await publisher.stop()

    def consumer() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, str(script), kafka_bootstrap, redis_url, tenant], env={**os.environ})

    async with redis_client(request) as redis:
        first = consumer()
        try:
            await eventually(
                lambda: redis.exists(armed), timeout_s=60, what="the consumer to reach the middle of the stream"
            )
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            done_before = await redis.llen(effects)
            assert done_before >= 100  # killed while the batch in hand was not committed
            second = consumer()
            try:
                await eventually(lambda: llen_is(redis, effects, 300), timeout_s=90, what="every event's effect")
                await asyncio.sleep(1.0)  # let any stray redelivery show itself
                applied = [raw.decode() for raw in await redis.lrange(effects, 0, -1)]
                delivered = await redis.llen(deliveries)
            finally:
                second.send_signal(signal.SIGTERM)
                second.wait(30)
        finally:
            if first.poll() is None:
                first.kill()
    assert sorted(applied) == sorted(e.id for e in sent)  # no loss, no effect twice
    # the batch in hand at the kill was never committed: it came again, and the dedupe stopped it
    assert delivered > 300


async def llen_is(redis: aioredis.Redis, key: str, count: int) -> bool:
    return int(await redis.llen(key)) >= count
