"""Posts use cases: compose, edit, delete, reply, and read statuses with the visibility rules.

Every write stores its event in the outbox within the same transaction (the store does it), and
invalidates the rendered status (EntityCache) after it is stored, so the next read renders it afresh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.accounts import CountsChange
from rookery.workloads.domain.edge import EntityKey
from rookery.workloads.domain.events import POSTS
from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.media import MediaAttachment, MediaChange, revise
from rookery.workloads.domain.polls import MIN_EXPIRES_IN_S, Poll, PollDraft, replaces_votes, validate_poll
from rookery.workloads.domain.statuses import (
    Draft,
    Status,
    StatusEdit,
    StatusRuleError,
    ViewerContext,
    can_see,
    check_editable,
    validate_draft,
)
from rookery.workloads.domain.text import MentionTarget, extract_hashtags, extract_mentions, render_content
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ids import new_id
from rookery.workloads.ports.edge import EntityCache
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.posts import PollStore, StatusRepository
from rookery.workloads.services.accounts import account_key
from rookery.workloads.services.social import (
    STATUS_CREATED,
    STATUS_DELETED,
    STATUS_UPDATED,
    AccountDirectory,
    NotFoundError,
    event,
    status_payload,
)

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 4096


def status_key(status_id: int) -> EntityKey:
    return ("status", status_id)


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    ancestors: list[Status]
    descendants: list[Status]


class MediaAttacher(Protocol):
    """The media role as posts use it (``MediaService`` satisfies it); its errors are ValueErrors."""

    async def attachments_for(
        self, account_id: int, media_ids: Sequence[int], *, status_id: int | None = None
    ) -> Sequence[MediaAttachment]: ...

    async def attach(self, account_id: int, media_ids: Sequence[int], status_id: int) -> None: ...

    async def attach_revised(self, account_id: int, status_id: int, revised: Sequence[MediaAttachment]) -> None: ...


class ModerationFilter(Protocol):
    """The admin role's in-process read filter (services/moderation.ReadFilter): plain set lookups."""

    def visible(self, status: Status, viewer_id: int | None) -> bool: ...

    def in_public(self, status: Status) -> bool: ...

    def entry_visible(self, entry: TimelineEntry, viewer_id: int | None) -> bool: ...


