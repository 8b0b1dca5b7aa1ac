"""The EventBus port on Kafka (aiokafka).

- Topics are ``<tenant>.<stream>``, records keyed by ``Event.key`` (the owner), so ordering holds
  per owner. The producer is idempotent (``acks=all``, ``enable_idempotence``).
- Each consumer group (``<tenant>.<group>``: fanout, notifications, search, media, analytics...)
  gets every event. Offsets are committed only after the handlers of a batch finished, so
  delivery is at least once: handlers are idempotent by ``event.id``, and with ``dedupe``
  (adapters/redis/dedupe.py) the bus skips ids a group has processed, like the embedded bus: per
  fetched batch, one round trip checks its event ids before the handlers and one marks those
  whose handler succeeded after them, before the offsets are committed (an event dead-lettered,
  or waiting out StoreUnavailable, is not marked; a duplicate later in the same batch is skipped).
  A process killed between the handlers and the mark has committed neither: the batch comes
  again and its handled events are handled again (per event, the window was one event).
- A failing handler is retried with exponential backoff; after ``max_attempts`` the record goes
  to ``<tenant>.dead-letter`` with the reason and its origin in headers, and the partition
  moves on. A store being unavailable (StoreUnavailable: a failover, a restart) is not the
  record's fault: that is retried until the store is back, the partition waiting meanwhile.
- Trace context travels in the ``traceparent`` / ``tracestate`` headers as well as in the
  envelope, and is current while the handler runs (tracing.py); consumer lag per
  group/topic/partition is a Prometheus gauge.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.client import ConnectionGroup
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.protocol.metadata import MetadataRequest

from rookery.workloads.adapters.kafka.admin import ensure_topics
from rookery.workloads.adapters.kafka.metrics import CONSUMER_LAG, EVENTS_HANDLED, UNDER_REPLICATED, under_replicated
from rookery.workloads.adapters.kafka.tracing import TRACE_HEADERS, current_trace
from rookery.workloads.catalogue import STREAMS
from rookery.workloads.domain.events import DEAD_LETTER, Event, topic
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.observability import consumer_span
from rookery.workloads.ports.events import EventHandler

log = logging.getLogger(__name__)

Headers = list[tuple[str, bytes]]
_T = TypeVar("_T")
REPLACE_AFTER = 5  # failures of a consumer's loop in a row before it is replaced by a new member
# a group the brokers say is behind (committed < end) that neither handled nor committed anything
# for this long, while not inside a handler, is wedged (a fetch or a coordinator that never
# answers): it is replaced by a new member, which starts from the committed offsets
STALL_AFTER_S = 45.0
WATCH_EVERY_S = 10.0


def event_headers(event: Event) -> Headers:
    headers = [("event-id", event.id.encode()), ("event-type", event.type.encode())]
    headers += [(name, event.trace[name].encode()) for name in TRACE_HEADERS if event.trace.get(name)]
    return headers


def decode_event(record: ConsumerRecord) -> Event:
    event = Event.from_json(record.value)
    if not event.trace:  # a producer that only set headers (another language, a tool)
        trace = {name: value.decode() for name, value in record.headers if name in TRACE_HEADERS}
        if trace:
            event = dataclasses.replace(event, trace=trace)
    return event


class Dedupe(Protocol):
    """The event ids a group has processed (adapters/redis/dedupe.py: ProcessedEvents)."""

    async def seen_many(self, group: str, event_ids: Sequence[str]) -> set[str]: ...

    async def mark_many(self, group: str, event_ids: Sequence[str]) -> None: ...


@dataclasses.dataclass(slots=True)
class _Fetched:
    """One record of a fetched batch, decoded once: its event, or why it is none."""

    record: ConsumerRecord
    event: Event | None
    error: str = ""


@dataclasses.dataclass
class _Group:
    short: str  # as subscribed: "fanout", "notifications" ...
    name: str  # the group id on the cluster: "<tenant>.<group>"
    handlers: dict[str, EventHandler]  # topic -> handler
    consumer: AIOKafkaConsumer | None = None
    task: asyncio.Task[None] | None = None
    busy: bool = False  # inside its handlers (a store outage can hold it there, rightly)
    progressed_at: float = dataclasses.field(default_factory=time.monotonic)  # last records handled or commit
    suspect_since: float | None = None  # behind on the brokers with no progress since


class KafkaEventBus:
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
            raise StoreUnavailable(f"kafka: publishing to {name} failed: {exc}") from exc
        except TimeoutError as exc:
            await self._drop_producer(producer)
            raise StoreUnavailable(
                f"kafka: publishing to {name} not acknowledged in {self.publish_timeout_s:.0f} s; new producer"
            ) from exc

    async def _drop_producer(self, producer: AIOKafkaProducer) -> None:
        """Forget a producer whose sends hang: the next publish starts a new one. Seen in the HA
        campaign: after the Kafka controller was killed, a send of the outbox relay was never
        acknowledged nor failed, and the relay waited on it for good (every later post unrelayed).
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

    # -- readiness and settling (readyz, tests) ----------------------------------------------------

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

    async def lag(self) -> int:
        """Records on subscribed topics that some group has not committed yet (-1: a group has no
        partitions assigned yet, so its lag is unknown)."""
        consumers = [group.consumer for group in self._groups.values() if group.consumer is not None]
        if any(not consumer.assignment() for consumer in consumers):
            return -1
        # every group at once, each of its questions at once: one at a time, each waited behind its
        # consumer's long-poll fetch (~0.25 s a question, ~10 s for a tenant's groups)
        return sum(await asyncio.gather(*(self._group_lag(consumer) for consumer in consumers)))

    @staticmethod
    async def _group_lag(consumer: AIOKafkaConsumer) -> int:
        assigned = list(consumer.assignment())
        ends, starts, *committed = await asyncio.gather(
            consumer.end_offsets(assigned),
            consumer.beginning_offsets(assigned),
            *(consumer.committed(tp) for tp in assigned),
        )
        behind = 0
        for tp, done in zip(assigned, committed, strict=True):
            behind += max(0, ends[tp] - (done if done is not None else starts[tp]))
        return behind

    # -- consuming -----------------------------------------------------------------------------

    def subscribe(self, stream: str, group: str, handler: EventHandler) -> None:
        group_id = f"{self.tenant}.{group}"
        entry = self._groups.setdefault(group, _Group(short=group, name=group_id, handlers={}))
        name = topic(self.tenant, stream)
        if name in entry.handlers:
            raise ValueError(f"group {group!r} already has a handler for stream {stream!r}")
        if entry.task is not None:
            raise RuntimeError("subscribe before start()")
        entry.handlers[name] = handler  # with dedupe, _consume checks and marks each fetched batch

    def subscriptions(self) -> dict[str, tuple[str, ...]]:
        """Consumer group id -> the topics it reads, for every group this bus runs."""
        return {group.name: tuple(group.handlers) for group in self._groups.values()}

    def only_groups(self, groups: Iterable[str]) -> None:
        """Keep only these consumer groups' subscriptions (a `rookery worker` process runs one);
        call before start()."""
        keep = set(groups)
        for name in [name for name in self._groups if name not in keep]:
            if self._groups[name].task is not None:
                raise RuntimeError("only_groups() after start()")
            del self._groups[name]

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

    async def _join(self, group: _Group) -> None:
        group.consumer = await self._new_consumer(group)
        group.task = asyncio.create_task(self._consume(group), name=f"kafka-consumer:{group.name}")

    async def _new_consumer(self, group: _Group) -> AIOKafkaConsumer:
        """A started member of ``group``, reading from the group's committed offsets."""
        consumer = AIOKafkaConsumer(
            *group.handlers,
            bootstrap_servers=self.bootstrap,
            group_id=group.name,
            client_id=f"{self.client_id}-{group.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=max(100, self.session_timeout_ms // 4),
        )
        try:
            await consumer.start()
        except KafkaError as exc:
            await consumer.stop()
            raise StoreUnavailable(f"kafka: consumer group {group.name} cannot start: {exc}") from exc
        return consumer

    async def _replace_consumer(self, group: _Group, old: AIOKafkaConsumer) -> AIOKafkaConsumer:
        """Stop a consumer whose failure repeats and join the group again with a new one, from the
        committed offsets (at least once, nothing skipped). Seen in the HA campaign: after a broker
        was killed, aiokafka's group coordination task of one consumer died (a RuntimeError on a
        closed transport) and every getmany raised it again, forever, the group's lag growing."""
        with contextlib.suppress(Exception):
            await old.stop()
        while not self._stopping.is_set():
            try:
                group.consumer = await self._new_consumer(group)
                log.warning("kafka: consumer %s replaced after repeated failures", group.name)
                return group.consumer
            except StoreUnavailable as exc:
                log.warning("kafka: consumer %s cannot rejoin yet: %s", group.name, exc)
                await asyncio.sleep(self.backoff_s)
        return old

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

    @staticmethod
    async def _leave(group: _Group) -> None:
        if group.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(group.task), timeout=30)
            except TimeoutError:
                group.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await group.task
            group.task = None
        if group.consumer is not None:
            await group.consumer.stop()
            group.consumer = None

    async def _consume(self, group: _Group) -> None:
        consumer = group.consumer
        assert consumer is not None
        failures = 0  # in a row: past REPLACE_AFTER, the consumer itself is broken, not the batch
        # handled, not yet committed: kept until a commit succeeds, so a commit that failed is tried
        # again on the next turn even when no record comes (the load over, the lag stayed)
        uncommitted: dict[TopicPartition, int] = {}
        while not self._stopping.is_set():
            try:
                batches = await consumer.getmany(timeout_ms=200, max_records=500)
                if batches:  # the batch in hand counts as lag until it is handled and committed
                    await self._record_lag(group.name, consumer, {tp: rs[0].offset for tp, rs in batches.items()})
                    fetched = {tp: [self._decode(record) for record in records] for tp, records in batches.items()}
                    group.busy = True  # the dedupe's waits for Redis count as a handler's
                    try:
                        seen = await self._seen(group, fetched)
                        handled: list[str] = []  # event ids whose handler succeeded, marked before the commit
                        done = await asyncio.gather(
                            *(self._process(group, tp, items, seen, handled) for tp, items in fetched.items())
                        )
                        await self._mark(group, handled)
                    finally:
                        group.busy = False
                    group.progressed_at = time.monotonic()
                    uncommitted.update(
                        {tp: offset for tp, offset in zip(fetched, done, strict=True) if offset is not None}
                    )
                if uncommitted:
                    assigned = consumer.assignment()  # a partition moved away is redelivered to its new owner
                    uncommitted = {tp: offset for tp, offset in uncommitted.items() if tp in assigned}
                    if uncommitted:
                        await consumer.commit(uncommitted)
                        uncommitted = {}
                        group.progressed_at = time.monotonic()
                await self._record_lag(group.name, consumer)
                failures = 0
            except CommitFailedError as exc:
                # the group rebalanced under us: whoever owns the partitions now redelivers
                log.warning("kafka: commit of %s failed after a rebalance: %s", group.name, exc)
                uncommitted = {}
                await self._rewind(consumer)
            except Exception:
                # never let the consumer task die: go back to the committed offsets (the batch in
                # hand is redelivered, at least once) and carry on after a pause
                log.exception("kafka: consumer %s failed; rewinding to the committed offsets", group.name)
                failures += 1
                if failures >= REPLACE_AFTER:
                    consumer = await self._replace_consumer(group, consumer)
                    uncommitted = {}  # the new member starts from the committed offsets
                    failures = 0
                else:
                    await self._rewind(consumer)
                await asyncio.sleep(self.backoff_s)

    async def _watch(self) -> None:
        """Every WATCH_EVERY_S, each group: behind on the brokers' offsets with no progress for
        STALL_AFTER_S (see there) is replaced. Seen once in the HA campaign: after a broker was
        paused and resumed, one group stayed 152 records behind, its consumer alive and idle."""
        while not self._stopping.is_set():
            await asyncio.sleep(WATCH_EVERY_S)
            for group in list(self._groups.values()):
                if self._stopping.is_set():
                    return
                if await self._stalled(group, time.monotonic()):
                    await self._restart(group)

    async def _stalled(self, group: _Group, now: float) -> bool:
        consumer = group.consumer
        if consumer is None or group.task is None:
            return False
        try:
            behind = await asyncio.wait_for(self._group_lag(consumer), timeout=WATCH_EVERY_S)
        except Exception:  # the brokers do not answer (an outage): nothing to tell, start over
            behind = 0
        if behind <= 0 or group.busy:
            group.suspect_since = None
            return False
        if group.suspect_since is None or group.progressed_at > group.suspect_since:
            group.suspect_since = now  # behind, and no progress from here on so far
            return False
        return now - group.suspect_since >= STALL_AFTER_S

    async def _restart(self, group: _Group) -> None:
        """A new member in place of the wedged one (its task cancelled: it was in no handler)."""
        log.warning(
            "kafka: consumer %s made no progress for %.0f s while behind; replacing it", group.name, STALL_AFTER_S
        )
        old, task = group.consumer, group.task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        group.suspect_since = None
        group.progressed_at = time.monotonic()
        if old is not None:
            await self._replace_consumer(group, old)
        if not self._stopping.is_set():
            group.task = asyncio.create_task(self._consume(group), name=f"kafka-consumer:{group.name}")

    @staticmethod
    async def _rewind(consumer: AIOKafkaConsumer) -> None:
        """Back to the committed offsets (the beginning where the group never committed, as
        auto_offset_reset=earliest would)."""
        with contextlib.suppress(KafkaError):
            for tp in consumer.assignment():
                committed = await consumer.committed(tp)
                if committed is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, committed)

    @staticmethod
    def _decode(record: ConsumerRecord) -> _Fetched:
        try:
            return _Fetched(record, decode_event(record))
        except Exception as exc:  # a record that is no Event envelope: dead-lettered when its turn comes
            return _Fetched(record, None, f"undecodable event: {exc!r}")

    async def _seen(self, group: _Group, fetched: dict[TopicPartition, list[_Fetched]]) -> set[str]:
        """The batch's event ids the group has processed already (one round trip)."""
        dedupe = self.dedupe
        ids = list(dict.fromkeys(item.event.id for items in fetched.values() for item in items if item.event))
        if dedupe is None or not ids:
            return set()
        return await self._until_available(group, "check", lambda: dedupe.seen_many(group.short, ids))

    async def _mark(self, group: _Group, handled: list[str]) -> None:
        """Mark the events handled (one round trip), before their offsets are committed."""
        dedupe = self.dedupe
        if dedupe is not None and handled:
            await self._until_available(group, "mark", lambda: dedupe.mark_many(group.short, handled))

    async def _until_available(self, group: _Group, what: str, call: Callable[[], Awaitable[_T]]) -> _T:
        """``call()`` until its store answers: an unavailable dedupe store is waited out, as a
        handler's stores are (never counted against the batch, never a reason to skip it)."""
        waits = 0
        while True:
            try:
                return await call()
            except StoreUnavailable as exc:
                waits += 1
                if waits == 1 or waits % 20 == 0:
                    log.warning("%s: the dedupe %s waits for its store (%d tries): %s", group.name, what, waits, exc)
                await asyncio.sleep(min(self.backoff_max_s, self.backoff_s * 2 ** min(waits - 1, 6)))

    async def _process(
        self, group: _Group, tp: TopicPartition, items: list[_Fetched], seen: set[str], handled: list[str]
    ) -> int | None:
        """Handle one partition's records in order, skipping the event ids in ``seen`` (and adding
        those it handles, so a duplicate later in the batch is skipped too); the ids whose handler
        succeeded go to ``handled``. Returns the offset to commit (None: none)."""
        next_offset = None
        for item in items:
            record, event = item.record, item.event
            try:
                if event is not None and event.id in seen:
                    EVENTS_HANDLED.labels(group.name, record.topic, "duplicate").inc()
                elif await self._deliver(group, item):
                    assert event is not None
                    seen.add(event.id)
                    handled.append(event.id)
            except (KafkaError, StoreUnavailable) as exc:  # dead-letter topic unwritable: try again later
                log.warning("kafka: %s at %s offset %d: %s", group.name, tp, record.offset, exc)
                assert group.consumer is not None
                group.consumer.seek(tp, record.offset)
                await asyncio.sleep(self.backoff_s)
                break
            next_offset = record.offset + 1
        return next_offset

    async def _deliver(self, group: _Group, item: _Fetched) -> bool:
        """Run the handler (retried; StoreUnavailable waited out); True when it succeeded, False
        when the record was dead-lettered."""
        record, event = item.record, item.event
        handler = group.handlers[record.topic]
        if event is None:  # a record that is no Event envelope: retrying cannot help
            await self._dead_letter(group, record, None, item.error, attempts=0)
            return False
        attempt = waits = 0
        while attempt < self.max_attempts:
            attempt += 1
            try:
                with consumer_span(group.name, record.topic, event.trace):
                    await handler(event)
            except StoreUnavailable as exc:  # not the event's fault: wait for the store, however long
                attempt -= 1  # never counts towards dead-lettering
                waits += 1
                if waits == 1 or waits % 20 == 0:
                    log.warning("%s: %s waits for a store (%d tries): %s", group.name, record.topic, waits, exc)
                EVENTS_HANDLED.labels(group.name, record.topic, "retried").inc()
                await asyncio.sleep(min(self.backoff_max_s, self.backoff_s * 2 ** min(waits - 1, 6)))
            except Exception as exc:
                if attempt == self.max_attempts:
                    reason = f"{type(exc).__name__}: {exc}"
                    await self._dead_letter(group, record, event, reason, attempts=attempt)
                    return False
                log.warning(
                    "%s: %s event %s failed (try %d of %d): %s: %s",
                    group.name, record.topic, event.id, attempt, self.max_attempts, type(exc).__name__, exc,
                )  # fmt: skip
                EVENTS_HANDLED.labels(group.name, record.topic, "retried").inc()
                await asyncio.sleep(min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1)))
            else:
                EVENTS_HANDLED.labels(group.name, record.topic, "ok").inc()
                return True
        return False  # unreachable: the loop returns (max_attempts >= 1)

    async def _dead_letter(
        self, group: _Group, record: ConsumerRecord, event: Event | None, reason: str, attempts: int
    ) -> None:
        """Park the record on ``<tenant>.dead-letter``: an envelope like the embedded bus's (payload:
        stream, group, error, the original event), the reason and origin also in headers."""
        EVENTS_HANDLED.labels(group.name, record.topic, "dead_lettered").inc()
        dead_letter = topic(self.tenant, DEAD_LETTER)
        if record.topic == dead_letter:  # never loop: a failing dead-letter consumer only logs
            log.error("kafka: %s gave up on dead-letter record %d: %s", group.name, record.offset, reason)
            return
        log.warning(
            "kafka: %s dead-letters %s/%d@%d: %s",
            group.name,
            record.topic,
            record.partition,
            record.offset,
            reason,
        )
        parked = Event(
            type=event.type if event else "Undecodable",
            key=event.key if event else (record.key or b"").decode("utf-8", "replace"),
            tenant=self.tenant,
            payload={
                "stream": record.topic.removeprefix(f"{self.tenant}."),
                "group": group.short,
                "error": reason[:500],
                "event": dataclasses.asdict(event) if event else None,
                "raw": None if event else bytes(record.value or b"").decode("utf-8", "replace")[:10_000],
            },
            trace=event.trace if event else {},
        )
        headers = [
            *event_headers(parked),
            ("dead-letter-reason", reason[:2000].encode()),
            ("dead-letter-group", group.name.encode()),
            ("dead-letter-topic", record.topic.encode()),
            ("dead-letter-partition", str(record.partition).encode()),
            ("dead-letter-offset", str(record.offset).encode()),
            ("dead-letter-attempts", str(attempts).encode()),
        ]
        if event is not None:
            headers.append(("dead-letter-event-id", event.id.encode()))
        producer = await self._ensure_producer()
        await producer.send_and_wait(dead_letter, value=parked.to_json(), key=record.key, headers=headers)

    async def _record_lag(
        self,
        group_name: str,
        consumer: AIOKafkaConsumer,
        unhandled_from: dict[TopicPartition, int] | None = None,
    ) -> None:
        """Lag = high watermark - the first offset not yet handled (the position, or the start of
        the batch in hand)."""
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            try:
                position = (unhandled_from or {}).get(tp)
                if position is None:
                    position = await consumer.position(tp)
            except KafkaError:  # revoked by a rebalance meanwhile
                continue
            CONSUMER_LAG.labels(group_name, tp.topic, str(tp.partition)).set(max(0, highwater - position))
