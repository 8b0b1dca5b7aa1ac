"""What a profile shows beyond posts, and how people find each other: private notes, endorsed
accounts, featured hashtags, follow suggestions from the graph, the profile directory and
familiar followers.

Endorsing needs following (GraphService drops an endorsement when the follow ends); nobody is
shown an account on either side of a block with them."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.graph import Relationship, check_not_self
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.profiles import (
    MAX_FEATURED_TAGS,
    FeaturedTag,
    ProfileRuleError,
    check_note,
    featured_tag_name,
)
from rookery.workloads.ids import timestamp_ms
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.posts import StatusRepository
from rookery.workloads.ports.profiles import ProfileStore
from rookery.workloads.services.graph import GraphService
from rookery.workloads.services.social import AccountDirectory, NotFoundError

DIRECTORY_ORDERS = ("active", "new")
GRAPH_SCAN = 200  # follows read per account when walking the graph for suggestions
FAMILIAR_SCAN = 2000  # the viewer's follows considered for familiar followers


class ProfileAccounts(AccountDirectory, Protocol):
    """The accounts role with its directory listing (``AccountsService`` satisfies it)."""

    async def directory(self, order: str, limit: int, offset: int = 0) -> list[Account]: ...


@dataclasses.dataclass(frozen=True, slots=True)
class FeaturedTagView:
    tag: FeaturedTag
    statuses_count: int
    last_status_at: dt.date | None


@dataclasses.dataclass(frozen=True, slots=True)
class Suggestion:
    account_id: int
    sources: tuple[str, ...]  # Mastodon 4.3's: "friends_of_friends", "most_followed"


class ProfilesService:
    def __init__(
        self,
        store: ProfileStore,
        graph: GraphService,
        graph_store: GraphStore,
        accounts: ProfileAccounts,
        statuses: StatusRepository,
    ) -> None:
        self.store = store
        self.graph = graph
        self.graph_store = graph_store
        self.accounts = accounts
        self.statuses = statuses

    # --- notes and endorsements -----------------------------------------------------------------

    async def set_note(self, actor_id: int, target_id: int, comment: str) -> Relationship:
        await self.graph.target(target_id)
        await self.store.set_note(actor_id, target_id, check_note(comment))
        return await self.graph.relationship(actor_id, target_id)

    async def endorse(self, actor_id: int, target_id: int) -> Relationship:
        await self.graph.target(target_id)
        check_not_self(actor_id, target_id, "endorse")
        if not await self.graph_store.following_among(actor_id, [target_id]):
            raise ProfileRuleError("You must be already following the person you want to endorse")
        await self.store.endorse(actor_id, target_id)
        return await self.graph.relationship(actor_id, target_id)

    async def unendorse(self, actor_id: int, target_id: int) -> Relationship:
        await self.graph.target(target_id)
        await self.store.unendorse(actor_id, target_id)
        return await self.graph.relationship(actor_id, target_id)

    async def endorsements(
        self, owner_id: int, page: PageRequest, viewer_id: int | None = None
    ) -> list[tuple[int, int]]:
        """(row id, account id) of the accounts ``owner_id`` endorses, those on either side of a
        block with the viewer (or the owner) left out."""
        await self.graph.target(owner_id)
        pairs = await self.store.endorsements(owner_id, page)
        hidden: set[int] = set()
        for who in {owner_id, viewer_id} - {None}:
            assert who is not None
            relations = await self.graph_store.viewer_relations(who, [a for _, a in pairs])
            hidden |= relations.blocking | relations.blocked_by
        return [(row, a) for row, a in pairs if a not in hidden]

    # --- featured tags --------------------------------------------------------------------------

    async def featured_tags(self, account_id: int) -> list[FeaturedTagView]:
        await self.graph.target(account_id)
        tags = await self.store.featured_tags(account_id)
        usage = {
            name: (count, newest)
            for name, count, newest in await self.statuses.tag_usage(account_id, [t.name for t in tags], len(tags))
        }
        views = []
        for tag in tags:
            count, newest = usage.get(tag.name, (0, None))
            day = dt.datetime.fromtimestamp(timestamp_ms(newest) / 1000, dt.UTC).date() if newest else None
            views.append(FeaturedTagView(tag, count, day))
        return views

    async def feature_tag(self, account_id: int, name: str | None) -> FeaturedTagView:
        tag = await self.store.feature_tag(account_id, featured_tag_name(name), MAX_FEATURED_TAGS)
        return next(v for v in await self.featured_tags(account_id) if v.tag.id == tag.id)

    async def unfeature_tag(self, account_id: int, tag_id: int | None) -> None:
        if tag_id is None or not await self.store.unfeature_tag(account_id, tag_id):
            raise NotFoundError("Record not found")

    async def featured_tag_suggestions(self, account_id: int) -> list[str]:
        """The author's most used hashtags that are not featured yet."""
        featured = {t.name for t in await self.store.featured_tags(account_id)}
        used = await self.statuses.tag_usage(account_id, None, MAX_FEATURED_TAGS + len(featured))
        return [name for name, _, _ in used if name not in featured][:MAX_FEATURED_TAGS]

    # --- discovery ------------------------------------------------------------------------------

    async def _following_ids(self, account_id: int, cap: int) -> list[int]:
        ids: list[int] = []
        page = PageRequest(limit=min(cap, 200))
        while len(ids) < cap:
            pairs = await self.graph_store.following(account_id, page)
            ids += [a for _, a in pairs]
            if len(pairs) < page.limit:
                break
            page = PageRequest(max_id=pairs[-1][0], limit=page.limit)
        return ids[:cap]

    async def suggestions(self, viewer_id: int, limit: int) -> list[Suggestion]:
        """Friends of friends (most shared follows first), then the most followed accounts; never
        the viewer, whom they follow or asked to, block, mute or are blocked by, or dismissed."""
        following = await self._following_ids(viewer_id, GRAPH_SCAN)
        shared: collections.Counter[int] = collections.Counter()
        for friend in following:
            shared.update(await self._following_ids(friend, GRAPH_SCAN))
        most_followed = await self.accounts.directory("popular", limit + len(following) + 20)
        popular = [a.id for a in most_followed if a.followers_count > 0]
        ranked = [a for a, _ in shared.most_common()] + popular
        candidates = list(dict.fromkeys(a for a in ranked if a != viewer_id))
        excluded = set(following) | await self.store.dismissed_suggestions(viewer_id)
        candidates = [a for a in candidates if a not in excluded]
        relations = await self.graph_store.relationships(viewer_id, candidates)
        found = await self.accounts.get_many(candidates)
        chosen = []
        for account_id in candidates:
            rel, account = relations.get(account_id), found.get(account_id)
            if account is None or account.suspended or not account.discoverable:
                continue
            if rel is not None and (rel.following or rel.requested or rel.blocking or rel.blocked_by or rel.muting):
                continue
            sources = tuple(
                source
                for source, member in (
                    ("friends_of_friends", account_id in shared),
                    ("most_followed", account_id in popular),
                )
                if member
            )
            chosen.append(Suggestion(account_id, sources))
            if len(chosen) == limit:
                break
        return chosen

    async def dismiss_suggestion(self, viewer_id: int, account_id: int | None) -> None:
        if account_id is None:
            raise NotFoundError("Record not found")
        await self.graph.target(account_id)
        await self.store.dismiss_suggestion(viewer_id, account_id)

    async def directory(self, viewer_id: int | None, order: str, limit: int, offset: int) -> list[int]:
        """Discoverable accounts, most recently active or newest first; none on either side of a
        block with the viewer."""
        found = await self.accounts.directory(order, limit, offset)
        ids = [a.id for a in found]
        if viewer_id is None or not ids:
            return ids
        relations = await self.graph_store.viewer_relations(viewer_id, ids)
        return [a for a in ids if not relations.blocked_either_way(a)]

    async def familiar_followers(self, viewer_id: int, account_ids: Sequence[int]) -> dict[int, list[int]]:
        """For each account, the accounts the viewer follows that follow it."""
        following = await self._following_ids(viewer_id, FAMILIAR_SCAN)
        result: dict[int, list[int]] = {}
        for account_id in dict.fromkeys(account_ids):
            followers = await self.graph_store.followers_among(account_id, following) if following else set()
            result[account_id] = [a for a in following if a in followers and a != account_id]
        return result
