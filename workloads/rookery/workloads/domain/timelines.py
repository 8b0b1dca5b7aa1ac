"""Home, account, hashtag and public timelines: what goes in, and what a reader may see.

Fan-out is hybrid: an author with at most ``threshold`` followers has each post pushed into every
follower's stored home timeline; a bigger author's posts are merged in when a follower reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from rookery.workloads.domain.graph import ViewerRelations


@dataclasses.dataclass(frozen=True, slots=True)
class TimelineEntry:
    status_id: int
    account_id: int  # who posted (or reblogged) it
    reblog_of_id: int | None = None
    reblog_account_id: int | None = None  # author of the reblogged status
    visibility: str = "public"
    in_reply_to_account_id: int | None = None

    @property
    def content_id(self) -> int:
        """The status whose content the entry shows (the original of a reblog)."""
        return self.reblog_of_id if self.reblog_of_id is not None else self.status_id

    def accounts(self) -> tuple[int, ...]:
        if self.reblog_account_id is None:
            return (self.account_id,)
        return (self.account_id, self.reblog_account_id)


def pushes(follower_count: int, threshold: int) -> bool:
    """The fan-out decision: push on write, or leave the post to be merged on read."""
    return follower_count <= threshold


def merge(*sources: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """Union of entry lists, newest first, each status once."""
    by_id: dict[int, TimelineEntry] = {}
    for source in sources:
        for entry in source:
            by_id.setdefault(entry.status_id, entry)
    return sorted(by_id.values(), key=lambda e: e.status_id, reverse=True)


def involved_accounts(entries: Iterable[TimelineEntry]) -> set[int]:
    """The accounts whose relations to the viewer decide whether entries show: authors,
    reblogged authors, the accounts replied to."""
    return {a for e in entries for a in (*e.accounts(), e.in_reply_to_account_id) if a is not None}


def without_hidden(entries: Iterable[TimelineEntry], relations: ViewerRelations) -> list[TimelineEntry]:
    """Muted and blocked accounts vanish, as reblogger or as author of what is reblogged."""
    hidden = relations.hidden_accounts()
    if not hidden:
        return list(entries)
    return [
        e
        for e in entries
        if e.account_id not in hidden and (e.reblog_account_id is None or e.reblog_account_id not in hidden)
    ]


def still_visible(entry: TimelineEntry, viewer_id: int, relations: ViewerRelations) -> bool:
    """Re-check on read what may have changed since the push: reblogs of accounts followed with
    reblogs=false are hidden; a followers-only post stays only while the viewer follows its
    author; a reply to someone the viewer does not follow is left
    out (Mastodon's home rule); direct posts were pushed only to the mentioned."""
    if entry.account_id == viewer_id:
        return True
    if entry.reblog_of_id is not None and entry.account_id in relations.hiding_reblogs:
        return False
    if entry.visibility == "private" and entry.account_id not in relations.following:
        return False
    replied = entry.in_reply_to_account_id
    return replied is None or replied in (viewer_id, entry.account_id) or replied in relations.following


def collapse_reblogs(entries_newest_first: list[TimelineEntry]) -> list[TimelineEntry]:
    """Show a status once: a reblog of something already shown further down (older) is dropped,
    as is a second reblog of the same status."""
    kept: list[TimelineEntry] = []
    seen: set[int] = set()
    for entry in reversed(entries_newest_first):  # oldest first: the first appearance wins
        content_id = entry.status_id if entry.reblog_of_id is None else entry.reblog_of_id
        if content_id in seen:
            continue
        seen.add(content_id)
        kept.append(entry)
    kept.reverse()
    return kept


def home_recipients(
    author_id: int,
    followers: Iterable[int],
    *,
    visibility: str,
    mentioned: Iterable[int] = (),
) -> set[int]:
    """Whose stored home timelines a pushed post enters: the author, followers (not for direct
    posts), and the mentioned for direct posts."""
    recipients = {author_id}
    if visibility == "direct":
        recipients.update(mentioned)
    else:
        recipients.update(followers)
    return recipients


@dataclasses.dataclass(frozen=True, slots=True)
class Marker:
    timeline: str  # "home" | "notifications"
    last_read_id: int
    version: int
    updated_at: dt.datetime
