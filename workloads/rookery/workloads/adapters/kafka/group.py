"""The consuming half of KafkaEventBus (bus.py): its consumer groups.

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
- A consumer whose loop keeps failing, or a group behind on the brokers that makes no progress
  outside its handlers (the watchdog), is replaced by a new member, from the committed offsets.
- The trace context an event carries is current while its handler runs (tracing.py); consumer
  lag per group/topic/partition is a Prometheus gauge.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from rookery.workloads.adapters.kafka.metrics import CONSUMER_LAG, EVENTS_HANDLED
from rookery.workloads.adapters.kafka.records import decode_event, event_headers
from rookery.workloads.domain.events import DEAD_LETTER, Event, topic
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.observability import consumer_span
from rookery.workloads.ports.events import EventHandler

log = logging.getLogger(__name__)

_T = TypeVar("_T")
REPLACE_AFTER = 5  # failures of a consumer's loop in a row before it is replaced by a new member
# a group the brokers say is behind (committed < end) that neither handled nor committed anything
# for this long, while not inside a handler, is wedged (a fetch or a coordinator that never
# answers; or a member left holding no partitions, never let back in): it is replaced by a new
# member, which starts from the committed offsets
STALL_AFTER_S = 45.0
WATCH_EVERY_S = 10.0


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
    committed_seen: int | None = None  # a member holding no partitions: the group's committed total


class ConsumerGroups(abc.ABC):
    """Subscribing, the members of each group and their consume loops, the watchdog, lag. A mixin
    of KafkaEventBus, whose __init__ sets the attributes below and whose producer dead-letters."""

    tenant: str
    bootstrap: str
    client_id: str
    session_timeout_ms: int
    fetch_max_wait_ms: int
    fetch_min_bytes: int
    max_attempts: int
    backoff_s: float
    backoff_max_s: float
    dedupe: Dedupe | None
    _groups: dict[str, _Group]
    _stopping: asyncio.Event

    @abc.abstractmethod
    async def _ensure_producer(self) -> AIOKafkaProducer: ...

    # -- settling (the admin API, tests) ---------------------------------------------------------

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
        return (await ConsumerGroups._lag_on(consumer, list(consumer.assignment())))[0]

    @staticmethod
    async def _lag_on(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> tuple[int, int]:
        """The group's records waiting on these partitions, and its committed offsets' total."""
        if not partitions:
            return 0, 0
        ends, starts, *committed = await asyncio.gather(
            consumer.end_offsets(partitions),
            consumer.beginning_offsets(partitions),
            *(consumer.committed(tp) for tp in partitions),
        )
        behind = 0
        for tp, done in zip(partitions, committed, strict=True):
            behind += max(0, ends[tp] - (done if done is not None else starts[tp]))
        return behind, sum(done or 0 for done in committed)

    async def _unassigned_lag(self, group: _Group, consumer: AIOKafkaConsumer, now: float) -> int:
        """A member holding no partitions: the group's records waiting on every partition of its
        topics. The group's committed offsets moving (other members handling) counts as progress:
        an idle member beside busy ones (more members than partitions) is not wedged."""
        partitions = [
            TopicPartition(name, number)
            for name in group.handlers
            for number in sorted(consumer.partitions_for_topic(name) or ())
        ]
        behind, committed = await self._lag_on(consumer, partitions)
        if group.committed_seen is not None and committed != group.committed_seen:
            group.progressed_at = now
        group.committed_seen = committed
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
            # the broker holds a fetch until fetch_min_bytes or fetch_max_wait_ms: under load the
            # events of that wait come as one batch, which pays one fetch, one dedupe check and
            # mark and one commit (one each per event before: a serving process's consumers
            # cost it more than its requests did); an event waits at most fetch_max_wait_ms
            fetch_max_wait_ms=self.fetch_max_wait_ms,
            fetch_min_bytes=self.fetch_min_bytes,
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
        # a member left holding no partitions after a broker restart can stay out of the group for
        # good, alive and fetching nothing (aiokafka's coordinator waiting on a rejoin that never
        # comes): it is behind on the group's partitions, not on its own (it has none)
        try:
            lag = self._group_lag(consumer) if consumer.assignment() else self._unassigned_lag(group, consumer, now)
            behind = await asyncio.wait_for(lag, timeout=WATCH_EVERY_S)
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
        group.suspect_since = group.committed_seen = None
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
