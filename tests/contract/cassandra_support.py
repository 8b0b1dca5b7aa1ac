"""Cassandra for the store contract suites: one fresh keyspace per test session (created and
migrated by the real `migrate`), a connected session per test, the store's tables truncated first
(creating a keyspace per test costs ~5 s; a truncate ~0.1 s)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from rookery.workloads.adapters.cassandra.migrations import drop_keyspace_blocking, migrate_blocking
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.settings import Settings

CASSANDRA = pytest.param("cassandra", marks=pytest.mark.needs("cassandra"))


@pytest.fixture(scope="session")
def cassandra_settings(request: pytest.FixtureRequest) -> Iterator[Settings]:
    env = request.getfixturevalue("stack_env")
    settings = Settings(
        cassandra_contact_points=env["ROOKERY_CASSANDRA_CONTACT_POINTS"],
        cassandra_local_dc=env.get("ROOKERY_CASSANDRA_LOCAL_DC", ""),
        cassandra_keyspace="contract_" + uuid.uuid4().hex[:12],
        cassandra_create_keyspace=True,
    )
    migrate_blocking(settings)
    yield settings
    with contextlib.suppress(Exception):
        drop_keyspace_blocking(settings)


@contextlib.asynccontextmanager
async def cassandra_store(
    request: pytest.FixtureRequest, tables: tuple[str, ...], make: Callable[[CassandraSession], Any]
) -> AsyncIterator[Any]:
    """A store built by ``make`` on a connected session, its ``tables`` emptied first."""
    settings: Settings = request.getfixturevalue("cassandra_settings")
    session = CassandraSession(
        settings.cassandra_contact_points, settings.cassandra_keyspace, local_dc=settings.cassandra_local_dc
    )
    await session.connect()
    try:
        await asyncio.gather(*(session.query(f"TRUNCATE {table}") for table in tables))
        store = make(session)
        await session.prepare_pending()
        yield store
    finally:
        await session.close()
