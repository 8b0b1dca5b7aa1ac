"""Bounded hot home timelines: the newest ``max_len`` status ids per owner.

Each timeline is a sorted set whose members all score 0 and are ids zero-padded to 20 digits,
so lexical order is id order: exact for 64-bit ids (a float score would round them above 2^53),
duplicates vanish (fan-out redelivered at least once stays correct), and ``max_id`` /
``since_id`` / ``min_id`` pages are one ZRANGEBYLEX. One key per owner: ``rk:<t>:tl:{owner}``.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard


def _member(status_id: int) -> str:
    return f"{status_id:020d}"


class RedisHotTimelines:
    def __init__(self, client: aioredis.Redis, tenant: str, max_len: int = 800) -> None:
        self._redis = client
        self._keys = Keys(tenant)
        self.max_len = max_len

    def _key(self, owner: int | str) -> str:
        return self._keys("tl", str(owner))

    async def push(self, owners: Iterable[int], status_id: int) -> None:
        """Fan one status out to many timelines (one round trip), trimming each to max_len."""
        member = _member(status_id)
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for owner in owners:
                    key = self._key(owner)
                    pipe.zadd(key, {member: 0})
                    pipe.zremrangebyrank(key, 0, -(self.max_len + 1))
                await pipe.execute()

    async def remove(self, owners: Iterable[int], status_id: int) -> None:
        member = _member(status_id)
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for owner in owners:
                    pipe.zrem(self._key(owner), member)
                await pipe.execute()

    async def replace(self, owner: int, status_ids: Iterable[int]) -> None:
        """Rebuild a cold timeline from the durable store (atomically: readers see old or new)."""
        key = self._key(owner)
        members = {_member(status_id): 0 for status_id in status_ids}
        with guard():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                if members:
                    pipe.zadd(key, members)
                    pipe.zremrangebyrank(key, 0, -(self.max_len + 1))
                await pipe.execute()

    async def exists(self, owner: int) -> bool:
        """False when the timeline is cold (never built or evicted): rebuild it, don't serve empty."""
        with guard():
            return bool(await self._redis.exists(self._key(owner)))

    async def page(
        self,
        owner: int,
        *,
        max_id: int | None = None,
        since_id: int | None = None,
        min_id: int | None = None,
        limit: int = 20,
    ) -> list[int]:
        """Ids newest first, Mastodon's cursors: below max_id, above since_id (newest first) or
        the ``limit`` oldest above min_id (still returned newest first)."""
        key = self._key(owner)
        high = f"({_member(max_id)}" if max_id is not None else "+"
        with guard():
            if min_id is not None:
                members = await self._redis.zrangebylex(key, f"({_member(min_id)}", high, start=0, num=limit)
                members.reverse()
            else:
                low = f"({_member(since_id)}" if since_id is not None else "-"
                members = await self._redis.zrevrangebylex(key, high, low, start=0, num=limit)
        return [int(member) for member in members]

    async def length(self, owner: int) -> int:
        with guard():
            return int(await self._redis.zcard(self._key(owner)))
