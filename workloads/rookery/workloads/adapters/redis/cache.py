"""The Cache port on Redis: hydration caches (rendered statuses and accounts) and counters."""

from __future__ import annotations

from typing import cast

import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.metrics import count_lookups


def _px(ttl_s: float | None) -> int | None:
    return None if ttl_s is None else max(1, int(ttl_s * 1000))


class RedisCache:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._redis = client
        self._keys = Keys(tenant)

    def _key(self, key: str) -> str:
        return self._keys("c", key)

    async def get(self, key: str) -> bytes | None:
        with guard():
            found = cast(bytes | None, await self._redis.get(self._key(key)))
        count_lookups("redis", [key], [found])
        return found

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        names = [self._key(key) for key in keys]
        with guard():
            # keys of many owners live in many slots: a cluster client splits the MGET per slot
            mget_nonatomic = getattr(self._redis, "mget_nonatomic", None)
            if mget_nonatomic is not None:
                found = cast(list[bytes | None], list(await mget_nonatomic(names)))
            else:
                found = cast(list[bytes | None], list(await self._redis.mget(names)))
        count_lookups("redis", keys, found)
        return found

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        with guard():
            await self._redis.set(self._key(key), value, px=_px(ttl_s))

    async def set_many(self, items: dict[str, bytes], ttl_s: float | None = None) -> None:
        if not items:
            return
        px = _px(ttl_s)
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(self._key(key), value, px=px)
                await pipe.execute()

    async def delete(self, *keys: str) -> None:
        if not keys:
            return
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.delete(self._key(key))
                await pipe.execute()

    async def incr(self, key: str, amount: int = 1) -> int:
        with guard():
            return int(await self._redis.incrby(self._key(key), amount))
