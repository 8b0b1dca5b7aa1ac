"""The outbox relay: publishes committed outbox rows to the event bus, then marks them.

Woken by the outbox right after each commit (polling is the fallback), so fan-out starts within
milliseconds. A crash between publish and mark publishes the row again on restart: consumers
skip it by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
from typing import Protocol

from rookery.workloads.domain.events import Event
from rookery.workloads.metrics import OUTBOX_BACKLOG, OUTBOX_RELAYED
from rookery.workloads.ports.events import EventBus, Outbox

log = logging.getLogger("rookery.outbox")


def record_backlog(relay: object, rows: list[tuple[int, str, Event]]) -> None:
    """Before anything is published: the oldest waiting row (rows come oldest first), whose age
    the gauge reports until this relay has published it."""
    try:
        occurred = dt.datetime.fromisoformat(rows[0][2].occurred_at).timestamp() if rows else None
    except ValueError:  # not an envelope this release wrote: no age to tell
        occurred = None
    OUTBOX_BACKLOG.hold(relay, occurred)


class OutboxRelay:
    def __init__(
        self, outbox: Outbox, bus: EventBus, *, batch: int = 200, poll_interval_s: float = 1.0
    ) -> None:
        self.outbox = outbox
        self.bus = bus
        self.batch = batch
        self.poll_interval_s = poll_interval_s
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._busy = False  # publishing a batch: a stop lets it finish and mark what it published

    async def relay_once(self) -> int:
        """Publish up to ``batch`` pending rows in order; returns how many were published."""
        rows = await self.outbox.pending(self.batch)
        record_backlog(self, rows)
        for _row_id, stream, event in rows:
            await self.bus.publish(stream, event)
        await self.outbox.mark_published([row_id for row_id, _, _ in rows])
        OUTBOX_BACKLOG.hold(self, None)
        OUTBOX_RELAYED.inc(len(rows))
        return len(rows)

    async def run(self) -> None:
        while not self._stopping:
            failed = False
            self._busy = True
            try:
                while await self.relay_once() == self.batch and not self._stopping:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                failed = True
            finally:
                self._busy = False
            if self._stopping:
                return
            if failed:
                await asyncio.sleep(self.poll_interval_s)
            await self.outbox.wait(self.poll_interval_s)

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop relaying. A batch being published is finished and marked first (up to ``grace_s``),
        so a clean stop publishes nothing twice; waiting for work is simply cancelled."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        if self._busy:
            done, _ = await asyncio.wait({task}, timeout=grace_s)
            if not done:  # a bus that does not answer: the rows go again after the restart
                task.cancel()
        else:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class ClaimingOutbox(Outbox, Protocol):
    """An outbox several relays may drain at once (PostgreSQL: ``FOR UPDATE SKIP LOCKED``)."""

    def claim(self, limit: int) -> contextlib.AbstractAsyncContextManager[list[tuple[int, str, Event]]]: ...


class ClaimingOutboxRelay(OutboxRelay):
    """Publishes rows this relay claimed; rows claimed by another relay are skipped, not waited for.
    The claim is released (rows deleted) only after the bus acknowledged every event of it."""

    def __init__(
        self, outbox: ClaimingOutbox, bus: EventBus, *, batch: int = 200, poll_interval_s: float = 1.0
    ) -> None:
        super().__init__(outbox, bus, batch=batch, poll_interval_s=poll_interval_s)
        self.claiming = outbox

    async def relay_once(self) -> int:
        publish_many = getattr(self.bus, "publish_many", None)  # Kafka: one round of acks a run
        async with self.claiming.claim(self.batch) as rows:
            record_backlog(self, rows)
            for stream, run in itertools.groupby(rows, key=lambda row: row[1]):  # order kept
                events = [event for _row_id, _stream, event in run]
                if publish_many is not None:
                    await publish_many(stream, events)
                else:
                    for event in events:
                        await self.bus.publish(stream, event)
        OUTBOX_BACKLOG.hold(self, None)
        OUTBOX_RELAYED.inc(len(rows))
        return len(rows)
