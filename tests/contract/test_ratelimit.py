"""RateLimiter port contract: token buckets, memory and Redis (one Lua script, Redis TIME)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from contract_support import REDIS_PARAMS, memory_or_redis

from rookery.workloads.adapters.memory.ratelimit import MemoryRateLimiter
from rookery.workloads.adapters.redis.ratelimit import RedisRateLimiter
from rookery.workloads.ports.edge import RateLimiter


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def limiter(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[RateLimiter]:
    async with memory_or_redis(request, MemoryRateLimiter, RedisRateLimiter, tenant) as adapter:
        yield adapter


async def test_rejects_beyond_capacity_with_retry_after(limiter: RateLimiter) -> None:
    started = time.monotonic()
    decisions = [await limiter.hit("ip:1", capacity=5, refill_per_s=0.5) for _ in range(6)]
    elapsed = time.monotonic() - started  # tokens trickle back meanwhile: bounds allow for it
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions[:5]] == [4, 3, 2, 1, 0]
    assert all(d.limit == 5 and d.retry_after_s == 0 for d in decisions[:5])
    refused = decisions[5]
    assert refused.remaining == 0
    # one token every 2 s: the next one is due 2 s after the bucket emptied
    assert 2.0 - elapsed * 1.01 - 0.01 <= refused.retry_after_s <= 2.0
    assert 10.0 - elapsed * 1.01 - 0.01 <= refused.reset_after_s <= 10.0


async def test_refills_over_time(limiter: RateLimiter) -> None:
    for _ in range(3):
        assert (await limiter.hit("acct:7", capacity=3, refill_per_s=2.0)).allowed
    refused = await limiter.hit("acct:7", capacity=3, refill_per_s=2.0)
    assert not refused.allowed
    await asyncio.sleep(refused.retry_after_s + 0.05)
    again = await limiter.hit("acct:7", capacity=3, refill_per_s=2.0)
    assert again.allowed
    await asyncio.sleep(2.0)  # 1.5 s refills the bucket to capacity, and never beyond
    full = await limiter.hit("acct:7", capacity=3, refill_per_s=2.0)
    assert full.allowed and full.remaining == 2


async def test_cost_takes_several_tokens(limiter: RateLimiter) -> None:
    started = time.monotonic()
    first = await limiter.hit("upload:1", capacity=10, refill_per_s=0.5, cost=4)
    assert first.allowed and first.remaining == 6
    assert (await limiter.hit("upload:1", capacity=10, refill_per_s=0.5, cost=4)).remaining == 2
    refused = await limiter.hit("upload:1", capacity=10, refill_per_s=0.5, cost=4)
    elapsed = time.monotonic() - started
    assert not refused.allowed and refused.remaining == 2
    assert 4.0 - elapsed * 1.01 - 0.01 <= refused.retry_after_s <= 4.0  # two more tokens, 2 s each


async def test_buckets_are_independent(limiter: RateLimiter) -> None:
    assert (await limiter.hit("ip:a", capacity=1, refill_per_s=0.01)).allowed
    assert not (await limiter.hit("ip:a", capacity=1, refill_per_s=0.01)).allowed
    assert (await limiter.hit("ip:b", capacity=1, refill_per_s=0.01)).allowed


async def test_concurrent_hits_never_overspend(limiter: RateLimiter) -> None:
    decisions = await asyncio.gather(
        *(limiter.hit("burst", capacity=20, refill_per_s=0.001) for _ in range(60))
    )
    assert sum(d.allowed for d in decisions) == 20
