"""The EventBus port on Kafka (aiokafka): publishing, readiness, and starting and stopping the bus.

- Topics are ``<tenant>.<stream>``, records keyed by ``Event.key`` (the owner), so ordering holds
  per owner; the record's layout is records.py's. The producer is idempotent (``acks=all``,
  ``enable_idempotence``); it also writes the dead-letter topic.
- Trace context travels in the ``traceparent`` / ``tracestate`` headers as well as in the
  envelope: an event published without one joins the publisher's current trace (tracing.py).
- ping() is the readiness check, and sets the under-replicated partitions gauge.
- Consuming (the consumer groups: at least once, dedupe, retries and the dead-letter topic, the
  watchdog, lag) is group.py's ConsumerGroups, which KafkaEventBus extends.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterable, Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.client import ConnectionGroup
from aiokafka.errors import KafkaError
from aiokafka.protocol.metadata import MetadataRequest

from rookery.workloads.adapters.kafka.admin import ensure_topics
from rookery.workloads.adapters.kafka.group import ConsumerGroups, Dedupe, _Group
from rookery.workloads.adapters.kafka.metrics import UNDER_REPLICATED, under_replicated
from rookery.workloads.adapters.kafka.records import event_headers
from rookery.workloads.adapters.kafka.tracing import current_trace
from rookery.workloads.catalogue import STREAMS
from rookery.workloads.domain.events import DEAD_LETTER, Event, topic
from rookery.workloads.domain.unavailable import StoreUnavailable


class KafkaEventBus(ConsumerGroups):
    def __init__(
        self,
        bootstrap: str,
        tenant: str,
        *,
        max_attempts: int = 5,
        backoff_s: float = 0.2,
        backoff_max_s: float = 10.0,
        create_topics: bool = False,
        partitions: int = 3,
        replication: int = 1,
        session_timeout_ms: int = 10_000,
        fetch_max_wait_ms: int = 100,
        fetch_min_bytes: int = 65536,
        publish_timeout_s: float = 30.0,
        client_id: str = "rookery",
        dedupe: Dedupe | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.tenant = tenant
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.create_topics = create_topics
        self.partitions = partitions
        self.replication = replication
        self.session_timeout_ms = session_timeout_ms
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.fetch_min_bytes = fetch_min_bytes
        self.publish_timeout_s = publish_timeout_s
        self.client_id = client_id
        self.dedupe = dedupe
        self._groups: dict[str, _Group] = {}
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self._known_topics: set[str] = set()
        self._stopping = asyncio.Event()
        self._watchdog: asyncio.Task[None] | None = None

    # -- publishing ----------------------------------------------------------------------------

    async def publish(self, stream: str, event: Event) -> None:
        await self.publish_many(stream, [event])

    async def publish_many(self, stream: str, events: Sequence[Event]) -> None:
        """Send a batch and wait until every record is acknowledged by all in-sync replicas."""
        name = topic(self.tenant, stream)
        producer = await self._ensure_producer()
        await self._ensure_topics([name])
        trace = current_trace()
        if trace:  # events built without a trace join the publisher's current one
            events = [event if event.trace else dataclasses.replace(event, trace=trace) for event in events]
        try:
            async with asyncio.timeout(self.publish_timeout_s):
                pending = [
                    await producer.send(
                        name, value=event.to_json(), key=event.key.encode(), headers=event_headers(event)
                    )
                    for event in events
                ]
                await asyncio.gather(*pending)
        except KafkaError as exc:
            if not exc.retriable:  # this producer is done for: the next publish starts a new one
                await self._drop_producer(producer)
            raise StoreUnavailable(f"kafka: publishing to {name} failed: {exc}") from exc
        except TimeoutError as exc:
            await self._drop_producer(producer)
            raise StoreUnavailable(
                f"kafka: publishing to {name} not acknowledged in {self.publish_timeout_s:.0f} s; new producer"
            ) from exc

    async def _drop_producer(self, producer: AIOKafkaProducer) -> None:
        """Forget a producer whose sends hang or failed for good: the next publish starts a new one.
        - Hanging, seen in the HA campaign: after the Kafka controller was killed, a send of the
          outbox relay was never acknowledged nor failed, and the relay waited on it for good.
        - Failed for good: an error that is not retriable (OutOfOrderSequenceNumber after a broker
          lost an idempotent producer's last batches, ProducerFenced, an unexpected error) ends
          aiokafka's sender task, and from then on every send of that producer raises the same
          error at once: kept, it would fail every later publish, and the relay would never publish again.
        Records it still delivers are duplicates the consumers drop (idempotent by event id)."""
        async with self._producer_lock:
            if self._producer is producer:
                self._producer = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.stop(), timeout=5)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=f"{self.client_id}-producer",
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=2,
                )
                try:
                    await producer.start()
                except KafkaError as exc:
                    await producer.stop()
                    raise StoreUnavailable(f"kafka: cannot reach {self.bootstrap}: {exc}") from exc
                self._producer = producer
            return self._producer

    async def _ensure_topics(self, names: Iterable[str]) -> None:
        missing = set(names) - self._known_topics
        if not missing:
            return
        if self.create_topics:
            try:
                await ensure_topics(self.bootstrap, missing, partitions=self.partitions, replication=self.replication)
            except KafkaError as exc:
                raise StoreUnavailable(f"kafka: creating topics failed: {exc}") from exc
        self._known_topics |= missing

    # -- readiness (readyz) ------------------------------------------------------------------------

    async def ping(self) -> None:
        """A metadata round trip to the cluster; StoreUnavailable when no broker answers. Every known
        broker is asked at once and the first answer counts: one broker of several that accepts
        connections but does not answer yet (restarting, paused) must not make the cluster look down
        (asked one after the other, a readiness check that picked it timed out: every pod unready
        while two brokers of three served). It asks on connections of its own (the client's
        coordination group, which only transactions use): a broker answers a connection's requests
        in order, and on the producer's, a metadata request waited behind an acks=all produce held
        until the dead follower left the ISR (seconds: past the readiness timeout).

        The answer describes the tenant's topics: how many of their partitions are under-replicated
        is ``rookery_kafka_under_replicated_partitions`` (a broker down while the others serve: no
        store is unavailable, but one more failure may refuse acks=all writes)."""
        producer = await self._ensure_producer()
        client = producer.client
        nodes = [broker.nodeId for broker in client.cluster.brokers()]
        if not nodes:  # no metadata yet: the bootstrap servers, one after the other
            try:
                await client.fetch_all_metadata()
            except KafkaError as exc:
                raise StoreUnavailable(f"kafka: {self.bootstrap} does not answer: {exc}") from exc
            return
        ask_apart = ConnectionGroup.COORDINATION
        tenant_topics = MetadataRequest([topic(self.tenant, stream) for stream in STREAMS], False)
        asks = [asyncio.ensure_future(client.send(node, tenant_topics, group=ask_apart)) for node in nodes]
        failures: list[str] = []
        try:
            for answer in asyncio.as_completed(asks):
                try:
                    UNDER_REPLICATED.set(under_replicated(await answer))
                    return
                except (KafkaError, OSError) as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            for ask in asks:
                ask.cancel()
            await asyncio.gather(*asks, return_exceptions=True)
        raise StoreUnavailable(f"kafka: no broker of {self.bootstrap} answers: {'; '.join(failures)}")

    # -- starting and stopping both halves ------------------------------------------------------

    async def start(self) -> None:
        self._stopping.clear()
        await self._ensure_producer()  # the dead-letter path needs it
        wanted = [name for group in self._groups.values() for name in group.handlers]
        await self._ensure_topics([*wanted, topic(self.tenant, DEAD_LETTER)])
        # every group joins at once: where other processes are members already (replicas, the roles
        # of topology split), each join waits for a rebalance, so one group after the other added
        # those waits up (measured: ~2 s a group, ~24 s for a process's twelve)
        joining = [group for group in self._groups.values() if group.task is None]
        results = await asyncio.gather(*(self._join(group) for group in joining), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result  # the groups that did join are stopped by stop(), as after a later failure
        if self._watchdog is None and self._groups:
            self._watchdog = asyncio.create_task(self._watch(), name="kafka-consumer-watchdog")

    async def stop(self) -> None:
        """Finish the batch in hand, commit it, leave the groups (all at once), flush the producer."""
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
        results = await asyncio.gather(*(self._leave(g) for g in self._groups.values()), return_exceptions=True)
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        for result in results:
            if isinstance(result, BaseException):
                raise result
