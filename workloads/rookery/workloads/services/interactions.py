"""Interaction use cases on statuses: favourite, reblog, bookmark, pin, and their undo."""

from __future__ import annotations

from rookery.workloads.domain.accounts import CountsChange
from rookery.workloads.domain.events import INTERACTIONS, POSTS
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import (
    PRIVATE,
    PUBLIC,
    UNLISTED,
    Status,
    StatusRuleError,
    ViewerFlags,
    check_participant,
    check_pinnable,
    check_reblog,
)
from rookery.workloads.ids import new_id
from rookery.workloads.ports.posts import ConversationMuteStore, InteractionStore
from rookery.workloads.services.accounts import account_key
from rookery.workloads.services.posts import PostsService, status_key
from rookery.workloads.services.social import (
    FAVOURITED,
    STATUS_CREATED,
    STATUS_DELETED,
    event,
    status_payload,
)

REBLOG_VISIBILITIES = (PUBLIC, UNLISTED, PRIVATE)


class InteractionsService:
    def __init__(self, posts: PostsService, interactions: InteractionStore, mutes: ConversationMuteStore) -> None:
        self.posts = posts
        self.store = interactions
        self.mutes = mutes

    async def _refreshed(self, status_id: int) -> Status:
        await self.posts.entities.invalidate([status_key(status_id)])
        status = await self.posts.statuses.get(status_id)
        assert status is not None
        return status

    async def favourite(self, actor_id: int, status_id: int) -> Status:
        status = await self.posts.original(status_id, actor_id)
        payload = {"status_id": status.id, "account_id": actor_id, "status_account_id": status.account_id}
        faved = event(FAVOURITED, actor_id, payload, self.posts.tenant)
        await self.store.favourite(actor_id, status.id, [(INTERACTIONS, faved)])
        return await self._refreshed(status.id)

    async def unfavourite(self, actor_id: int, status_id: int) -> Status:
        status = await self.posts.original(status_id, actor_id)
        await self.store.unfavourite(actor_id, status.id)
        return await self._refreshed(status.id)

    async def reblog(self, actor_id: int, status_id: int, visibility: str = PUBLIC) -> Status:
        """The actor's reblog of the status (the existing one when reblogged before)."""
        if visibility not in REBLOG_VISIBILITIES:
            raise StatusRuleError(f"Visibility must be one of {', '.join(REBLOG_VISIBILITIES)}")
        original = await self.posts.original(status_id, actor_id)
        check_reblog(original, actor_id)
        existing = await self.posts.statuses.reblog_by(actor_id, original.id)
        if existing is not None:
            return existing
        reblog = Status(
            id=new_id(),
            account_id=actor_id,
            text="",
            content="",
            visibility=visibility,
            reblog_of_id=original.id,
        )
        payload = status_payload(reblog, reblog_account_id=original.account_id)
        counted = CountsChange(actor_id, statuses=1, last_status_at=reblog.created_at.date())
        await self.posts.statuses.create(
            reblog, [(POSTS, event(STATUS_CREATED, actor_id, payload, self.posts.tenant))], counts=[counted]
        )
        await self.posts.entities.invalidate([status_key(original.id), account_key(actor_id)])
        return reblog

    async def unreblog(self, actor_id: int, status_id: int) -> Status:
        original = await self.posts.original(status_id, actor_id)
        reblog = await self.posts.statuses.reblog_by(actor_id, original.id)
        if reblog is not None:
            payload = status_payload(reblog, reblog_account_id=original.account_id)
            deleted = event(STATUS_DELETED, actor_id, payload, self.posts.tenant)
            if await self.posts.statuses.delete(reblog.id, [(POSTS, deleted)]):
                await self.posts.accounts.adjust_counts(actor_id, statuses=-1)
        return await self._refreshed(original.id)

    async def bookmark(self, actor_id: int, status_id: int) -> Status:
        status = await self.posts.original(status_id, actor_id)
        await self.store.bookmark(actor_id, status.id)
        return status

    async def unbookmark(self, actor_id: int, status_id: int) -> Status:
        status = await self.posts.original(status_id, actor_id)
        await self.store.unbookmark(actor_id, status.id)
        return status

    async def pin(self, actor_id: int, status_id: int) -> Status:
        status = await self.posts.visible(status_id, actor_id)
        pinned = await self.store.pinned_ids(actor_id)
        if status.id not in pinned:
            check_pinnable(status, actor_id, len(pinned))
            await self.store.pin(actor_id, status.id)
        return status

    async def unpin(self, actor_id: int, status_id: int) -> Status:
        """As in Mastodon, unpinning a status one has not pinned (someone else's) changes nothing
        and answers the status."""
        status = await self.posts.visible(status_id, actor_id)
        await self.store.unpin(actor_id, status.id)
        return status

    async def mute_conversation(self, actor_id: int, status_id: int) -> Status:
        """Mute the thread of the status (the original of a reblog) for the actor, who must take
        part in it; muting twice changes nothing."""
        status = await self.posts.original(status_id, actor_id)
        root = await self.posts.statuses.get(status.thread_id) if status.conversation_id is not None else None
        check_participant(status, root, actor_id)
        await self.mutes.mute(actor_id, status.thread_id)
        return status

    async def unmute_conversation(self, actor_id: int, status_id: int) -> Status:
        status = await self.posts.original(status_id, actor_id)
        await self.mutes.unmute(actor_id, status.thread_id)
        return status

    async def favourited_by(
        self, status_id: int, viewer_id: int | None, page: PageRequest
    ) -> list[tuple[int, int]]:
        status = await self.posts.original(status_id, viewer_id)
        return await self.store.favourited_by(status.id, page)

    async def reblogged_by(
        self, status_id: int, viewer_id: int | None, page: PageRequest
    ) -> list[tuple[int, int]]:
        status = await self.posts.original(status_id, viewer_id)
        return await self.posts.statuses.reblogs_of(status.id, page)

    async def favourites(
        self, viewer_id: int, page: PageRequest
    ) -> tuple[list[Status], int | None, int | None]:
        return await self._saved(await self.store.favourites_of(viewer_id, page), viewer_id)

    async def bookmarks(
        self, viewer_id: int, page: PageRequest
    ) -> tuple[list[Status], int | None, int | None]:
        return await self._saved(await self.store.bookmarks_of(viewer_id, page), viewer_id)

    async def _saved(
        self, rows: list[tuple[int, int]], viewer_id: int
    ) -> tuple[list[Status], int | None, int | None]:
        """Statuses of favourite/bookmark rows, and the row-id cursors (next max_id, prev min_id)."""
        statuses = await self.posts.get_many_visible([status_id for _, status_id in rows], viewer_id)
        if not rows:
            return statuses, None, None
        return statuses, rows[-1][0], rows[0][0]

    async def flags(self, viewer_id: int | None, status_ids: list[int]) -> ViewerFlags:
        if viewer_id is None or not status_ids:
            return ViewerFlags()
        return await self.store.viewer_flags(viewer_id, status_ids)
