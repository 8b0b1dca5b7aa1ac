"""LockManager port contract: exclusive leases, compare-and-delete release, fencing, expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from contract_support import REDIS_PARAMS, memory_or_redis

from rookery.workloads.adapters.memory.locks import MemoryLockManager
from rookery.workloads.adapters.redis.locks import RedisLockManager
from rookery.workloads.ports.edge import LockManager


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def locks(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[LockManager]:
    async with memory_or_redis(request, MemoryLockManager, RedisLockManager, tenant) as adapter:
        yield adapter


async def test_exclusive_until_released(locks: LockManager) -> None:
    first = await locks.acquire("follow-request:1", ttl_ms=5000)
    assert first is not None
    assert await locks.acquire("follow-request:1", ttl_ms=5000) is None
    assert await locks.acquire("follow-request:2", ttl_ms=5000) is not None  # other names are free
    assert await locks.release(first)
    assert not await locks.release(first)  # already gone
    assert await locks.acquire("follow-request:1", ttl_ms=5000) is not None


async def test_fencing_strictly_increases(locks: LockManager) -> None:
    seen = []
    for _ in range(5):
        lock = await locks.acquire("handle:alice", ttl_ms=5000)
        assert lock is not None
        seen.append(lock.fencing)
        assert await locks.release(lock)
    assert seen == sorted(set(seen)) and len(seen) == 5


async def test_expiry_frees_and_stale_holder_cannot_release(locks: LockManager) -> None:
    stale = await locks.acquire("job", ttl_ms=100)
    assert stale is not None
    await asyncio.sleep(0.2)
    fresh = await locks.acquire("job", ttl_ms=5000)
    assert fresh is not None and fresh.fencing > stale.fencing
    assert not await locks.release(stale)  # compare-and-delete: the new holder keeps the lock
    assert await locks.acquire("job", ttl_ms=5000) is None
    assert await locks.release(fresh)


async def test_waiter_gets_the_lock_after_release(locks: LockManager) -> None:
    holder = await locks.acquire("approve", ttl_ms=10_000)
    assert holder is not None

    async def release_soon() -> None:
        await asyncio.sleep(0.1)
        await locks.release(holder)

    releaser = asyncio.create_task(release_soon())
    waiter = await locks.acquire("approve", ttl_ms=5000, wait_ms=3000)
    await releaser
    assert waiter is not None and waiter.fencing > holder.fencing
    assert await locks.acquire("approve", ttl_ms=5000, wait_ms=50) is None


async def test_critical_sections_never_overlap(locks: LockManager) -> None:
    inside = 0
    overlaps = 0
    entered = 0

    async def worker() -> None:
        nonlocal inside, overlaps, entered
        for _ in range(5):
            lock = await locks.acquire("counter", ttl_ms=5000, wait_ms=10_000)
            assert lock is not None
            inside += 1
            overlaps += inside > 1
            entered += 1
            await asyncio.sleep(0.002)
            inside -= 1
            assert await locks.release(lock)

    await asyncio.gather(*(worker() for _ in range(6)))
    assert entered == 30 and overlaps == 0