class PostsService:
    def __init__(
        self,
        statuses: StatusRepository,
        graph: GraphStore,
        accounts: AccountDirectory,
        entities: EntityCache,
        *,
        base_url: str,
        tenant: str,
        media: MediaAttacher | None = None,
        moderation: ModerationFilter | None = None,
        polls: PollStore | None = None,
        poll_min_expires_in: int = MIN_EXPIRES_IN_S,
    ) -> None:
        self.media = media
        self.polls = polls
        self.poll_min_expires_in = poll_min_expires_in
        self.moderation = moderation  # hidden statuses, suspended authors
        self.statuses = statuses
        self.graph = graph
        self.accounts = accounts
        self.entities = entities
        self.base_url = base_url
        self.tenant = tenant

    # --- reading ----------------------------------------------------------------------------

    async def relations(self, viewer_id: int | None, account_ids: Sequence[int]) -> ViewerRelations:
        if viewer_id is None or not account_ids:
            return ViewerRelations()
        return await self.graph.viewer_relations(viewer_id, account_ids)

    async def visible_filter(
        self, statuses: Sequence[Status], viewer_id: int | None, relations: ViewerRelations | None = None
    ) -> list[Status]:
        """The statuses the viewer may see, in the given order (one graph query for the batch;
        none when the caller hands in ``relations`` it read for every author of ``statuses``)."""
        if self.moderation is not None:
            statuses = [s for s in statuses if self.moderation.visible(s, viewer_id)]
        if relations is None:
            relations = await self.relations(viewer_id, list({s.account_id for s in statuses}))
        return [s for s in statuses if can_see(s, _ctx(s, viewer_id, relations))]

    async def visible(self, status_id: int, viewer_id: int | None) -> Status:
        """The status, or NotFoundError when it does not exist or the viewer may not see it
        (Mastodon answers 404 in both cases, so a hidden post's existence does not leak)."""
        status = await self.statuses.get(status_id)
        if status is None or not await self.visible_filter([status], viewer_id):
            raise NotFoundError("Record not found")
        if status.reblog_of_id is not None:
            await self.visible(status.reblog_of_id, viewer_id)
        return status

    async def own(self, status_id: int, actor_id: int) -> Status:
        """The actor's own status. Mastodon looks an edit or a delete up among the actor's own
        statuses, so anyone else's is as unknown as a missing one (404), never a 403."""
        status = await self.visible(status_id, actor_id)
        if status.account_id != actor_id:
            raise NotFoundError("Record not found")
        return status

    async def original(self, status_id: int, viewer_id: int | None) -> Status:
        """What an action on ``status_id`` acts on: the status, or the original of a reblog."""
        status = await self.visible(status_id, viewer_id)
        if status.reblog_of_id is not None:
            return await self.visible(status.reblog_of_id, viewer_id)
        return status

    async def get_many_visible(self, status_ids: Sequence[int], viewer_id: int | None) -> list[Status]:
        found = await self.statuses.get_many(status_ids)
        ordered = [found[i] for i in dict.fromkeys(status_ids) if i in found]
        originals = await self.statuses.get_many([s.reblog_of_id for s in ordered if s.reblog_of_id])
        visible = await self.visible_filter([*ordered, *originals.values()], viewer_id)
        visible_ids = {s.id for s in visible}
        return [s for s in ordered if s.id in visible_ids and (s.reblog_of_id is None or s.reblog_of_id in visible_ids)]

    async def context(self, status_id: int, viewer_id: int | None) -> Context:
        status = await self.original(status_id, viewer_id)
        ancestors: list[Status] = []
        parent_id = status.in_reply_to_id
        while parent_id is not None and len(ancestors) < MAX_ANCESTORS:
            parent = await self.statuses.get(parent_id)
            if parent is None:
                break
            ancestors.append(parent)
            parent_id = parent.in_reply_to_id
        ancestors.reverse()
        descendants: list[Status] = []
        frontier = [status.id]
        while frontier and len(descendants) < MAX_DESCENDANTS:
            replies = sorted(await self.statuses.replies_to(frontier), key=lambda s: s.id)
            descendants.extend(replies)
            frontier = [s.id for s in replies]
        relations = await self.relations(viewer_id, list({s.account_id for s in (*ancestors, *descendants)}))

        def shown(s: Status) -> bool:
            return can_see(s, _ctx(s, viewer_id, relations)) and s.account_id not in relations.muting

        return Context([s for s in ancestors if shown(s)], _thread_order([s for s in descendants if shown(s)]))

    async def history(self, status_id: int, viewer_id: int | None) -> list[StatusEdit]:
        status = await self.visible(status_id, viewer_id)
        return await self.statuses.history(status.id)

    # --- writing ----------------------------------------------------------------------------

    async def _render(self, text: str) -> tuple[str, tuple[int, ...], tuple[str, ...]]:
        targets: dict[str, MentionTarget] = {}
        mentioned: list[int] = []
        for mention in extract_mentions(text):
            account = await self.accounts.lookup(mention.acct)
            if account is not None and not account.suspended:
                targets[mention.acct.lower()] = MentionTarget(f"{self.base_url}/@{account.username}", account.username)
                if account.id not in mentioned:
                    mentioned.append(account.id)
        content = render_content(text, targets, lambda tag: f"{self.base_url}/tags/{tag}")
        return content, tuple(mentioned), tuple(extract_hashtags(text))

    def _check_poll(self, poll: PollDraft | None, media_count: int) -> None:
        if poll is None:
            return
        if self.polls is None:
            raise StatusRuleError("Polls are not available")
        validate_poll(poll, media_count=media_count, min_expires_in=self.poll_min_expires_in)

    async def check_new(
        self, author_id: int, draft: Draft, media_ids: Sequence[int], poll: PollDraft | None
    ) -> Status | None:
        """What a new status must pass (now, or when it is scheduled): its rules, its media (the
        author's own, finished, unused), its parent (visible to the author). Returns the parent."""
        return (await self._check_new(author_id, draft, media_ids, poll))[0]

    async def _check_new(
        self, author_id: int, draft: Draft, media_ids: Sequence[int], poll: PollDraft | None
    ) -> tuple[Status | None, Sequence[MediaAttachment]]:
        validate_draft(draft, media_count=len(media_ids))
        self._check_poll(poll, len(media_ids))
        attachments = await self._media_for(author_id, media_ids)  # unknown, foreign or used: ValueError
        parent = await self.visible(draft.in_reply_to_id, author_id) if draft.in_reply_to_id else None
        return parent, attachments

    async def _media_for(
        self, author_id: int, media_ids: Sequence[int], status_id: int | None = None
    ) -> Sequence[MediaAttachment]:
        if not media_ids:
            return []
        if self.media is None:
            raise StatusRuleError("Media attachments are not available")
        return await self.media.attachments_for(author_id, media_ids, status_id=status_id)

    async def create(
        self,
        author_id: int,
        draft: Draft,
        *,
        application: str | None = None,
        media_ids: Sequence[int] = (),
        poll: PollDraft | None = None,
        status_id: int | None = None,
        idempotency_key: str | None = None,
    ) -> Status:
        """``status_id``: the id a scheduled status's publisher chose for it, else a new one.
        ``idempotency_key`` (the request's Idempotency-Key): when the author already made a status
        with it (a retry whose first answer was lost, say in a failover), that status, unchanged."""
        media_ids = tuple(dict.fromkeys(media_ids))
        parent, attachments = await self._check_new(author_id, draft, media_ids, poll)
        content, mentions, tags = await self._render(draft.text)
        status = Status(
            id=status_id if status_id is not None else new_id(),
            account_id=author_id,
            text=draft.text,
            content=content,
            visibility=draft.visibility,
            spoiler_text=draft.spoiler_text,
            sensitive=draft.sensitive or bool(draft.spoiler_text),
            language=draft.language,
            in_reply_to_id=parent.id if parent else None,
            in_reply_to_account_id=parent.account_id if parent else None,
            conversation_id=parent.thread_id if parent else None,
            mentions=mentions,
            tags=tags,
            application=application,
            media_ids=media_ids,
        )
        created = event(STATUS_CREATED, author_id, status_payload(status), self.tenant)
        if poll is not None and self.polls is not None:  # first: whoever renders the status finds it
            await self.polls.create(_new_poll(status, poll))
        first = _version(status, status.created_at, attachments, poll)
        # the author's statuses_count commits with the status and its event (the accounts role's
        # counter, written through its adapter: the stores share one database)
        counted = CountsChange(author_id, statuses=1, last_status_at=status.created_at.date())
        made = await self.statuses.create(
            status, [(POSTS, created)], idempotency_key=idempotency_key, version=first, counts=[counted]
        )
        if made != status.id:  # a retry: the first try's status stands
            if poll is not None and self.polls is not None:
                await self.polls.remove_for_status(status.id)
            earlier = await self.statuses.get(made)
            if earlier is None:
                raise StatusRuleError("The status made with this Idempotency-Key was deleted")
            return earlier
        if media_ids and self.media is not None:
            await self.media.attach(author_id, media_ids, status.id)
        touched = [status.id] if media_ids else []  # a read between the insert and the attach saw no media
        if parent is not None:
            touched.append(parent.id)  # its replies_count
        await self.entities.invalidate([account_key(author_id), *(status_key(i) for i in touched)])
        return status

    async def edit(
        self,
        actor_id: int,
        status_id: int,
        draft: Draft,
        poll: PollDraft | None = None,
        media_ids: Sequence[int] = (),
        media_changes: Sequence[MediaChange] = (),
    ) -> Status:
        """Mastodon's edit replaces the whole status: the media of ``media_ids`` in that order (the
        author's unused ones, or ones the status has or had; none given: none left), their alt text
        and focus changed by ``media_changes``, and the poll (see ``_edit_poll``). Everything is
        checked before anything is written."""
        status = await self.own(status_id, actor_id)
        check_editable(status)
        media_ids = tuple(dict.fromkeys(media_ids))
        validate_draft(draft, media_count=len(media_ids))
        self._check_poll(poll, len(media_ids))
        attachments = revise(await self._media_for(actor_id, media_ids, status.id), media_changes)
        content, mentions, tags = await self._render(draft.text)
        now = dt.datetime.now(dt.UTC)
        edited = dataclasses.replace(
            status,
            text=draft.text,
            content=content,
            spoiler_text=draft.spoiler_text,
            sensitive=draft.sensitive or bool(draft.spoiler_text),
            language=draft.language or status.language,
            mentions=mentions,
            tags=tags,
            media_ids=media_ids,
            edited_at=now,
        )
        updated = event(STATUS_UPDATED, actor_id, status_payload(edited), self.tenant)
        if attachments and self.media is not None:  # before the status names them: all or none
            await self.media.attach_revised(actor_id, status.id, attachments)
        await self._edit_poll(edited, poll)
        await self.statuses.update(edited, _version(edited, now, attachments, poll), [(POSTS, updated)])
        await self.entities.invalidate([status_key(status.id)])
        return edited

    async def _edit_poll(self, status: Status, draft: PollDraft | None) -> None:
        """Mastodon's rules: a poll in the edit replaces the old one's options and expiry (its votes
        go when the options or the multiple flag change); an edit without a poll removes it."""
        if self.polls is None:
            return
        current = (await self.polls.for_statuses([status.id])).get(status.id)
        if draft is None:
            if current is not None:
                await self.polls.remove_for_status(status.id)
        elif current is None:
            await self.polls.create(_new_poll(status, draft))
        else:
            fresh = dataclasses.replace(_new_poll(status, draft), id=current.id)
            await self.polls.replace(fresh, reset_votes=replaces_votes(current, draft))

    async def delete(self, actor_id: int, status_id: int) -> Status:
        status = await self.own(status_id, actor_id)
        rebloggers = await self.statuses.reblogger_ids(status.id)
        payload = status_payload(status)
        deleted = event(STATUS_DELETED, actor_id, payload, self.tenant)
        removed = await self.statuses.delete(status.id, [(POSTS, deleted)])
        if not removed:
            raise NotFoundError("Record not found")
        if self.polls is not None:
            await self.polls.remove_for_status(status.id)
        await self.accounts.adjust_counts(actor_id, statuses=-1)
        for reblogger in rebloggers:
            await self.accounts.adjust_counts(reblogger, statuses=-1)
        touched = [*removed, *(i for i in (status.in_reply_to_id, status.reblog_of_id) if i is not None)]
        await self.entities.invalidate(status_key(i) for i in touched)
        return status


