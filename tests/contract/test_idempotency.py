"""IdempotencyStore port contract: reserve, put, get, release."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from contract_support import REDIS_PARAMS, memory_or_redis

from rookery.workloads.adapters.memory.idempotency import MemoryIdempotencyStore
from rookery.workloads.adapters.redis.idempotency import RedisIdempotencyStore
from rookery.workloads.domain.edge import StoredResponse
from rookery.workloads.ports.edge import IdempotencyStore

RESPONSE = StoredResponse(
    status=200,
    headers=[("content-type", "application/json"), ("x-request-id", "r1"), ("link", '<a>; rel="next"')],
    body=b'{"id":"1","content":"line\\nbreak"}\n\x00binary\xff',
    fingerprint="sha256:abc",
)


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def store(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[IdempotencyStore]:
    async with memory_or_redis(request, MemoryIdempotencyStore, RedisIdempotencyStore, tenant) as adapter:
        yield adapter


async def test_first_caller_reserves(store: IdempotencyStore) -> None:
    assert await store.reserve("acct1:key1", ttl_s=60)
    assert not await store.reserve("acct1:key1", ttl_s=60)
    assert await store.get("acct1:key1") is None  # reserved, still running
    assert await store.reserve("acct1:key2", ttl_s=60)


async def test_put_then_replay(store: IdempotencyStore) -> None:
    assert await store.reserve("k", ttl_s=60)
    await store.put("k", RESPONSE, ttl_s=60)
    assert await store.get("k") == RESPONSE
    assert not await store.reserve("k", ttl_s=60)  # replays answer from the stored response
    await store.release("k")  # only a reservation is released, never a stored response
    assert await store.get("k") == RESPONSE


async def test_release_lets_a_retry_run(store: IdempotencyStore) -> None:
    assert await store.reserve("failing", ttl_s=60)
    await store.release("failing")
    assert await store.get("failing") is None
    assert await store.reserve("failing", ttl_s=60)


async def test_reservations_and_responses_expire(store: IdempotencyStore) -> None:
    assert await store.reserve("abandoned", ttl_s=0.2)
    assert await store.reserve("done", ttl_s=60)
    await store.put("done", RESPONSE, ttl_s=0.2)
    await asyncio.sleep(0.35)
    assert await store.get("done") is None
    assert await store.reserve("abandoned", ttl_s=60)
    assert await store.reserve("done", ttl_s=60)


async def test_concurrent_reserve_has_one_winner(store: IdempotencyStore) -> None:
    results = await asyncio.gather(*(store.reserve("race", ttl_s=60) for _ in range(30)))
    assert sum(results) == 1
