"""Helpers shared by the contract modules (imported as a plain module: tests/ is no package)."""

from __future__ import annotations

import contextlib
import functools
import pathlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis

from e2e.waiting import eventually_async
from rookery.workloads.adapters.redis.keys import connect
from rookery.workloads.adapters.sqlite.db import Database

T = TypeVar("T")


def unique_tenant() -> str:
    return "t" + uuid.uuid4().hex[:12]


# Poll a check (sync or async) until it holds; fail naming ``what`` (or the check) after ``timeout_s``.
eventually = functools.partial(
    eventually_async, timeout_s=30.0, interval_s=0.02, message="timed out after {timeout_s}s waiting for {what}"
)


REDIS_PARAMS = [
    pytest.param("redis", marks=pytest.mark.needs("redis")),
    pytest.param("redis-cluster", marks=pytest.mark.needs("redis")),
]


@contextlib.asynccontextmanager
async def redis_client(
    request: pytest.FixtureRequest, cluster: bool = False
) -> AsyncIterator[aioredis.Redis]:
    """A client of the stack's Redis (or of the three-node cluster), asked for lazily: only
    production params need the stack."""
    if cluster:
        client = connect(request.getfixturevalue("redis_cluster_url"), cluster=True)
        # learn the slot map before concurrent use, as bootstrap's starter does: redis-py's
        # lazy first initialize() races when many commands arrive at once
        await client.initialize()  # type: ignore[attr-defined]
    else:
        client = connect(request.getfixturevalue("redis_url"))
    try:
        yield client
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def memory_or_redis(
    request: pytest.FixtureRequest, memory: Callable[[], T], redis: Callable[[Any, str], T], tenant: str
) -> AsyncIterator[T]:
    """The adapter a ``params=["memory", *REDIS_PARAMS]`` fixture yields: ``memory()``, or
    ``redis(client, tenant)`` on a (cluster) client that is closed afterwards."""
    if request.param == "memory":
        yield memory()
    else:
        async with redis_client(request, cluster=request.param == "redis-cluster") as client:
            yield redis(client, tenant)


@contextlib.asynccontextmanager
async def sqlite_database(path: pathlib.Path, migrations: list[Any]) -> AsyncIterator[Database]:
    """A SQLite database file with ``migrations`` applied, closed afterwards."""
    db = Database(path)
    await db.connect()
    await db.migrate(migrations)
    try:
        yield db
    finally:
        await db.close()
