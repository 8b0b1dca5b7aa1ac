"""Scheduled statuses: kept with their parameters until due, then published once by the posts role.

Scheduling checks what posting would (the status's rules, its poll, its media, its parent) and
reserves the media: they are attached to the scheduled status's id, so neither another status
nor the orphan sweeper takes them; a cancel gives them back.

Publishing, with several processes at it: each due scheduled status is taken under a lease of the
LockManager (Redis in production), its status id is chosen once in the store before posting, and
the row goes only after the status exists. A publisher that dies half way leaves the row, and the
next one finds the status already posted under the chosen id, so each is published exactly once.
A scheduled status that can no longer be posted (its parent or media gone) is dropped and logged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rookery.workloads.domain import errors
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.scheduled import (
    MIN_LEAD_S,
    ScheduledParams,
    ScheduledStatus,
    check_limits,
    check_scheduled_at,
    day_of,
)
from rookery.workloads.domain.statuses import Draft, Status, StatusRuleError
from rookery.workloads.ids import new_id
from rookery.workloads.ports.edge import LockManager
from rookery.workloads.ports.filters import ScheduledStatusStore
from rookery.workloads.services.posts import PostsService
from rookery.workloads.services.social import NotFoundError

log = logging.getLogger("rookery.scheduled")

PUBLISH_BATCH = 100
LEASE_MS = 120_000
EDIT_WAIT_MS = 10_000


class ScheduledMedia(Protocol):
    """The media role as scheduled statuses use it (``MediaService``)."""

    async def attach(self, account_id: int, media_ids: Sequence[int], status_id: int) -> None: ...

    async def detach(self, status_ids: Sequence[int]) -> None: ...

    async def rendered_for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]: ...


class Delivery(Protocol):
    async def deliver_to_author(self, status: Status) -> None: ...


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def draft_of(params: ScheduledParams) -> Draft:
    return Draft(
        text=params.text,
        visibility=params.visibility,
        spoiler_text=params.spoiler_text,
        sensitive=params.sensitive,
        language=params.language,
        in_reply_to_id=params.in_reply_to_id,
    )


class ScheduledStatusesService:
    def __init__(
        self,
        store: ScheduledStatusStore,
        posts: PostsService,
        locks: LockManager,
        *,
        media: ScheduledMedia | None = None,
        delivery: Delivery | None = None,
        min_lead_s: int = MIN_LEAD_S,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.store = store
        self.posts = posts
        self.locks = locks
        self.media = media
        self.delivery = delivery
        self.min_lead_s = min_lead_s
        self.clock = clock

    # --- the owner's ---------------------------------------------------------------------------

    async def schedule(self, account_id: int, params: ScheduledParams, at: dt.datetime) -> ScheduledStatus:
        at = check_scheduled_at(at, self.clock(), self.min_lead_s)
        media_ids = tuple(dict.fromkeys(params.media_ids))
        params = dataclasses.replace(params, media_ids=media_ids)
        await self.posts.check_new(account_id, draft_of(params), media_ids, params.poll)
        check_limits(await self.store.count(account_id), await self.store.count(account_id, day_of(at)))
        scheduled = ScheduledStatus(new_id(), account_id, at, params)
        if media_ids:
            if self.media is None:
                raise StatusRuleError("Media attachments are not available")
            await self.media.attach(account_id, media_ids, scheduled.id)  # reserved until published
        try:
            await self.store.create(scheduled)
        except BaseException:
            if media_ids and self.media is not None:
                await self.media.detach([scheduled.id])
            raise
        return scheduled

    async def get(self, account_id: int, scheduled_id: int | None) -> ScheduledStatus:
        found = await self.store.get(scheduled_id) if scheduled_id is not None else None
        if found is None or found.account_id != account_id:
            raise NotFoundError("Record not found")
        return found

    async def of_account(self, account_id: int, page: PageRequest) -> list[ScheduledStatus]:
        return await self.store.of_account(account_id, page)

    async def reschedule(self, account_id: int, scheduled_id: int | None, at: dt.datetime) -> ScheduledStatus:
        found = await self.get(account_id, scheduled_id)
        at = check_scheduled_at(at, self.clock(), self.min_lead_s)
        if day_of(at) != day_of(found.scheduled_at):
            check_limits(0, await self.store.count(account_id, day_of(at)))
        async with self._held(found.id):
            if not await self.store.reschedule(found.id, at):
                raise NotFoundError("Record not found")  # published meanwhile
        return dataclasses.replace(found, scheduled_at=at)

    async def cancel(self, account_id: int, scheduled_id: int | None) -> None:
        found = await self.get(account_id, scheduled_id)
        async with self._held(found.id):
            if not await self.store.delete(found.id):
                raise NotFoundError("Record not found")
            if found.params.media_ids and self.media is not None:
                await self.media.detach([found.id])

    async def media_of(self, scheduled: Sequence[ScheduledStatus]) -> dict[int, list[dict[str, Any]]]:
        with_media = [s.id for s in scheduled if s.params.media_ids]
        if not with_media or self.media is None:
            return {}
        return await self.media.rendered_for_statuses(with_media)

    def _held(self, scheduled_id: int) -> _Lease:
        return _Lease(self.locks, lock_name(scheduled_id), EDIT_WAIT_MS)

    # --- the publisher -------------------------------------------------------------------------

    async def publish_due(self) -> list[Status]:
        """Publish what is due now; each scheduled status once, whoever else runs this."""
        published = []
        for due in await self.store.due(self.clock(), PUBLISH_BATCH):
            lock = await self.locks.acquire(lock_name(due.id), ttl_ms=LEASE_MS)
            if lock is None:
                continue  # another publisher has it
            try:
                status = await self._publish(due)
            finally:
                await self.locks.release(lock)
            if status is not None:
                published.append(status)
        return published

    async def _publish(self, due: ScheduledStatus) -> Status | None:
        current = await self.store.get(due.id)
        if current is None or current.scheduled_at > self.clock():
            return None  # published, cancelled or moved later meanwhile
        status_id = await self.store.claim_status_id(current.id, new_id())
        if status_id is None:
            return None
        status = await self.posts.statuses.get(status_id)
        if status is None:
            params = current.params
            if params.media_ids and self.media is not None:
                await self.media.detach([current.id])  # the reservation ends: the status takes them
            try:
                status = await self.posts.create(
                    current.account_id,
                    draft_of(params),
                    application=params.application,
                    media_ids=params.media_ids,
                    poll=params.poll,
                    status_id=status_id,
                )
            except errors.DomainError as exc:
                log.warning("scheduled status %s could not be published and is dropped: %s", current.id, exc)
                await self.store.delete(current.id)
                return None
            if self.delivery is not None:
                await self.delivery.deliver_to_author(status)
        await self.store.delete(current.id)
        return status


def lock_name(scheduled_id: int) -> str:
    return f"scheduled-status:{scheduled_id}"


class _Lease:
    """The publisher's lease on one scheduled status, held while its owner changes or cancels it."""

    def __init__(self, locks: LockManager, name: str, wait_ms: int) -> None:
        self.locks = locks
        self.name = name
        self.wait_ms = wait_ms
        self.lock: Any = None

    async def __aenter__(self) -> None:
        self.lock = await self.locks.acquire(self.name, ttl_ms=LEASE_MS, wait_ms=self.wait_ms)
        if self.lock is None:
            raise errors.Conflict("The scheduled status is being published; try again")

    async def __aexit__(self, *exc: object) -> None:
        if self.lock is not None:
            await self.locks.release(self.lock)
