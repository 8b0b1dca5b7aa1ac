"""Cache port contract: memory and Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from contract_support import REDIS_PARAMS, memory_or_redis

from rookery.workloads.adapters.memory.cache import MemoryCache
from rookery.workloads.adapters.redis.cache import RedisCache
from rookery.workloads.ports.edge import Cache


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def cache(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[Cache]:
    async with memory_or_redis(request, MemoryCache, RedisCache, tenant) as adapter:
        yield adapter


async def test_missing_key_is_none(cache: Cache) -> None:
    assert await cache.get("status:1") is None
    assert await cache.get_many(["status:1", "status:2"]) == [None, None]
    assert await cache.get_many([]) == []


async def test_set_get_round_trips_bytes(cache: Cache) -> None:
    value = b'{"id":"1"}\n\x00\xff'
    await cache.set("status:1", value)
    assert await cache.get("status:1") == value
    await cache.set("status:1", b"v2")
    assert await cache.get("status:1") == b"v2"


async def test_get_many_keeps_order_and_gaps(cache: Cache) -> None:
    await cache.set_many({"a:1": b"one", "a:3": b"three"})
    assert await cache.get_many(["a:3", "a:2", "a:1"]) == [b"three", None, b"one"]


async def test_ttl_expires(cache: Cache) -> None:
    await cache.set("short", b"x", ttl_s=1.0)
    await cache.set_many({"short2": b"y"}, ttl_s=1.0)
    await cache.set("long", b"z", ttl_s=30)
    assert await cache.get("short") == b"x"
    await asyncio.sleep(1.3)
    assert await cache.get_many(["short", "short2", "long"]) == [None, None, b"z"]


async def test_delete_many(cache: Cache) -> None:
    await cache.set_many({"d:1": b"1", "d:2": b"2", "d:3": b"3"})
    await cache.delete("d:1", "d:2", "d:missing")
    await cache.delete()
    assert await cache.get_many(["d:1", "d:2", "d:3"]) == [None, None, b"3"]


async def test_incr_counts_from_zero(cache: Cache) -> None:
    assert await cache.incr("views:9") == 1
    assert await cache.incr("views:9", 5) == 6
    assert await cache.incr("views:9", -2) == 4
    assert await cache.get("views:9") == b"4"


async def test_concurrent_incr_loses_nothing(cache: Cache) -> None:
    # 100: the default pool; a cluster client fails fast beyond its per-node pool, never waits
    await asyncio.gather(*(cache.incr("hits") for _ in range(100)))
    assert await cache.get("hits") == b"100"


async def test_odd_keys(cache: Cache) -> None:
    keys = ["tag:{café}", "a b:c", "ü/ß", ""]
    await cache.set_many({key: key.encode() for key in keys})
    assert await cache.get_many(keys) == [key.encode() for key in keys]
