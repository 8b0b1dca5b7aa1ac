"""Media use cases: upload (validated on the request path), processing (off it), attachment to statuses.

An upload is sniffed and fully decoded before anything is stored, so a rejected file leaves no
trace. An accepted one is kept as the private "upload" variant with a ``processing`` record and a
``MediaUploaded`` event on the media stream (same transaction, through the outbox); the media
worker then makes the variants (EXIF stripped, small, blurhash) in a thread pool and marks it ready.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PIL import Image

from rookery.workloads.domain import media as domain
from rookery.workloads.domain.events import MEDIA, Event
from rookery.workloads.domain.media import (
    FAILED,
    IMAGE,
    PROCESSING,
    READY,
    UPLOAD,
    AttachmentRejected,
    Focus,
    MediaAlreadyAttached,
    MediaAttachment,
    MediaInUse,
    MediaNotFound,
    MediaRejected,
)
from rookery.workloads.ids import new_id
from rookery.workloads.ports.edge import LockManager
from rookery.workloads.ports.media import MediaRepository, MediaStore
from rookery.workloads.services import imaging
from rookery.workloads.services.imaging import Limits

log = logging.getLogger("rookery.media")

T = TypeVar("T")

MEDIA_UPLOADED = "MediaUploaded"
STATUS_DELETED = "StatusDeleted"  # posts stream (services/social.py)
MEDIA_PROCESSED = "MediaProcessed"
MAX_ATTACHMENTS = 4
PROCESS_LOCK_TTL_MS = 300_000
PROCESS_LOCK_WAIT_MS = 120_000


class MediaService:
    def __init__(
        self,
        repo: MediaRepository,
        store: MediaStore,
        limits: Limits,
        *,
        tenant: str = "rookery",
        threads: int = 2,
        locks: LockManager | None = None,
    ) -> None:
        self.locks = locks
        self.repo = repo
        self.store = store
        self.limits = limits
        self.tenant = tenant
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="media")
        Image.MAX_IMAGE_PIXELS = limits.max_pixels  # Pillow's own bomb guard agrees with ours

    async def _cpu(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    # --- upload ---------------------------------------------------------------------------------

    async def upload(
        self, account_id: int, data: bytes, description: str | None = None, focus: str | None = None
    ) -> MediaAttachment:
        """Validate and accept an upload; processing happens later (``process``)."""
        description = domain.check_description(description)
        focus_point = Focus.parse(focus)
        sniffed = await self._cpu(imaging.sniff, data, self.limits)
        media = MediaAttachment(
            id=new_id(),
            account_id=account_id,
            type=sniffed.type,
            content_type=sniffed.content_type,
            file_size=len(data),
            description=description,
            focus=focus_point,
            original=sniffed.dimensions,
        )
        await self.store.put(media.id, UPLOAD, data, media.content_type)
        event = Event(
            MEDIA_UPLOADED, key=str(account_id), payload={"media_id": str(media.id)}, tenant=self.tenant
        )
        try:
            await self.repo.add(media, events=[(MEDIA, event)])
        except BaseException:
            await self.store.delete(media.id)
            raise
        return media

    async def profile_image(self, account_id: int, data: bytes, field: str) -> str:
        """An avatar or header, uploaded and processed at once: its URL. A rejection names the
        field (``avatar: image is larger than ...``)."""
        try:
            uploaded = await self.upload(account_id, data)
        except MediaRejected as exc:
            raise type(exc)(f"{field}: {exc}") from None
        if uploaded.type != IMAGE:
            raise MediaRejected(f"{field} must be an image")
        processed = await self.process(uploaded.id)
        if processed is None or processed.state != READY or not processed.url:
            raise MediaRejected(f"{field} could not be processed")
        return str(processed.url)

    async def process(self, media_id: int) -> MediaAttachment | None:
        """Make the variants of a processing attachment; idempotent (a ready one is left alone).

        The synchronous v1 upload and the media worker may both get here for one upload: a lock
        per attachment lets one of them work and the other read the result."""
        if self.locks is None:
            return await self._process(media_id)
        lock = await self.locks.acquire(
            f"media:process:{media_id}", ttl_ms=PROCESS_LOCK_TTL_MS, wait_ms=PROCESS_LOCK_WAIT_MS
        )
        if lock is None:
            return await self.repo.get(media_id)  # someone else is still at it
        try:
            return await self._process(media_id)
        finally:
            await self.locks.release(lock)

    async def _process(self, media_id: int) -> MediaAttachment | None:
        media = await self.repo.get(media_id)
        if media is None or media.state != PROCESSING:
            return media
        data = await self.store.get(media_id, UPLOAD)
        if data is None:
            return await self._fail(media, "upload is missing")
        fmt = next(name for name, spec in domain.FORMATS.items() if spec[1] == media.content_type)
        try:
            if media.type == domain.VIDEO:
                processed = await self._cpu(imaging.process_video, data, fmt, self.limits)
            else:
                processed = await self._cpu(imaging.process_image, data, fmt, self.limits)
        except MediaRejected as exc:
            return await self._fail(media, str(exc))
        except Exception as exc:  # a decoder crash on hostile input must not kill the worker
            log.warning("processing media %s failed: %r", media_id, exc)
            return await self._fail(media, "file could not be processed")
        url = await self.store.put(
            media_id, domain.ORIGINAL, processed.original.data, processed.original.content_type
        )
        preview_url = url
        if processed.small is not None:
            preview_url = await self.store.put(
                media_id, domain.SMALL, processed.small.data, processed.small.content_type
            )
        current = await self.repo.get(media_id)  # description/focus may have changed meanwhile
        if current is None:
            await self.store.delete(media_id)
            return None
        done = dataclasses.replace(  # only the processing columns are written: a description set now stays
            current,
            state=READY,
            url=url,
            preview_url=preview_url,
            blurhash=processed.blurhash,
            original=processed.original.dimensions or current.original,
            small=processed.small.dimensions if processed.small else None,
            extra_meta={**current.extra_meta, **processed.extra_meta},
        )
        await self.repo.record_processing(done)
        await self.store.delete(media_id, UPLOAD)
        return done

    async def discard(self, media_id: int) -> None:
        """Forget an attachment entirely (a synchronous upload whose processing failed)."""
        await self.store.delete(media_id)
        await self.repo.delete(media_id)

    async def remove_orphans(
        self, max_age: dt.timedelta, *, now: dt.datetime | None = None, batch: int = 500
    ) -> int:
        """Delete uploads that no status took within ``max_age`` (files and records), like
        Mastodon's media cleanup; returns how many went."""
        before = (now or dt.datetime.now(dt.UTC)) - max_age
        removed = 0
        while ids := await self.repo.unattached_before(before, batch):
            for media_id in ids:
                await self.store.delete(media_id)
                await self.repo.delete(media_id)
            removed += len(ids)
            if len(ids) < batch:
                break
        return removed

    async def _fail(self, media: MediaAttachment, reason: str) -> MediaAttachment:
        failed = dataclasses.replace(media, state=FAILED, error=reason)
        await self.repo.record_processing(failed)
        await self.store.delete(media.id)
        return failed

    async def handle_event(self, event: Event) -> None:
        """Media worker: the bus delivers ``MediaUploaded`` (at least once; process is idempotent)."""
        if event.type == MEDIA_UPLOADED:
            await self.process(int(event.payload["media_id"]))

    async def handle_status_event(self, event: Event) -> None:
        """A deleted status gives its media back to the author, unattached (delete & redraft)."""
        if event.type == STATUS_DELETED:
            await self.repo.detach([int(event.payload["status_id"])])

    # --- reading and editing --------------------------------------------------------------------

    async def get(self, account_id: int, media_id: int | None) -> MediaAttachment:
        media = await self.repo.get(media_id) if media_id is not None else None
        if media is None or media.account_id != account_id:
            raise MediaNotFound
        return media

    async def delete(self, account_id: int, media_id: int | None) -> None:
        """Delete an attachment no status carries yet (its record first: a status that takes it
        meanwhile keeps it, and this answers MediaInUse)."""
        media = await self.get(account_id, media_id)
        if media.status_id is not None or not await self.repo.delete_unattached(account_id, media.id):
            raise MediaInUse("Media attachment is currently used by a status")
        await self.store.delete(media.id)

    async def update(
        self, account_id: int, media_id: int | None, description: str | None, focus: str | None
    ) -> MediaAttachment:
        """Change description and focus of an attachment not yet part of a status."""
        media = await self.get(account_id, media_id)
        if media.status_id is not None:
            raise MediaNotFound
        changes: dict[str, Any] = {}
        if description is not None:
            changes["description"] = domain.check_description(description) or None
        point = Focus.parse(focus)
        if point is not None:
            changes["focus"] = point
        if not changes:
            return media
        # only description and focus are written, so processing finishing meanwhile is kept
        described = dataclasses.replace(media, **changes)
        await self.repo.describe(media.id, described.description, described.focus)
        current = await self.repo.get(media.id)
        return current if current is not None else described

    # --- statuses (called by the posts role) -----------------------------------------------------

    async def attachments_for(
        self, account_id: int, media_ids: Sequence[int], *, status_id: int | None = None
    ) -> list[MediaAttachment]:
        """The attachments a new status (or an edit of ``status_id``, which may keep its own) may carry,
        in the order given; raises AttachmentRejected when an id is unknown, another account's,
        attached elsewhere, failed, or there are too many."""
        ids = list(dict.fromkeys(media_ids))
        if len(ids) > MAX_ATTACHMENTS:
            raise AttachmentRejected(f"a status has at most {MAX_ATTACHMENTS} attachments")
        found = await self.repo.get_many(ids)
        result = []
        for media_id in ids:
            media = found.get(media_id)
            if media is None or media.account_id != account_id:
                raise AttachmentRejected(f"media {media_id} not found")
            if media.status_id is not None and media.status_id != status_id:
                raise AttachmentRejected(f"media {media_id} is already attached to a status")
            if media.state == FAILED:
                raise AttachmentRejected(f"media {media_id} could not be processed")
            if media.state == PROCESSING:  # Mastodon's rule too: statuses carry finished media only
                raise AttachmentRejected(f"media {media_id} has not finished processing; try again in a moment")
            result.append(media)
        return result

    async def attach(self, account_id: int, media_ids: Sequence[int], status_id: int) -> None:
        """Bind the attachments to a created status (all or none)."""
        if not await self.repo.attach(account_id, list(dict.fromkeys(media_ids)), status_id):
            raise MediaAlreadyAttached("some media could not be attached (unknown, foreign or attached)")

    async def attach_revised(self, account_id: int, status_id: int, revised: Sequence[MediaAttachment]) -> None:
        """An edit's media (``domain.revise``): the new ones bound to the status (all or none), then
        changed alt text and focus written. Media the edit dropped stay the status's, for its history."""
        await self.attach(account_id, [m.id for m in revised if m.status_id is None], status_id)
        stored = await self.repo.get_many([m.id for m in revised])
        for media in revised:
            was = stored.get(media.id)
            if was is not None and (was.description, was.focus) != (media.description, media.focus):
                await self.repo.describe(media.id, media.description, media.focus)

    async def detach(self, status_ids: Sequence[int]) -> None:
        """Give back the media of statuses that will not be (cancelled scheduled ones), unattached."""
        await self.repo.detach(list(status_ids))

    async def rendered_for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """``media_attachments`` of many statuses in one query (status entity rendering)."""
        grouped = await self.repo.for_statuses(status_ids)
        return {status_id: [domain.render(m) for m in items] for status_id, items in grouped.items()}


render = domain.render
