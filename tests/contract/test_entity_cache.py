"""EntityCache port contract: memory (embedded) and Redis (production, with its in-process copy)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from contract_support import REDIS_PARAMS, memory_or_redis

from rookery.workloads.adapters.memory.entities import MemoryEntityCache
from rookery.workloads.adapters.redis.entities import RedisEntityCache
from rookery.workloads.ports.edge import EntityCache

S1, S2, A1 = ("status", 1), ("status", 2), ("account", 1)


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def entities(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[EntityCache]:
    async with memory_or_redis(request, MemoryEntityCache, RedisEntityCache, tenant) as adapter:
        yield adapter


async def _read_fill(cache: EntityCache, key: tuple[str, int], body: bytes) -> None:
    (found,) = await cache.read([key])
    await cache.fill({key: (found.version, body)})


async def test_unknown_keys_miss(entities: EntityCache) -> None:
    assert [f.body for f in await entities.read([S1, A1])] == [None, None]
    assert await entities.read([]) == []


async def test_fill_then_read_serves_the_bytes_in_order(entities: EntityCache) -> None:
    found = await entities.read([S1, S2, A1])
    await entities.fill({S1: (found[0].version, b'{"id":"1"}'), A1: (found[2].version, b"\x00\xff")})
    again = await entities.read([A1, S2, S1])
    assert [f.body for f in again] == [b"\x00\xff", None, b'{"id":"1"}']
    assert [f.body for f in await entities.read([S1, S1])] == [b'{"id":"1"}', b'{"id":"1"}']


async def test_kinds_do_not_share_ids(entities: EntityCache) -> None:
    await _read_fill(entities, S1, b"status")
    assert [f.body for f in await entities.read([A1, S1])] == [None, b"status"]


async def test_invalidate_stops_serving(entities: EntityCache) -> None:
    await _read_fill(entities, S1, b"old")
    await _read_fill(entities, S2, b"other")
    await entities.invalidate([S1])
    assert [f.body for f in await entities.read([S1, S2])] == [None, b"other"]
    await _read_fill(entities, S1, b"new")
    assert [f.body for f in await entities.read([S1])] == [b"new"]
    await entities.invalidate([])


async def test_fill_answers_the_version_its_bytes_are_valid_for(entities: EntityCache) -> None:
    """What a kept page records (views/pages.py): the version read, or the one a first fill made."""
    found = await entities.read([S1, S2])
    stored = await entities.fill({S1: (found[0].version, b"one"), S2: (found[1].version, b"two")})
    assert set(stored) == {S1, S2}
    assert [stored[S1], stored[S2]] == await entities.versions([S1, S2])
    assert [f.version for f in await entities.read([S1, S2])] == [stored[S1], stored[S2]]
    (before,) = await entities.read([A1])
    await entities.invalidate([A1])
    assert await entities.fill({A1: (before.version, b"stale")}) == {}  # refused: not valid for any version


async def test_versions_move_with_each_invalidation_only(entities: EntityCache) -> None:
    made = await entities.versions([S1, A1])  # unknown keys get one, which a fill then keeps
    assert "" not in made and made[0] != made[1]
    assert await entities.versions([S1, A1]) == made
    assert await entities.versions([]) == []
    await _read_fill(entities, S1, b"one")
    await entities.invalidate([A1])
    first = await entities.versions([S1, A1])
    assert first[0] == made[0] and first[1] != made[1]
    await _read_fill(entities, S2, b"other")  # another key's fill and reads move nothing
    await entities.read([S1, A1])
    assert await entities.versions([S1, A1]) == first
    await entities.invalidate([S1])
    second = await entities.versions([S1, A1])
    assert second[0] != first[0] and second[1] == first[1]
    await entities.invalidate([S1])
    assert (await entities.versions([S1]))[0] not in (first[0], second[0])  # never reused


async def test_reads_at_once_each_get_their_own_keys(entities: EntityCache) -> None:
    """Concurrent pages (one MGET on Redis, across Cluster slots), with and without local copies."""
    await _read_fill(entities, S1, b"one")
    await _read_fill(entities, A1, b"acct")
    await entities.invalidate([S2])
    asked = [[S1, S2], [A1], [S2, A1, S1], [("status", 999)], [S1]]
    one_by_one = [[f.body for f in await entities.read(keys)] for keys in asked]
    at_once = await asyncio.gather(*(entities.read(keys) for keys in asked))
    assert [[f.body for f in found] for found in at_once] == one_by_one
    assert one_by_one == [[b"one", None], [b"acct"], [None, b"acct", b"one"], [None], [b"one"]]


async def test_fill_that_raced_an_invalidation_is_refused(entities: EntityCache) -> None:
    """A reader reads, a writer commits and invalidates, the reader fills what it loaded before the
    commit: the stale bytes are never served."""
    (before,) = await entities.read([S1])
    await entities.invalidate([S1])
    await entities.fill({S1: (before.version, b"stale")})
    assert [f.body for f in await entities.read([S1])] == [None]
    await _read_fill(entities, S1, b"fresh")
    (cached,) = await entities.read([S1])
    await entities.invalidate([S1])
    await entities.fill({S1: (cached.version, b"stale again")})
    assert [f.body for f in await entities.read([S1])] == [None]


async def test_the_same_version_fills_once_stale_fills_lose(entities: EntityCache) -> None:
    (first,) = await entities.read([S1])
    (second,) = await entities.read([S1])
    await entities.fill({S1: (first.version, b"one")})
    await entities.fill({S1: (second.version, b"two")})  # the key is known now: its reader is late
    assert [f.body for f in await entities.read([S1])] == [b"one"]


async def test_concurrent_readers_and_writers_never_leave_stale_bytes(entities: EntityCache) -> None:
    """Readers render the store's current value between their read and fill while a writer keeps
    changing it; after the last invalidation, what is served is the last value."""
    store = {"value": 0}

    async def reader() -> None:
        for _ in range(20):
            (found,) = await entities.read([S1])
            loaded = str(store["value"]).encode()
            await asyncio.sleep(0)
            await entities.fill({S1: (found.version, loaded)})

    async def writer() -> None:
        for value in range(1, 21):
            store["value"] = value
            await entities.invalidate([S1])
            await asyncio.sleep(0)

    await asyncio.gather(writer(), *(reader() for _ in range(4)))
    (found,) = await entities.read([S1])
    assert found.body in (None, b"20")


@pytest.mark.parametrize("evict", [True, False])
async def test_memory_eviction_forgets_nothing_it_must_remember(evict: bool) -> None:
    """A key read while unknown, invalidated and then evicted is unknown again: the late fill of
    the old value must still be refused."""
    cache = MemoryEntityCache(max_entries=2)
    (before,) = await cache.read([S1])
    await cache.invalidate([S1])
    if evict:
        await cache.invalidate([("status", 8), ("status", 9)])
    await cache.fill({S1: (before.version, b"stale")})
    assert [f.body for f in await cache.read([S1])] == [None]


@pytest.mark.needs("redis")
async def test_redis_copies_in_two_processes_follow_invalidations(request: pytest.FixtureRequest, tenant: str) -> None:
    """Two replicas (each with its in-process copy) over one Redis: an invalidation by one stops
    the other serving its copy on its next read."""
    from contract_support import redis_client

    async with redis_client(request) as client:
        make: Callable[[], RedisEntityCache] = lambda: RedisEntityCache(client, tenant)  # noqa: E731
        first, second = make(), make()
        await _read_fill(first, S1, b"v1")
        assert [f.body for f in await second.read([S1])] == [b"v1"]  # second now holds a copy
        assert [f.body for f in await second.read([S1])] == [b"v1"]
        await first.invalidate([S1])
        assert [f.body for f in await second.read([S1])] == [None]
        await _read_fill(second, S1, b"v2")
        assert [f.body for f in await first.read([S1])] == [b"v2"]
        version_name, body_name = first._names(S1)
        await client.delete(version_name)  # its version expired: neither the bytes nor a copy serve
        assert [f.body for f in await first.read([S1])] == [None]
        assert [f.body for f in await second.read([S1])] == [None]
        await client.delete(body_name)
        await _read_fill(first, S1, b"v3")
        assert [f.body for f in await second.read([S1])] == [b"v3"]
