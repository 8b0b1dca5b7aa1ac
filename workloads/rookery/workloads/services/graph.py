"""Graph use cases: follow (at once, or a request to a locked account), authorize or reject
requests, unfollow, block, mute, and the relationships between a viewer and others.

Account counters move through the accounts role after each committed change."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from rookery.workloads.domain.accounts import Account
from rookery.workloads.domain.events import GRAPH
from rookery.workloads.domain.graph import (
    Follow,
    Mute,
    Relationship,
    check_follow,
    check_not_self,
    follow_is_request,
)
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.profiles import ProfileStore
from rookery.workloads.services.social import (
    BLOCKED,
    FOLLOW_REQUESTED,
    FOLLOWED,
    UNFOLLOWED,
    AccountDirectory,
    NotFoundError,
    event,
)


class GraphService:
    def __init__(
        self, graph: GraphStore, accounts: AccountDirectory, *, tenant: str, profiles: ProfileStore | None = None
    ) -> None:
        self.graph = graph
        self.accounts = accounts
        self.tenant = tenant
        self.profiles = profiles  # notes and endorsements on relationships

    async def target(self, account_id: int) -> Account:
        account = await self.accounts.get(account_id)
        if account is None or account.suspended:
            raise NotFoundError("Record not found")
        return account

    async def relationship(self, actor_id: int, target_id: int) -> Relationship:
        return (await self.relationships(actor_id, [target_id]))[0]

    async def relationships(self, actor_id: int, target_ids: Sequence[int]) -> list[Relationship]:
        ids = list(dict.fromkeys(target_ids))
        found = await self.graph.relationships(actor_id, ids)
        if self.profiles is None or not ids:
            return [found[i] for i in ids]
        notes = await self.profiles.notes(actor_id, ids)
        endorsed = await self.profiles.endorsed_among(actor_id, ids)
        return [
            dataclasses.replace(found[i], note=notes.get(i, ""), endorsed=i in endorsed) for i in ids
        ]

    async def _unendorse(self, account_id: int, target_id: int) -> None:
        """Endorsing needs following: a follow that ends takes its endorsement along."""
        if self.profiles is not None:
            await self.profiles.unendorse(account_id, target_id)

    async def follow(
        self,
        actor_id: int,
        target_id: int,
        *,
        reblogs: bool = True,
        notify: bool = False,
        languages: tuple[str, ...] | None = None,
    ) -> Relationship:
        target = await self.target(target_id)
        relations = await self.graph.viewer_relations(actor_id, [target_id])
        check_follow(actor_id, target_id, blocked_either_way=relations.blocked_either_way(target_id))
        follow = Follow(actor_id, target_id, show_reblogs=reblogs, notify=notify, languages=languages)
        payload = {"account_id": actor_id, "target_id": target_id}
        if target_id in relations.following:
            await self.graph.follow(follow)  # only the options change
        elif follow_is_request(target.locked):
            requested = event(FOLLOW_REQUESTED, actor_id, payload, self.tenant)
            await self.graph.request_follow(follow, [(GRAPH, requested)])
        else:
            await self._follow(follow, approved=False)
        return await self.relationship(actor_id, target_id)

    async def _follow(self, follow: Follow, *, approved: bool) -> None:
        payload = {"account_id": follow.account_id, "target_id": follow.target_id, "approved": approved}
        if await self.graph.follow(
            follow, [(GRAPH, event(FOLLOWED, follow.account_id, payload, self.tenant))]
        ):
            await self.accounts.adjust_counts(follow.account_id, following=1)
            await self.accounts.adjust_counts(follow.target_id, followers=1)

    async def unfollow(self, actor_id: int, target_id: int) -> Relationship:
        await self.target(target_id)
        payload = {"account_id": actor_id, "target_id": target_id}
        if await self.graph.unfollow(
            actor_id, target_id, [(GRAPH, event(UNFOLLOWED, actor_id, payload, self.tenant))]
        ):
            await self.accounts.adjust_counts(actor_id, following=-1)
            await self.accounts.adjust_counts(target_id, followers=-1)
        await self._unendorse(actor_id, target_id)
        return await self.relationship(actor_id, target_id)

    async def remove_from_followers(self, actor_id: int, follower_id: int) -> Relationship:
        """Make ``follower_id`` stop following ``actor_id`` (a soft block without the block)."""
        await self.target(follower_id)
        payload = {"account_id": follower_id, "target_id": actor_id}
        if await self.graph.unfollow(
            follower_id, actor_id, [(GRAPH, event(UNFOLLOWED, follower_id, payload, self.tenant))]
        ):
            await self.accounts.adjust_counts(follower_id, following=-1)
            await self.accounts.adjust_counts(actor_id, followers=-1)
        await self._unendorse(follower_id, actor_id)
        return await self.relationship(actor_id, follower_id)

    async def authorize(self, actor_id: int, requester_id: int) -> Relationship:
        request = await self.graph.take_request(requester_id, actor_id)
        if request is None:
            raise NotFoundError("Record not found")
        await self._follow(request, approved=True)
        return await self.relationship(actor_id, requester_id)

    async def reject(self, actor_id: int, requester_id: int) -> Relationship:
        if await self.graph.take_request(requester_id, actor_id) is None:
            raise NotFoundError("Record not found")
        return await self.relationship(actor_id, requester_id)

    async def block(self, actor_id: int, target_id: int) -> Relationship:
        await self.target(target_id)
        check_not_self(actor_id, target_id, "block")
        payload = {"account_id": actor_id, "target_id": target_id}
        removed = await self.graph.block(
            actor_id, target_id, [(GRAPH, event(BLOCKED, actor_id, payload, self.tenant))]
        )
        for follower, followed in removed:
            await self.accounts.adjust_counts(follower, following=-1)
            await self.accounts.adjust_counts(followed, followers=-1)
        await self._unendorse(actor_id, target_id)
        await self._unendorse(target_id, actor_id)
        return await self.relationship(actor_id, target_id)

    async def unblock(self, actor_id: int, target_id: int) -> Relationship:
        await self.target(target_id)
        await self.graph.unblock(actor_id, target_id)
        return await self.relationship(actor_id, target_id)

    async def mute(self, actor_id: int, target_id: int, *, notifications: bool = True) -> Relationship:
        await self.target(target_id)
        check_not_self(actor_id, target_id, "mute")
        await self.graph.mute(Mute(actor_id, target_id, notifications))
        return await self.relationship(actor_id, target_id)

    async def unmute(self, actor_id: int, target_id: int) -> Relationship:
        await self.target(target_id)
        await self.graph.unmute(actor_id, target_id)
        return await self.relationship(actor_id, target_id)

    async def followers(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        await self.target(target_id)
        return await self.graph.followers(target_id, page)

    async def following(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        await self.target(account_id)
        return await self.graph.following(account_id, page)

    async def follow_requests(self, actor_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.graph.follow_requests(actor_id, page)

    async def blocks(self, actor_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.graph.blocks(actor_id, page)

    async def mutes(self, actor_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.graph.mutes(actor_id, page)