def _version(
    status: Status, at: dt.datetime, attachments: Sequence[MediaAttachment], poll: PollDraft | None
) -> StatusEdit:
    """The history row of ``status`` as it is now: its media with their alt text, its poll's options."""
    return StatusEdit(
        status.id, status.text, status.content, status.spoiler_text, status.sensitive, at,
        media_ids=tuple(m.id for m in attachments), media_descriptions=tuple(m.description for m in attachments),
        poll_options=poll.options if poll is not None else None,
    )  # fmt: skip


def _new_poll(status: Status, draft: PollDraft) -> Poll:
    return Poll(
        id=new_id(),
        status_id=status.id,
        account_id=status.account_id,
        options=draft.options,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=draft.expires_in),
        multiple=draft.multiple,
        hide_totals=draft.hide_totals,
    )


def _ctx(status: Status, viewer_id: int | None, relations: ViewerRelations) -> ViewerContext:
    return ViewerContext(
        viewer_id,
        follows_author=status.account_id in relations.following,
        blocked=relations.blocked_either_way(status.account_id),
    )


def _thread_order(descendants: list[Status]) -> list[Status]:
    """Depth-first by reply, each level oldest first (how Mastodon lists a thread)."""
    children: dict[int | None, list[Status]] = {}
    ids = {s.id for s in descendants}
    for status in sorted(descendants, key=lambda s: s.id):
        parent = status.in_reply_to_id if status.in_reply_to_id in ids else None
        children.setdefault(parent, []).append(status)
    ordered: list[Status] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        current = stack.pop()
        ordered.append(current)
        stack.extend(reversed(children.get(current.id, [])))
    return ordered
