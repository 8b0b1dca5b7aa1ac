"""PostgreSQL for tests: a fresh database per test session, a fresh schema per test.

``fresh_database_sync(dsn)`` creates ``rookery_t<hex>`` on the stack's server and drops it afterwards;
tests put their tables in their own schema (``ROOKERY_POSTGRES_SCHEMA``), so they share the
session's database without sharing rows and nothing has to be truncated.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, also while an event loop runs in this thread (fixtures)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def with_database(dsn: str, database: str) -> str:
    base, _, _ = dsn.rpartition("/")
    return f"{base}/{database}"


def unique_schema() -> str:
    return "s" + uuid.uuid4().hex[:12]


async def create_database(dsn: str) -> str:
    """Create a fresh database on the server of ``dsn``; returns its DSN."""
    name = "rookery_t" + uuid.uuid4().hex[:10]
    admin = await asyncpg.connect(dsn, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return with_database(dsn, name)


async def drop_database(dsn: str) -> None:
    name = dsn.rpartition("/")[2]
    admin = await asyncpg.connect(dsn.rpartition("/")[0] + "/postgres", timeout=10)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@contextlib.contextmanager
def fresh_database_sync(dsn: str) -> Iterator[str]:
    """A fresh database for a (sync, session-scoped) fixture; dropped afterwards."""
    created = run_sync(create_database(dsn))
    try:
        yield created
    finally:
        run_sync(drop_database(created))
