"""Posts role: statuses, edits, favourites, bookmarks, pins, conversation mutes and direct-message
conversations.

Writes take ``events``: (stream, Event) pairs the adapter stores in the outbox in the SAME
transaction as the state change, so nothing is published that did not commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

from rookery.workloads.domain.accounts import CountsChange
from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.polls import Poll
from rookery.workloads.domain.statuses import Status, StatusEdit, StatusQuery, ViewerFlags
from rookery.workloads.domain.timelines import TimelineEntry


class ConversationMuteStore(Protocol):
    """Muted conversations (threads, by their root status id) per account: no notifications from them."""

    async def mute(self, account_id: int, conversation_id: int) -> None: ...

    async def unmute(self, account_id: int, conversation_id: int) -> None: ...

    async def muted(self, account_id: int, conversation_ids: Sequence[int]) -> set[int]:
        """Which of the conversations the account muted."""
        ...


class StatusRepository(Protocol):
    async def create(
        self,
        status: Status,
        events: OutboxEvents = (),
        idempotency_key: str | None = None,
        version: StatusEdit | None = None,
        counts: Sequence[CountsChange] = (),
    ) -> int:
        """Store a status (and its first history version: ``version``, else the status's own fields
        and media ids); bumps the parent's replies_count or the original's reblogs_count; returns
        its id. With ``idempotency_key``, the key is stored in the same transaction, and a status
        its author already made with that key wins: nothing is written and that status's id is
        returned. ``counts``: the accounts' counter changes, applied in the same transaction
        through the accounts adapter (the stores share one database)."""
        ...

    async def get(self, status_id: int) -> Status | None: ...

    async def get_many(self, status_ids: Sequence[int]) -> dict[int, Status]: ...

    async def update(self, status: Status, edit: StatusEdit, events: OutboxEvents = ()) -> None:
        """Replace the editable fields (text, content, spoiler_text, sensitive, language, mentions,
        tags, media_ids, edited_at) and append ``edit`` to the history."""
        ...

    async def delete(self, status_id: int, events: OutboxEvents = ()) -> list[int]:
        """Delete a status and the reblogs of it; returns every status id removed."""
        ...

    async def history(self, status_id: int) -> list[StatusEdit]: ...

    async def reblog_by(self, account_id: int, status_id: int) -> Status | None: ...

    async def reblogger_ids(self, status_id: int) -> list[int]: ...

    async def reblogs_of(self, status_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(reblog status id, reblogger account id), newest first."""
        ...

    async def replies_to(self, status_ids: Sequence[int]) -> list[Status]: ...

    async def query(self, query: StatusQuery, page: PageRequest) -> list[Status]:
        """Statuses matching ``query``, newest first (min_id pages: the ones right after min_id)."""
        ...

    async def by_authors(self, account_ids: Sequence[int], page: PageRequest) -> list[TimelineEntry]:
        """Recent non-direct statuses and reblogs of these authors (celebrity merge on read)."""
        ...

    async def tag_usage(self, account_id: int, tags: Sequence[str] | None, limit: int) -> list[tuple[str, int, int]]:
        """(tag, statuses, newest status id) of the author's public and unlisted posts (no
        reblogs): for ``tags`` only, or the most used first when None."""
        ...


class InteractionStore(Protocol):
    """Favourites, bookmarks and pins; counters on the status change in the same transaction."""

    async def favourite(self, account_id: int, status_id: int, events: OutboxEvents = ()) -> bool: ...

    async def unfavourite(self, account_id: int, status_id: int) -> bool: ...

    async def bookmark(self, account_id: int, status_id: int) -> bool: ...

    async def unbookmark(self, account_id: int, status_id: int) -> bool: ...

    async def pin(self, account_id: int, status_id: int) -> bool: ...

    async def unpin(self, account_id: int, status_id: int) -> bool: ...

    async def pinned_ids(self, account_id: int) -> list[int]: ...

    async def favourited_by(self, status_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(favourite row id, account id), newest first."""
        ...

    async def favourites_of(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(favourite row id, status id), newest first."""
        ...

    async def bookmarks_of(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]: ...

    async def viewer_flags(self, account_id: int, status_ids: Sequence[int]) -> ViewerFlags: ...


class ConversationStore(Protocol):
    """Mastodon's account conversations: one row per (owner, set of other participants), moved
    by every direct status among them."""

    async def record(
        self, owner_id: int, participants: Sequence[int], status_id: int, *, unread: bool
    ) -> Conversation:
        """Add ``status_id`` to the owner's conversation with ``participants`` (created on first
        use); the newest status becomes ``last_status_id``. Idempotent per (owner, status)."""
        ...

    async def remove_status(self, status_id: int) -> list[Conversation]:
        """Forget a deleted status; conversations left without statuses are deleted. Returns the
        conversations that still exist and changed."""
        ...

    async def of_owner(self, owner_id: int, page: PageRequest) -> list[Conversation]:
        """Newest ``last_status_id`` first; the page applies to ``last_status_id``."""
        ...

    async def get(self, owner_id: int, conversation_id: int) -> Conversation | None: ...

    async def mark_read(self, owner_id: int, conversation_id: int) -> Conversation | None: ...

    async def delete(self, owner_id: int, conversation_id: int) -> bool: ...


VoteOutcome = Literal["voted", "already_voted", "expired", "missing"]
PollAnnouncer = Callable[[Poll, list[int]], OutboxEvents]


class PollStore(Protocol):
    """Polls of statuses and their votes; the tallies are counted from the votes on read."""

    async def create(self, poll: Poll) -> None: ...

    async def get(self, poll_id: int) -> Poll | None: ...

    async def for_statuses(self, status_ids: Sequence[int]) -> dict[int, Poll]:
        """The polls of these statuses, by status id."""
        ...

    async def own_votes(self, account_id: int, poll_ids: Sequence[int]) -> dict[int, list[int]]:
        """The choices the account voted for, by poll id (polls without its votes left out)."""
        ...

    async def vote(self, poll_id: int, account_id: int, choices: Sequence[int], now: dt.datetime) -> VoteOutcome:
        """Record the choices at once or none of them: "already_voted" when the account voted on a
        single-choice poll before, or for one of these choices on a multiple-choice one."""
        ...

    async def replace(self, poll: Poll, *, reset_votes: bool) -> None:
        """An edit: new options, expiry and flags for the poll ``poll.id``; votes kept unless reset."""
        ...

    async def remove_for_status(self, status_id: int) -> None: ...

    async def close_expired(self, now: dt.datetime, limit: int, announce: PollAnnouncer) -> list[Poll]:
        """Close up to ``limit`` polls expired by ``now`` that are still open, each exactly once
        even with several closers at a time; ``announce(poll, voter_ids)`` gives the events that
        go to the outbox in the same transaction."""
        ...
