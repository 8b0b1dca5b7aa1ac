"""Embedded EventBus: a durable, partitioned log in SQLite with Kafka's semantics.

* Streams are split into ``partitions`` by a stable hash of the event key, so events with one key
  keep their order; each (consumer group, stream, partition) is read by one task, in order.
* Offsets are committed per group after the handler succeeded: delivery is at-least-once, and a
  restart resumes from the committed offset, so nothing published is lost.
* A processed-events record per group skips an event id seen before (the outbox relay may publish
  an event twice after a crash).
* A handler that fails ``max_attempts`` times has the event parked on the dead-letter stream, and
  the group moves on.
* Retention: every ``compact_interval_s`` the events every group has committed are deleted (the
  newest committed one of each partition stays, it anchors the offsets); streams nobody consumes
  (the dead-letter stream) are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import zlib

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.events import DEAD_LETTER, Event
from rookery.workloads.ports.events import EventHandler

log = logging.getLogger("rookery.events")

MIGRATIONS = load_migrations("events", 2)


def partition_of(key: str, partitions: int) -> int:
    return zlib.crc32(key.encode()) % partitions


@dataclasses.dataclass
class _Subscription:
    stream: str
    group: str
    handler: EventHandler


class SqliteEventBus:
    def __init__(
        self,
        db: Database,
        *,
        partitions: int = 4,
        max_attempts: int = 5,
        retry_backoff_s: float = 0.05,
        poll_interval_s: float = 1.0,
        batch: int = 100,
        compact_interval_s: float = 60.0,
    ) -> None:
        self.db = db
        self.partitions = partitions
        self.max_attempts = max_attempts
        self.retry_backoff_s = retry_backoff_s
        self.poll_interval_s = poll_interval_s
        self.batch = batch
        self.compact_interval_s = compact_interval_s
        self._subscriptions: list[_Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._wakeups: dict[str, list[asyncio.Event]] = {}

    # --- EventBus port ----------------------------------------------------------------------

    async def publish(self, stream: str, event: Event) -> None:
        partition = partition_of(event.key, self.partitions)
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT COALESCE(MAX(offset), -1) + 1 FROM event_log WHERE stream = ? AND partition = ?",
                (stream, partition),
            ) as cursor:
                row = await cursor.fetchone()
            offset = int(row[0]) if row else 0
            await tx.execute(
                "INSERT INTO event_log (stream, partition, offset, event_id, body) VALUES (?, ?, ?, ?, ?)",
                (stream, partition, offset, event.id, event.to_json()),
            )
        for wakeup in self._wakeups.get(stream, ()):
            wakeup.set()

    def subscribe(self, stream: str, group: str, handler: EventHandler) -> None:
        self._subscriptions.append(_Subscription(stream, group, handler))
        if self._tasks:  # already running: start its consumers now
            self._start_subscription(self._subscriptions[-1])

    async def start(self) -> None:
        if self._tasks:
            return
        for subscription in self._subscriptions:
            self._start_subscription(subscription)
        self._tasks.append(asyncio.create_task(self._compact_periodically(), name="event-log-compaction"))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- retention --------------------------------------------------------------------------

    async def compact(self) -> int:
        """Delete the events every consumer group of their stream has committed; returns how many.
        A group subscribed here that has not committed on a partition yet keeps all of it."""
        done: dict[tuple[str, int], dict[str, int]] = {}
        for row in await self.db.fetchall("SELECT grp, stream, partition, offset FROM consumer_offsets"):
            done.setdefault((row["stream"], row["partition"]), {})[row["grp"]] = row["offset"]
        for sub in self._subscriptions:
            for partition in range(self.partitions):
                done.setdefault((sub.stream, partition), {}).setdefault(sub.group, -1)
        removed = 0
        async with self.db.transaction() as tx:
            for (stream, partition), offsets in done.items():
                floor = min(offsets.values())
                if floor > 0:
                    cursor = await tx.execute(
                        "DELETE FROM event_log WHERE stream = ? AND partition = ? AND offset < ?",
                        (stream, partition, floor),
                    )
                    removed += cursor.rowcount
        return removed

    async def _compact_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.compact_interval_s)
            try:
                await self.compact()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event log compaction failed; retrying later")

    # --- inspection (tests, metrics) --------------------------------------------------------

    async def read(self, stream: str) -> list[Event]:
        """Every event retained on a stream, by partition then offset."""
        rows = await self.db.fetchall(
            "SELECT body FROM event_log WHERE stream = ? ORDER BY partition, offset", (stream,)
        )
        return [Event.from_json(row["body"]) for row in rows]

    async def lag(self) -> int:
        """Events published but not yet committed by some subscribed group."""
        total = 0
        for sub in self._subscriptions:
            for partition in range(self.partitions):
                head = await self._log_head(sub.stream, partition)
                total += head - 1 - await self._committed(sub.group, sub.stream, partition)
        return total

    async def wait_idle(self, timeout_s: float = 10.0) -> None:
        """Until every consumer has committed everything published so far (tests, shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while await self.lag() > 0:
            if loop.time() > deadline:
                raise TimeoutError("event consumers did not catch up")
            await asyncio.sleep(0.01)

    # --- consumers --------------------------------------------------------------------------

    def _start_subscription(self, sub: _Subscription) -> None:
        for partition in range(self.partitions):
            wakeup = asyncio.Event()
            self._wakeups.setdefault(sub.stream, []).append(wakeup)
            task = asyncio.create_task(
                self._consume(sub, partition, wakeup), name=f"consumer:{sub.group}:{sub.stream}:{partition}"
            )
            self._tasks.append(task)

    async def _log_head(self, stream: str, partition: int) -> int:
        row = await self.db.fetchone(
            "SELECT COALESCE(MAX(offset), -1) + 1 AS head FROM event_log WHERE stream = ? AND partition = ?",
            (stream, partition),
        )
        return int(row["head"]) if row else 0

    async def _committed(self, group: str, stream: str, partition: int) -> int:
        row = await self.db.fetchone(
            "SELECT offset FROM consumer_offsets WHERE grp = ? AND stream = ? AND partition = ?",
            (group, stream, partition),
        )
        return int(row["offset"]) if row else -1

    async def _consume(self, sub: _Subscription, partition: int, wakeup: asyncio.Event) -> None:
        position: int | None = None
        while True:
            try:
                if position is None:
                    position = await self._committed(sub.group, sub.stream, partition)
                wakeup.clear()
                rows = await self.db.fetchall(
                    "SELECT offset, body FROM event_log WHERE stream = ? AND partition = ? AND offset > ?"
                    " ORDER BY offset LIMIT ?",
                    (sub.stream, partition, position, self.batch),
                )
                if not rows:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that lands as
                    # the event fires, and the consumer would run on after stop() (a hung shutdown)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self.poll_interval_s):
                            await wakeup.wait()
                    continue
                for row in rows:
                    await self._deliver(sub, partition, row["offset"], Event.from_json(row["body"]))
                    position = row["offset"]
            except asyncio.CancelledError:
                raise
            except Exception:  # the store failed, not the handler: read the offset again and go on
                log.exception("consumer %s on %s/%d failed; retrying", sub.group, sub.stream, partition)
                position = None
                await asyncio.sleep(self.poll_interval_s)

    async def _deliver(self, sub: _Subscription, partition: int, offset: int, event: Event) -> None:
        seen = await self.db.fetchone(
            "SELECT 1 FROM processed_events WHERE grp = ? AND event_id = ?", (sub.group, event.id)
        )
        error: BaseException | None = None
        if seen is None:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    await sub.handler(event)
                    error = None
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    error = exc
                    log.warning(
                        "handler %s failed on %s %s (attempt %d/%d): %r",
                        sub.group,
                        event.type,
                        event.id,
                        attempt,
                        self.max_attempts,
                        exc,
                    )
                    if attempt < self.max_attempts:
                        await asyncio.sleep(self.retry_backoff_s * 2 ** (attempt - 1))
            if error is not None:
                await self.publish(DEAD_LETTER, _dead_letter(event, sub, error))
        async with self.db.transaction() as tx:
            if seen is None:
                await tx.execute(
                    "INSERT OR IGNORE INTO processed_events (grp, event_id) VALUES (?, ?)",
                    (sub.group, event.id),
                )
            await tx.execute(
                "INSERT INTO consumer_offsets (grp, stream, partition, offset) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (grp, stream, partition) DO UPDATE SET offset = excluded.offset",
                (sub.group, sub.stream, partition, offset),
            )


def _dead_letter(event: Event, sub: _Subscription, error: BaseException) -> Event:
    return Event(
        type=event.type,
        key=event.key,
        tenant=event.tenant,
        payload={
            "stream": sub.stream,
            "group": sub.group,
            "error": repr(error)[:500],
            "event": dataclasses.asdict(event),
        },
        trace=event.trace,
    )
