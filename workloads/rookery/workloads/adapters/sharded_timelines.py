"""Home timelines with FeedShards: each user's timeline lives in the store of the shard whose range
holds the user (domain/shards.py ``shard_of``, the function the fan-out uses), the users no range
covers in the tenant's own store. Every process that reads home timelines (the feed role, the
timeline service) routes through this; a shard's worker writes its own store directly.

Removing a status reaches every store (each has its own by-status index); the celebrity set is the
tenant's, in its own store.
"""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.shards import ShardRange, shard_of
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ports.feed import TimelineStore


class ShardedTimelineStore:
    def __init__(self, default: TimelineStore, shards: Sequence[tuple[ShardRange, TimelineStore]]) -> None:
        self.default = default
        self.ranges = tuple(shard for shard, _ in shards)
        self.stores = {shard.name: store for shard, store in shards}

    def store_of(self, owner_id: int) -> TimelineStore:
        shard = shard_of(self.ranges, owner_id)
        return self.default if shard is None else self.stores[shard.name]

    async def push(self, owner_ids: Sequence[int], entry: TimelineEntry) -> None:
        groups: dict[int, tuple[TimelineStore, list[int]]] = {}
        for owner in owner_ids:
            store = self.store_of(owner)
            groups.setdefault(id(store), (store, []))[1].append(owner)
        for store, owners in groups.values():
            await store.push(owners, entry)

    async def push_many(self, owner_id: int, entries: Sequence[TimelineEntry]) -> None:
        await self.store_of(owner_id).push_many(owner_id, entries)

    async def range(self, owner_id: int, page: PageRequest) -> list[TimelineEntry]:
        return await self.store_of(owner_id).range(owner_id, page)

    async def remove(self, status_ids: Sequence[int]) -> None:
        for store in (self.default, *self.stores.values()):
            await store.remove(status_ids)

    async def remove_author(self, owner_id: int, account_id: int) -> None:
        await self.store_of(owner_id).remove_author(owner_id, account_id)

    async def contains(self, owner_id: int, status_id: int) -> bool:
        return await self.store_of(owner_id).contains(owner_id, status_id)

    async def celebrities(self) -> set[int]:
        return await self.default.celebrities()

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None:
        await self.default.mark_celebrity(account_id, celebrity)
