"""What only the Redis adapters promise: Cluster hash tags, replicas sharing one bucket, cold
timelines, processed-event dedupe, released pub/sub subscriptions, and StoreUnavailable."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
import redis.exceptions
from contract_support import eventually, redis_client
from redis.crc import key_slot

from rookery.workloads.adapters.redis.cache import RedisCache
from rookery.workloads.adapters.redis.dedupe import ProcessedEvents
from rookery.workloads.adapters.redis.keys import Keys, connect
from rookery.workloads.adapters.redis.locks import RedisLockManager
from rookery.workloads.adapters.redis.ratelimit import RedisRateLimiter
from rookery.workloads.adapters.redis.realtime import RedisRealtime
from rookery.workloads.adapters.redis.timelines import RedisTimelineStore
from rookery.workloads.domain.events import Event
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.domain.unavailable import StoreUnavailable

needs_redis = pytest.mark.needs("redis")


@pytest.fixture
async def client(request: pytest.FixtureRequest) -> AsyncIterator[aioredis.Redis]:
    async with redis_client(request) as one:
        yield one


def test_multi_key_scripts_stay_in_one_slot() -> None:
    keys = Keys("acme")
    locks = RedisLockManager.__new__(RedisLockManager)
    locks._keys = keys
    for name in ("handle:alice", "follow-request:42", "x{y}z"):
        assert key_slot(locks._lock_key(name).encode()) == key_slot(locks._fence_key(name).encode())
    # single-owner keys spread over the cluster instead of piling onto the tenant's slot
    slots = {key_slot(keys("tl", str(owner)).encode()) for owner in range(200)}
    assert len(slots) > 150
    with pytest.raises(ValueError):
        Keys("bad{tenant}")


@needs_redis
async def test_the_cluster_rejects_scripts_across_slots(request: pytest.FixtureRequest) -> None:
    """Cluster mode catches a key layout that splits a script over two slots (the client refuses
    it before the server would answer CROSSSLOT)."""
    async with redis_client(request, cluster=True) as client:
        keys = Keys("acme")
        one, two = keys("lock", "a"), keys("lock", "b")
        assert key_slot(one.encode()) != key_slot(two.encode())
        with pytest.raises(redis.exceptions.RedisClusterException, match="same key slot"):
            await client.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, one, two)


@needs_redis
async def test_replicas_share_one_bucket(request: pytest.FixtureRequest, tenant: str) -> None:
    async with redis_client(request) as one, redis_client(request) as two:
        replicas = [RedisRateLimiter(one, tenant), RedisRateLimiter(two, tenant)]
        decisions = await asyncio.gather(
            *(replicas[i % 2].hit("ip:203.0.113.9", capacity=25, refill_per_s=0.001) for i in range(80))
        )
    assert sum(d.allowed for d in decisions) == 25


@needs_redis
async def test_bucket_state_expires_once_full_again(client: aioredis.Redis, tenant: str) -> None:
    await RedisRateLimiter(client, tenant).hit("k", capacity=10, refill_per_s=5.0, cost=3)
    ttl_ms = await client.pttl(Keys(tenant)("rl", "k"))
    assert 600 <= ttl_ms <= 1600  # 3 tokens at 5/s = 0.6 s, plus a second of slack


async def _waits(client: aioredis.Redis) -> int:
    """WAIT commands this server has run (no adapter but the timeline store's sends one)."""
    stats = await client.info("commandstats")
    return int(stats.get("cmdstat_wait", {}).get("calls", 0))


@needs_redis
async def test_timeline_writes_wait_for_replicas(client: aioredis.Redis, tenant: str) -> None:
    """With ``min_replica_acks`` every write ends with WAIT; the stack's Redis has no replica, so
    each write is StoreUnavailable (the fan-out consumer retries it) although the primary ran it.
    Without, nothing waits (the default stack, a plain redis:// URL)."""
    entry = TimelineEntry(status_id=11, account_id=9)
    plain = RedisTimelineStore(client, tenant, max_entries=5)
    before = await _waits(client)
    await plain.push([1, 2], entry)
    await plain.push_many(3, [entry])
    await plain.mark_celebrity(9, True)
    await plain.remove_author(3, 9)
    await plain.replace(4, [entry])
    await plain.remove([11])
    assert await _waits(client) == before
    replicated = RedisTimelineStore(client, tenant, max_entries=5, min_replica_acks=1, replica_ack_timeout_ms=20)
    writes = [
        replicated.push([1, 2], entry),
        replicated.push_many(3, [entry]),
        replicated.mark_celebrity(9, False),
        replicated.remove_author(3, 9),
        replicated.replace(4, [entry]),
        replicated.remove([11]),
    ]
    for write in writes:
        with pytest.raises(StoreUnavailable, match="0 of 1 replicas"):
            await write
    assert await _waits(client) >= before + len(writes)
    # the primary ran each write (only its acknowledgement is refused): push, push_many, replace
    # left entries that remove_author and remove took away again
    assert not await plain.contains(1, 11) and not await plain.contains(4, 11)
    assert await plain.celebrities() == set()


@needs_redis
async def test_cold_timeline_is_told_apart_and_rebuilt(client: aioredis.Redis, tenant: str) -> None:
    timelines = RedisTimelineStore(client, tenant, max_entries=3)
    assert not await timelines.exists(1)  # cold: rebuild from the durable store, don't serve empty
    await timelines.replace(1, [TimelineEntry(status_id=n, account_id=9) for n in (5, 7, 6, 4)])
    assert await timelines.exists(1)
    assert [e.status_id for e in await timelines.range(1, PageRequest())] == [7, 6, 5]
    await timelines.replace(1, [])
    assert not await timelines.exists(1)


@needs_redis
async def test_processed_events_skip_duplicates(client: aioredis.Redis, tenant: str) -> None:
    processed = ProcessedEvents(client, tenant, ttl_s=60)
    calls: list[str] = []
    failures = {"flaky"}

    async def handler(event: Event) -> None:
        calls.append(event.payload["name"])
        if event.payload["name"] in failures:
            failures.discard(event.payload["name"])
            raise RuntimeError("transient")

    once = processed.idempotent("fanout", handler)
    first, flaky = (
        Event(type="T", key="k", payload={"name": "first"}),
        Event(type="T", key="k", payload={"name": "flaky"}),
    )
    await once(first)
    await once(first)  # redelivered: skipped
    with pytest.raises(RuntimeError):
        await once(flaky)  # failed: not marked, so the retry runs it
    await once(flaky)
    assert calls == ["first", "flaky", "flaky"]
    assert await processed.seen("fanout", first.id) and not await processed.seen("search", first.id)
    async with client.pipeline(transaction=True) as pipe:  # effect and mark in one MULTI
        pipe.rpush(Keys(tenant)("effects", "x"), b"done")
        await processed.mark("search", first.id, pipe=pipe)
        assert await pipe.execute() == [1, True]
    assert not await processed.mark("search", first.id)
    # a fetched batch's check and mark (the Kafka bus): one pipeline each, per group
    assert await processed.seen_many("fanout", [flaky.id, "never", first.id]) == {first.id, flaky.id}
    await processed.mark_many("lists", [flaky.id, first.id])
    assert await processed.seen_many("lists", [first.id, "never", flaky.id]) == {first.id, flaky.id}
    assert await processed.seen_many("lists", []) == set()
    await processed.mark_many("lists", [])


@needs_redis
async def test_closed_subscription_is_released_on_the_server(client: aioredis.Redis, tenant: str) -> None:
    realtime = RedisRealtime(client, tenant)
    channel = f"rk:{tenant}:rt:user:1"

    async def numsub_is(count: int) -> bool:
        return int((await client.pubsub_numsub(channel))[0][1]) == count

    async def consume() -> None:
        async for _ in realtime.subscribe(["user:1"]):
            pass

    task = asyncio.create_task(consume())
    await eventually(lambda: numsub_is(1), timeout_s=10, what="the subscription on the server")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await eventually(lambda: numsub_is(0), timeout_s=10, what="the subscription to be released")


async def test_unreachable_redis_is_store_unavailable() -> None:
    client = connect("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(StoreUnavailable):
            await RedisCache(client, "t").get("x")
    finally:
        await client.aclose()
