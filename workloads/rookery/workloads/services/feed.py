"""Feed use cases: the home, account, hashtag and public timelines.

Home is hybrid: the reader's stored timeline (pushed on write for authors at or under the fan-out
threshold) merged with the recent posts of followed authors above it. On read, muted and blocked
accounts vanish, visibility is re-checked and reblogs of statuses already shown collapse.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.pagination import PageRequest, select_page, trim
from rookery.workloads.domain.statuses import DIRECT, PRIVATE, PUBLIC, UNLISTED, Status, StatusQuery
from rookery.workloads.domain.timelines import (
    TimelineEntry,
    collapse_reblogs,
    involved_accounts,
    merge,
    still_visible,
    without_hidden,
)
from rookery.workloads.ports.feed import TimelineStore
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.posts import InteractionStore, StatusRepository
from rookery.workloads.services.posts import PostsService

OVERFETCH = 10  # entries read beyond the limit, so filtering rarely leaves a page short
CELEBRITY_TTL_S = 2.0


@dataclasses.dataclass(frozen=True, slots=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_max_id: int | None  # Link rel="next"
    prev_min_id: int | None  # Link rel="prev"


def cursors(ids_newest_first: Sequence[int]) -> tuple[int | None, int | None]:
    if not ids_newest_first:
        return None, None
    return ids_newest_first[-1], ids_newest_first[0]


def entry_of(status: Status, reblog_account_id: int | None = None) -> TimelineEntry:
    return TimelineEntry(
        status.id,
        status.account_id,
        status.reblog_of_id,
        reblog_account_id,
        status.visibility,
        status.in_reply_to_account_id,
    )


class HomeRanker(Protocol):
    async def rank(self, viewer_id: int, entries: Sequence[TimelineEntry]) -> list[TimelineEntry]: ...


class FeedService:
    def __init__(
        self,
        timelines: TimelineStore,
        statuses: StatusRepository,
        interactions: InteractionStore,
        graph: GraphStore,
        posts: PostsService,
        *,
        ranker: HomeRanker | None = None,
        celebrity_ttl_s: float = CELEBRITY_TTL_S,
    ) -> None:
        """``celebrity_ttl_s``: how long the celebrity set is kept before the store is asked again
        (0 where the store keeps it itself, exactly: embedded mode's, by the database's version)."""
        self.timelines = timelines
        self.statuses = statuses
        self.interactions = interactions
        self.graph = graph
        self.posts = posts
        self._celebrities: tuple[float, frozenset[int]] = (-math.inf, frozenset())
        self.celebrity_ttl_s = celebrity_ttl_s
        self.ranker = ranker  # ROOKERY_RANKING_ENABLED (services/ranking.py)

    async def celebrities(self) -> frozenset[int]:
        loaded_at, found = self._celebrities
        if time.monotonic() - loaded_at >= self.celebrity_ttl_s:
            loaded = frozenset(await self.timelines.celebrities())
            found = found if loaded == found else loaded  # unchanged: the same object (a kept page's stamp)
            self._celebrities = (time.monotonic(), found)
        return found

    @property
    def celebrities_now(self) -> frozenset[int]:
        """The celebrity set last loaded: part of a kept home page's stamp in production (a page made
        while it is reloaded is kept under the older set, so it is made again, never served stale)."""
        return self._celebrities[1]

    async def deliver_to_author(self, status: Status, reblog_account_id: int | None = None) -> None:
        """The author sees their own post at once; followers get it through the fan-out consumer."""
        await self.timelines.push([status.account_id], entry_of(status, reblog_account_id))

    async def stored_home(self, viewer_id: int, page: PageRequest) -> list[TimelineEntry]:
        """The entries of the viewer's stored timeline that ``home`` of ``page`` starts from."""
        return await self.timelines.range(viewer_id, page.widened(OVERFETCH))

    async def home(
        self, viewer_id: int, page: PageRequest, stored: list[TimelineEntry] | None = None
    ) -> TimelinePage:
        """``stored``: what ``stored_home`` answered for this page, when the caller read it."""
        wide = page.widened(OVERFETCH)
        if stored is None:
            stored = await self.timelines.range(viewer_id, wide)
        celebrities = await self.celebrities()
        # one read of the viewer's relations toward the stored entries' accounts and the celebrities
        # (their posts are merged in when followed); only accounts the merged entries add are read after
        asked = involved_accounts(stored) | celebrities
        relations = await self.graph.viewer_relations(viewer_id, sorted(asked))
        merged: list[TimelineEntry] = []
        followed = relations.following & celebrities
        if followed:
            merged = await self.statuses.by_authors(sorted(followed), wide)
            if merged and self.posts.moderation is not None:  # pushed entries are removed on hide
                merged = [e for e in merged if self.posts.moderation.entry_visible(e, viewer_id)]
        raw = select_page(merge(stored, merged), wide, key=lambda e: e.status_id)
        unasked = involved_accounts(raw) - asked
        if unasked:
            relations = relations.joined(await self.graph.viewer_relations(viewer_id, sorted(unasked)))
        shown = [e for e in without_hidden(raw, relations) if still_visible(e, viewer_id, relations)]
        entries = trim(collapse_reblogs(shown), page)
        next_max, prev_min = cursors([e.status_id for e in entries])
        if next_max is None and raw and not page.ascending:
            next_max = raw[-1].status_id  # everything read was filtered: let the client read on
        if self.ranker is not None and page.max_id is None and page.lower is None:
            entries = await self.ranker.rank(viewer_id, entries)  # first page only; cursors as computed
        return TimelinePage(entries, next_max, prev_min)

    async def _statuses_page(
        self,
        found: list[Status],
        viewer_id: int | None,
        page: PageRequest,
        relations: ViewerRelations | None = None,
    ) -> TimelinePage:
        """``relations``: read by the caller for every author of ``found`` (else read here, once)."""
        if relations is None:
            relations = await self.posts.relations(viewer_id, list({s.account_id for s in found}))
        shown = [s for s in found if not relations.hidden(s.account_id)]
        visible = trim(await self.posts.visible_filter(shown, viewer_id, relations), page)
        next_max, prev_min = cursors([s.id for s in visible])
        if next_max is None and found and not page.ascending:
            next_max = found[-1].id
        return TimelinePage([entry_of(s) for s in visible], next_max, prev_min)

    async def account(
        self,
        account_id: int,
        viewer_id: int | None,
        page: PageRequest,
        *,
        exclude_replies: bool = False,
        exclude_reblogs: bool = False,
        only_media: bool = False,
        pinned: bool = False,
        tagged: str | None = None,
    ) -> TimelinePage:
        relations = await self.posts.relations(viewer_id, [account_id])
        if relations.blocked_either_way(account_id):
            return TimelinePage([], None, None)
        if pinned:
            if page.max_id is not None or page.lower is not None:
                return TimelinePage([], None, None)
            ids = await self.interactions.pinned_ids(account_id)
            found = await self.posts.get_many_visible(ids, viewer_id)
            return TimelinePage([entry_of(s) for s in found], None, None)
        if viewer_id == account_id:
            visibilities: tuple[str, ...] = (PUBLIC, UNLISTED, PRIVATE, DIRECT)
        elif account_id in relations.following:
            visibilities = (PUBLIC, UNLISTED, PRIVATE)
        else:
            visibilities = (PUBLIC, UNLISTED)
        query = StatusQuery(
            account_id=account_id,
            exclude_replies=exclude_replies,
            exclude_reblogs=exclude_reblogs,
            only_media=only_media,
            tagged=tagged.lower() if tagged else None,
            visibilities=visibilities,
        )
        found = await self.statuses.query(query, page.widened(OVERFETCH))
        # every status found is the account's: the relations read above answer for all of them
        page_result = await self._statuses_page(found, viewer_id, page, relations)
        originals = await self.posts.get_many_visible(
            [e.reblog_of_id for e in page_result.entries if e.reblog_of_id], viewer_id
        )
        shown = {s.id for s in originals}
        entries = [e for e in page_result.entries if e.reblog_of_id is None or e.reblog_of_id in shown]
        return dataclasses.replace(page_result, entries=entries)

    async def public(
        self,
        viewer_id: int | None,
        page: PageRequest,
        *,
        local: bool = False,
        remote: bool = False,
        only_media: bool = False,
    ) -> TimelinePage:
        if remote and not local:  # no federation yet: nothing is remote
            return TimelinePage([], None, None)
        query = StatusQuery(
            exclude_replies=True, include_reblogs=False, only_media=only_media, visibilities=(PUBLIC,)
        )
        found = await self.statuses.query(query, page.widened(OVERFETCH))
        if self.posts.moderation is not None:  # silenced accounts leave the public timelines
            found = [s for s in found if self.posts.moderation.in_public(s)]
        return await self._statuses_page(found, viewer_id, page)

    async def hashtag(
        self,
        tag: str,
        viewer_id: int | None,
        page: PageRequest,
        *,
        any_tags: Sequence[str] = (),
        all_tags: Sequence[str] = (),
        none_tags: Sequence[str] = (),
        remote: bool = False,
        only_media: bool = False,
    ) -> TimelinePage:
        if remote:
            return TimelinePage([], None, None)
        query = StatusQuery(
            any_tags=tuple(t.lower() for t in (tag, *any_tags)),
            all_tags=tuple(t.lower() for t in all_tags),
            none_tags=tuple(t.lower() for t in none_tags),
            include_reblogs=False,
            only_media=only_media,
            visibilities=(PUBLIC,),
        )
        found = await self.statuses.query(query, page.widened(OVERFETCH))
        if self.posts.moderation is not None:
            found = [s for s in found if self.posts.moderation.in_public(s)]
        return await self._statuses_page(found, viewer_id, page)
