"""Helpers shared by the contract modules (imported as a plain module: tests/ is no package)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import connect


def unique_tenant() -> str:
    return "t" + uuid.uuid4().hex[:12]


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], timeout_s: float = 30.0, what: str = ""
) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what or check}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def redis_client(request: pytest.FixtureRequest) -> AsyncIterator[aioredis.Redis]:
    """A client of the stack's Redis, asked for lazily: only production params need the stack."""
    client = connect(request.getfixturevalue("redis_url"))
    try:
        yield client
    finally:
        await client.aclose()
