"""Media worker: makes the variants of uploads announced on the media stream, and sweeps orphans.

Each ``MediaUploaded`` event is handled by the consumer group ``media-processor``; processing is
idempotent (a ready attachment is left alone), so at-least-once delivery is safe. ``StatusDeleted``
on the posts stream (group ``media-statuses``) gives a deleted status's media back unattached.
``OrphanSweeper`` deletes uploads no status took within a day (Mastodon's media cleanup); a lock
lets one replica sweep at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging

from rookery.workloads.catalogue import MEDIA_PROCESSOR_GROUP, MEDIA_STATUSES_GROUP
from rookery.workloads.domain.events import MEDIA, POSTS
from rookery.workloads.ports.edge import LockManager
from rookery.workloads.ports.events import EventBus
from rookery.workloads.services.media import MediaService

log = logging.getLogger("rookery.media")

GROUP = MEDIA_PROCESSOR_GROUP.name
STATUS_GROUP = MEDIA_STATUSES_GROUP.name  # detaches the media of deleted statuses
SWEEP_LOCK = "media:orphan-sweep"


def register(bus: EventBus, media: MediaService) -> None:
    bus.subscribe(MEDIA, GROUP, media.handle_event)
    bus.subscribe(POSTS, STATUS_GROUP, media.handle_status_event)


class OrphanSweeper:
    def __init__(
        self, media: MediaService, locks: LockManager, *, max_age: dt.timedelta, interval_s: float
    ) -> None:
        self.media = media
        self.locks = locks
        self.max_age = max_age
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def sweep_once(self) -> int:
        lock = await self.locks.acquire(SWEEP_LOCK, ttl_ms=int(max(self.interval_s, 60) * 1000))
        if lock is None:
            return 0  # another replica is sweeping
        try:
            removed = await self.media.remove_orphans(self.max_age)
        finally:
            await self.locks.release(lock)
        if removed:
            log.info("removed %d unattached media older than %s", removed, self.max_age)
        return removed

    async def _run(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("media orphan sweep failed; trying again later")
            await asyncio.sleep(self.interval_s)

    async def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="media-orphan-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
