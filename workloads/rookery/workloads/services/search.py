"""Search use cases (search role): accounts, statuses and hashtags through the SearchIndex port,
with the viewer's context; and what gets indexed.

Which statuses a viewer can find (our choice, close to Mastodon 4's opt-in full-text search, and
written down in the README): public and unlisted statuses of anyone, plus the viewer's own and
those that mention the viewer, whatever their visibility; never statuses by accounts the viewer
blocks or mutes, or by accounts that block the viewer (checked again on the results with the same
visibility rule as every other read). Reblogs are not indexed (the original is).
Anonymous callers find accounts, hashtags and public/unlisted statuses.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from rookery.workloads.delegation import delegate
from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.search import AccountDocument, StatusDocument, StatusSearch, TagUse
from rookery.workloads.domain.statuses import Status
from rookery.workloads.ports.accounts import AccountRepository
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.search import SearchIndex, TagFollowStore
from rookery.workloads.services.posts import PostsService

log = logging.getLogger("rookery.search")
RELATION_PAGE = 200
MAX_RELATIONS = 2000  # blocks / mutes / follows considered per query
OVERFETCH = 2


def account_document(account: Account) -> AccountDocument:
    return AccountDocument(
        id=account.id,
        username=account.username,
        display_name=account.display_name,
        note=account.note,
        followers_count=account.followers_count,
        discoverable=account.discoverable,
    )


def status_document(status: Status) -> StatusDocument:
    text = f"{status.spoiler_text}\n{status.text}" if status.spoiler_text else status.text
    return StatusDocument(
        id=status.id,
        account_id=status.account_id,
        text=text,
        visibility=status.visibility,
        tags=status.tags,
        mentions=status.mentions,
        created_at=status.created_at,
    )


class SearchService:
    def __init__(
        self,
        index: SearchIndex,
        graph: GraphStore | None,
        posts: PostsService | None,
        tag_follows: TagFollowStore | None = None,
    ) -> None:
        self.index = index
        self.graph = graph
        self.posts = posts
        self.tag_follows = tag_follows

    # --- indexing ---------------------------------------------------------------------------

    async def index_account(self, account: Account) -> None:
        await index_account(self.index, account)

    async def index_status(self, status: Status) -> None:
        if status.reblog_of_id is None:
            await self.index.index_statuses([status_document(status)])

    async def remove_statuses(self, status_ids: Sequence[int]) -> None:
        await self.index.delete_statuses(status_ids)

    # --- queries ----------------------------------------------------------------------------

    async def _ids(self, fetch: Any, account_id: int) -> list[int]:
        """Account ids of a paged graph list (blocks, mutes, following), up to MAX_RELATIONS."""
        found: list[int] = []
        page = PageRequest(limit=RELATION_PAGE)
        while len(found) < MAX_RELATIONS:
            rows = await fetch(account_id, page)
            found += [other for _, other in rows]
            if len(rows) < RELATION_PAGE:
                break
            page = PageRequest(max_id=rows[-1][0], limit=RELATION_PAGE)
        return found

    async def accounts(
        self, text: str, *, viewer_id: int | None, limit: int, offset: int = 0, following: bool = False
    ) -> list[int]:
        among = None
        if following and viewer_id is not None and self.graph is not None:
            among = await self._ids(self.graph.following, viewer_id)
        return await self.index.search_accounts(text, limit=limit, offset=offset, among=among)

    async def statuses(
        self,
        text: str,
        *,
        viewer_id: int | None,
        limit: int,
        offset: int = 0,
        account_id: int | None = None,
        max_id: int | None = None,
        min_id: int | None = None,
    ) -> list[Status]:
        excluded: set[int] = set()
        if viewer_id is not None and self.graph is not None:
            excluded.update(await self._ids(self.graph.blocks, viewer_id))
            excluded.update(await self._ids(self.graph.mutes, viewer_id))
        query = StatusSearch(
            text=text,
            viewer_id=viewer_id,
            exclude_account_ids=frozenset(excluded),
            account_id=account_id,
            max_id=max_id,
            min_id=min_id,
            limit=limit * OVERFETCH + 5,
            offset=offset,
        )
        ids = await self.index.search_statuses(query)
        if self.posts is None:
            return []
        # the index may lag a block or a visibility change: the read rules decide
        return (await self.posts.get_many_visible(ids, viewer_id))[:limit]

    async def hashtags(self, text: str, *, limit: int, offset: int = 0) -> list[str]:
        return await self.index.search_hashtags(text, limit=limit, offset=offset)

    async def hashtag_history(self, name: str, days: int = 7) -> list[TagUse]:
        return await self.index.hashtag_history(name, days, dt.datetime.now(dt.UTC).date())

    # --- followed hashtags --------------------------------------------------------------------

    async def follow_tag(self, account_id: int, name: str) -> None:
        if self.tag_follows is not None:
            await self.tag_follows.follow(account_id, name)

    async def unfollow_tag(self, account_id: int, name: str) -> None:
        if self.tag_follows is not None:
            await self.tag_follows.unfollow(account_id, name)

    async def following_tags(self, account_id: int | None, names: Sequence[str]) -> set[str]:
        if account_id is None or self.tag_follows is None:
            return set()
        return await self.tag_follows.following(account_id, names)

    async def followed_tags(self, account_id: int, page: PageRequest) -> list[tuple[int, str]]:
        if self.tag_follows is None:
            return []
        return await self.tag_follows.followed(account_id, page)


async def index_account(index: SearchIndex, account: Account) -> None:
    """A suspended account leaves the index; any other is (re)indexed."""
    if account.suspended:
        await index.delete_account(account.id)
    else:
        await index.index_accounts([account_document(account)])


class IndexedAccountRepository:
    """AccountRepository decorator: accounts are indexed as they are written (the accounts role has
    no events yet); an indexing failure is logged, the account write stands. It writes to the index
    directly (not through SearchService), so it wraps the repository before the services exist."""

    def __init__(self, inner: AccountRepository, index: SearchIndex) -> None:
        self._inner = inner
        self._index_port = index

    def __getattr__(self, name: str) -> Any:
        return delegate(self, self._inner, name)

    async def _index(self, account: Account) -> None:
        try:
            await index_account(self._index_port, account)
        except Exception:
            log.warning("indexing account %s failed", account.id, exc_info=True)

    async def create(self, account: Account) -> None:
        await self._inner.create(account)
        await self._index(account)

    async def update(self, account: Account) -> None:
        await self._inner.update(account)
        await self._index(account)
