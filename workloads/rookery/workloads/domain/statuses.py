"""Statuses: posts, replies, reblogs, their edits, and who may see or act on them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from rookery.workloads.domain import errors
from rookery.workloads.ids import timestamp_ms

PUBLIC = "public"
UNLISTED = "unlisted"
PRIVATE = "private"
DIRECT = "direct"
VISIBILITIES = (PUBLIC, UNLISTED, PRIVATE, DIRECT)

MAX_CHARS = 500
MAX_SPOILER_CHARS = 500
MAX_PINNED = 5
MAX_MEDIA = 4


class StatusRuleError(errors.RuleViolation):
    """A use of a status the rules do not allow (the API answers 422; ``Forbidden`` 403)."""


class Forbidden(errors.Forbidden, StatusRuleError):
    """The viewer may not act on this status at all."""


def created_at_of(status_id: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp_ms(status_id) / 1000, dt.UTC)


@dataclasses.dataclass(slots=True)
class Status:
    id: int
    account_id: int
    text: str
    content: str
    visibility: str = PUBLIC
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    in_reply_to_id: int | None = None
    in_reply_to_account_id: int | None = None
    reblog_of_id: int | None = None
    mentions: tuple[int, ...] = ()  # account ids
    tags: tuple[str, ...] = ()  # lower-case names
    media_ids: tuple[int, ...] = ()  # attachments (media role), in display order
    application: str | None = None  # the app's name, shown on the entity
    edited_at: dt.datetime | None = None
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0
    conversation_id: int | None = None  # the thread's root status (None: this status is the root)

    @property
    def thread_id(self) -> int:
        """The conversation this status belongs to: its root's id (replies inherit the parent's)."""
        return self.conversation_id if self.conversation_id is not None else self.id

    @property
    def created_at(self) -> dt.datetime:
        return created_at_of(self.id)

    @property
    def is_reblog(self) -> bool:
        return self.reblog_of_id is not None


@dataclasses.dataclass(frozen=True, slots=True)
class StatusEdit:
    """One version of a status: the original and every edit keep one row each, with the media it
    showed (in order, and their alt text then) and its poll's options (None: it had no poll)."""

    status_id: int
    text: str
    content: str
    spoiler_text: str
    sensitive: bool
    created_at: dt.datetime
    media_ids: tuple[int, ...] = ()
    media_descriptions: tuple[str | None, ...] = ()  # beside media_ids; none kept: the current ones
    poll_options: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Draft:
    """What a client asks to post, validated."""

    text: str
    visibility: str = PUBLIC
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    in_reply_to_id: int | None = None


def validate_draft(draft: Draft, *, media_count: int = 0) -> None:
    if draft.visibility not in VISIBILITIES:
        raise StatusRuleError(f"Visibility must be one of {', '.join(VISIBILITIES)}")
    if not draft.text.strip() and media_count == 0:
        raise StatusRuleError("Text can't be blank")
    if len(draft.text) > MAX_CHARS:
        raise StatusRuleError(f"Text is too long (maximum is {MAX_CHARS} characters)")
    if len(draft.spoiler_text) > MAX_SPOILER_CHARS:
        raise StatusRuleError(f"Spoiler text is too long (maximum is {MAX_SPOILER_CHARS} characters)")
    if media_count > MAX_MEDIA:
        raise StatusRuleError(f"At most {MAX_MEDIA} media attachments")
    if draft.language is not None and not (2 <= len(draft.language) <= 8 and draft.language.isascii()):
        raise StatusRuleError("Language must be an ISO 639 code")


@dataclasses.dataclass(frozen=True, slots=True)
class ViewerContext:
    """What the visibility rule needs to know about one viewer and one status's author."""

    viewer_id: int | None
    follows_author: bool = False
    blocked: bool = False  # either way: the viewer blocks the author, or the author blocks the viewer


def can_see(status: Status, ctx: ViewerContext) -> bool:
    """Author always; nobody across a block; public/unlisted anyone; private followers and the
    mentioned; direct only the mentioned."""
    if ctx.viewer_id is not None and ctx.viewer_id == status.account_id:
        return True
    if ctx.blocked:
        return False
    if status.visibility in (PUBLIC, UNLISTED):
        return True
    if ctx.viewer_id is None:
        return False
    mentioned = ctx.viewer_id in status.mentions
    if status.visibility == PRIVATE:
        return ctx.follows_author or mentioned
    return mentioned


def check_reblog(status: Status, actor_id: int) -> None:
    if status.visibility == DIRECT:
        raise Forbidden("Direct posts can't be reblogged")
    if status.visibility == PRIVATE and status.account_id != actor_id:
        raise Forbidden("Followers-only posts can't be reblogged")


def check_editable(status: Status) -> None:
    if status.is_reblog:
        raise StatusRuleError("Reblogs can't be edited")


def check_participant(status: Status, root: Status | None, actor_id: int) -> None:
    """Muting a conversation needs a part in it: the actor wrote or is mentioned in the status or
    in the thread's root."""
    for candidate in (status, root):
        if candidate is not None and (candidate.account_id == actor_id or actor_id in candidate.mentions):
            return
    raise StatusRuleError("You can only mute conversations you are part of")


def check_pinnable(status: Status, actor_id: int, pinned_count: int) -> None:
    """Mastodon's pin rules and messages (422): someone else's post is a rule broken, not a 403."""
    if status.account_id != actor_id:
        raise StatusRuleError("Someone else's post cannot be pinned")
    if status.is_reblog:
        raise StatusRuleError("Reblogs can't be pinned")
    if status.visibility == DIRECT:
        raise StatusRuleError("Posts that are only visible to mentioned users cannot be pinned")
    if pinned_count >= MAX_PINNED:
        raise StatusRuleError("You have already pinned the maximum number of posts")


@dataclasses.dataclass(frozen=True, slots=True)
class StatusQuery:
    """Filters of the account, hashtag and public timelines (all optional)."""

    account_id: int | None = None
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    only_media: bool = False
    tagged: str | None = None
    any_tags: tuple[str, ...] = ()
    all_tags: tuple[str, ...] = ()
    none_tags: tuple[str, ...] = ()
    visibilities: tuple[str, ...] = ("public",)
    include_reblogs: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class ViewerFlags:
    """Which of a batch of statuses the viewer has favourited, reblogged, bookmarked, pinned."""

    favourited: frozenset[int] = frozenset()
    reblogged: frozenset[int] = frozenset()
    bookmarked: frozenset[int] = frozenset()
    pinned: frozenset[int] = frozenset()
    muted: frozenset[int] = frozenset()  # statuses in a conversation the viewer muted
