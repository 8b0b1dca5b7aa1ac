"""media role: uploads, processing (the media consumer), the orphan sweeper; files in the local
store served at /system/media, or Cloudinary (stores.py chooses)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from rookery.workloads.bootstrap import stores as choose
from rookery.workloads.bootstrap.container import Events, Infrastructure, Lifecycle, MediaStores, Role
from rookery.workloads.settings import Settings

if TYPE_CHECKING:
    from rookery.workloads.services.media import MediaService


def media(
    settings: Settings, infra: Infrastructure, events: Events, life: Lifecycle
) -> Role[MediaStores, MediaService]:
    from rookery.workloads.services.imaging import Limits
    from rookery.workloads.services.media import MediaService
    from rookery.workloads.workers import media as media_worker

    stores = choose.media(settings, infra, events, life)
    limits = Limits(
        max_image_bytes=settings.media_max_image_bytes,
        max_video_bytes=settings.media_max_video_bytes,
        max_pixels=settings.media_max_pixels,
        small_size=settings.media_small_size,
    )
    service = MediaService(
        stores.repository,
        stores.files,
        limits,
        tenant=settings.tenant,
        threads=settings.media_threads,
        locks=infra.locks,
    )
    media_worker.register(events.bus, service)
    sweeper = media_worker.OrphanSweeper(
        service,
        infra.locks,
        max_age=dt.timedelta(hours=settings.media_orphan_max_age_h),
        interval_s=settings.media_orphan_sweep_s,
    )
    life.starters.append(sweeper.start)
    life.stoppers.append(sweeper.stop)

    async def stop() -> None:
        service.close()

    life.stoppers.insert(0, stop)  # after the bus stopped delivering uploads to it
    return Role(stores, service)
