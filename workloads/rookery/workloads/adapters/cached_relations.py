"""A GraphStore whose timeline-side reads (``viewer_relations``, ``following_among``) are cached per
viewer in the EntityCache (kind ``relations``), in front of Cassandra in production.

A viewer's first read after its last graph change asks the store for all of the viewer's
relations (two partition reads in Cassandra); when there are at most MAX_KNOWN of them, the
snapshot holds them whole and answers about every account, one never asked about included (a
viewer reading many profiles would otherwise cost a store read per new account). A viewer with
more relations gets a snapshot that holds, for every account asked about since that change, which
relations hold: the store is asked only about accounts it does not know yet. Either is filled
under the version read before asking (so one written meanwhile is never stored). A process grows
a viewer's snapshot one fill at a time, each from what the last one stored; fills of two
processes at once can still drop each other's accounts (asked again later, never wrong). A snapshot
is the viewer's side only (whom it follows, blocks, mutes; who blocks it): a follow, unfollow, mute
or unmute through this store invalidates the snapshot of the account that made it, a block or
unblock those of both accounts, after it is stored (being followed changes nothing here, so a
popular account keeps its snapshot; follow requests change none of these relations). Every process
builds its GraphStore through bootstrap, so no write goes around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import orjson

from rookery.workloads.delegation import delegate
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.graph import Follow, Mute, Relationship, ViewerRelations
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ports.edge import EntityCache
from rookery.workloads.ports.graph import GraphStore

KIND = "relations"
MAX_KNOWN = 2000  # relations a whole snapshot holds, accounts a grown one keeps (past it: the latest batch)
FIELDS = ("following", "blocking", "blocked_by", "muting", "muting_notifications", "hiding_reblogs")


def _restricted(known: dict[str, set[int]], others: set[int]) -> ViewerRelations:
    return ViewerRelations(**{name: frozenset(known[name] & others) for name in FIELDS})


class RelationsCachingGraphStore:
    def __init__(self, inner: GraphStore, entities: EntityCache) -> None:
        self.inner = inner
        self.entities = entities
        self._filling: dict[int, tuple[asyncio.Lock, int]] = {}  # viewer -> its fill's lock, and users

    # -- cached reads ------------------------------------------------------------------------------

    async def viewer_relations(self, account_id: int, others: Sequence[int]) -> ViewerRelations:
        wanted = {other for other in others if other != account_id}
        if not wanted:
            return ViewerRelations()
        _, whole, asked, known = await self._snapshot(account_id)
        if whole or wanted <= asked:
            return _restricted(known, wanted)
        # one fill of a viewer's snapshot at a time in this process, each from the snapshot as the
        # fill before it left it: two fills from one read would each store it plus their own
        # accounts, and the later one would drop the other's (asked again next time)
        lock, users = self._filling.get(account_id) or (asyncio.Lock(), 0)
        self._filling[account_id] = (lock, users + 1)
        try:
            async with lock:
                return await self._fill(account_id, wanted, *await self._snapshot(account_id))
        finally:
            lock, users = self._filling[account_id]
            if users == 1:
                del self._filling[account_id]
            else:
                self._filling[account_id] = (lock, users - 1)

    async def _snapshot(self, account_id: int) -> tuple[str, bool | None, set[int], dict[str, set[int]]]:
        """The viewer's snapshot: its version, whether it holds every relation of the viewer (None:
        not asked since the viewer's last change), the accounts it knows about, which relations hold."""
        (fragment,) = await self.entities.read([(KIND, account_id)])
        if fragment.body is None:
            return fragment.version, None, set(), {name: set() for name in FIELDS}
        snapshot: dict[str, Any] = orjson.loads(fragment.body)
        known = {name: set(snapshot[name]) for name in FIELDS}
        return fragment.version, snapshot.get("whole", False), set(snapshot["asked"]), known

    async def _fill(
        self,
        account_id: int,
        wanted: set[int],
        version: str,
        whole: bool | None,
        asked: set[int],
        known: dict[str, set[int]],
    ) -> ViewerRelations:
        """Ask the store about what the snapshot does not know (all of the viewer's relations, the
        first time since its last change), and store the grown snapshot under the version read
        before asking (a change meanwhile keeps it out)."""
        if whole or wanted <= asked:
            return _restricted(known, wanted)
        if whole is None:
            everything = await self.inner.all_viewer_relations(account_id, MAX_KNOWN)
            if everything is not None:
                known = {name: set(getattr(everything, name)) for name in FIELDS}
                await self._store(account_id, version, True, set(), known)
                return _restricted(known, wanted)
        missing = wanted - asked
        fresh = await self.inner.viewer_relations(account_id, sorted(missing))
        if len(asked) + len(missing) > MAX_KNOWN:
            asked, known = set(), {name: set() for name in FIELDS}
        asked |= missing
        for name in FIELDS:
            known[name] |= getattr(fresh, name)
        await self._store(account_id, version, False, asked, known)
        return _restricted(known, wanted)

    async def _store(
        self, account_id: int, version: str, whole: bool, asked: set[int], known: dict[str, set[int]]
    ) -> None:
        snapshot = {"whole": whole, "asked": sorted(asked), **{name: sorted(known[name]) for name in FIELDS}}
        await self.entities.fill({(KIND, account_id): (version, orjson.dumps(snapshot))})

    async def following_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]:
        return set((await self.viewer_relations(account_id, target_ids)).following)

    # -- writes: stored, then the snapshots they change invalidated ------------------------------------

    async def _changed(self, *account_ids: int) -> None:
        await self.entities.invalidate((KIND, i) for i in account_ids)

    async def follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        try:
            return await self.inner.follow(follow, events)
        finally:
            await self._changed(follow.account_id)

    async def unfollow(self, account_id: int, target_id: int, events: OutboxEvents = ()) -> bool:
        try:
            return await self.inner.unfollow(account_id, target_id, events)
        finally:
            await self._changed(account_id)

    async def request_follow(self, follow: Follow, events: OutboxEvents = ()) -> bool:
        return await self.inner.request_follow(follow, events)  # a request changes no relation here

    async def take_request(self, account_id: int, target_id: int) -> Follow | None:
        return await self.inner.take_request(account_id, target_id)

    async def block(self, account_id: int, target_id: int, events: OutboxEvents = ()) -> list[tuple[int, int]]:
        try:
            return await self.inner.block(account_id, target_id, events)
        finally:
            await self._changed(account_id, target_id)

    async def unblock(self, account_id: int, target_id: int) -> bool:
        try:
            return await self.inner.unblock(account_id, target_id)
        finally:
            await self._changed(account_id, target_id)

    async def mute(self, mute: Mute) -> None:
        try:
            await self.inner.mute(mute)
        finally:
            await self._changed(mute.account_id)

    async def unmute(self, account_id: int, target_id: int) -> bool:
        try:
            return await self.inner.unmute(account_id, target_id)
        finally:
            await self._changed(account_id)

    # -- everything else reads the store ------------------------------------------------------------

    async def get_follow(self, account_id: int, target_id: int) -> Follow | None:
        return await self.inner.get_follow(account_id, target_id)

    async def follow_requests(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.inner.follow_requests(target_id, page)

    async def followers(self, target_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.inner.followers(target_id, page)

    async def following(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.inner.following(account_id, page)

    async def follower_ids(self, target_id: int) -> list[int]:
        return await self.inner.follower_ids(target_id)

    async def subscriber_ids(self, target_id: int) -> list[int]:
        return await self.inner.subscriber_ids(target_id)

    async def followers_among(self, target_id: int, account_ids: Sequence[int]) -> set[int]:
        return await self.inner.followers_among(target_id, account_ids)

    async def blocks(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.inner.blocks(account_id, page)

    async def mutes(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.inner.mutes(account_id, page)

    async def relationships(self, account_id: int, target_ids: Sequence[int]) -> dict[int, Relationship]:
        return await self.inner.relationships(account_id, target_ids)

    async def all_viewer_relations(self, account_id: int, limit: int) -> ViewerRelations | None:
        return await self.inner.all_viewer_relations(account_id, limit)

    def __getattr__(self, name: str) -> Any:  # what the adapter offers beyond the port
        return delegate(self, self.inner, name)
