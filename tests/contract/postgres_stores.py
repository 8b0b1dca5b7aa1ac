"""Fixtures of the store contract modules: each store port over SQLite and PostgreSQL.

``store_db`` yields a ``StoreDb`` for one backend: a migrated SQLite file, or a fresh schema of
the session's fresh PostgreSQL database (``needs("postgres")``). Import the fixtures into a
contract module: ``from postgres_stores import STORE_PARAMS, pg_session_dsn, store_db  # noqa: F401``.
"""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from contract_support import sqlite_database
from postgres_support import fresh_database_sync, unique_schema

from rookery.workloads.adapters.postgres.accounts import PostgresAccountRepository, PostgresMarkerStore
from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.postgres.media import PostgresMediaRepository
from rookery.workloads.adapters.postgres.oauth import PostgresOAuthStore
from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
from rookery.workloads.adapters.postgres.push import PostgresPushSubscriptionStore
from rookery.workloads.adapters.postgres.statuses import PostgresInteractionStore, PostgresStatusRepository
from rookery.workloads.adapters.sqlite import accounts as sqlite_accounts
from rookery.workloads.adapters.sqlite import interactions as sqlite_interactions
from rookery.workloads.adapters.sqlite import markers as sqlite_markers
from rookery.workloads.adapters.sqlite import media as sqlite_media
from rookery.workloads.adapters.sqlite import oauth as sqlite_oauth
from rookery.workloads.adapters.sqlite import outbox as sqlite_outbox
from rookery.workloads.adapters.sqlite import push as sqlite_push
from rookery.workloads.adapters.sqlite import statuses as sqlite_statuses

STORE_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.needs("postgres"))]


@dataclasses.dataclass
class StoreDb:
    kind: str
    db: Any  # Database | PostgresDatabase
    outbox: Any  # SqliteOutbox | PostgresOutbox

    def pick(self, sqlite: Callable[..., Any], postgres: Callable[..., Any], *, outbox: bool = False) -> Any:
        """The store class of this backend over the database (and, with ``outbox``, the outbox)."""
        adapter = sqlite if self.kind == "sqlite" else postgres
        return adapter(self.db, self.outbox) if outbox else adapter(self.db)

    async def store(self, migrations: list[Any], sqlite: Callable[..., Any], postgres: Callable[..., Any]) -> Any:
        """A store whose SQLite tables ``store_db`` does not make: its migrations run first there."""
        if self.kind == "sqlite":
            await self.db.migrate(migrations)
        return self.pick(sqlite, postgres)

    def accounts(self) -> Any:
        return self.pick(sqlite_accounts.SqliteAccountRepository, PostgresAccountRepository)

    def markers(self) -> Any:
        return self.pick(sqlite_markers.SqliteMarkerStore, PostgresMarkerStore)

    def oauth(self) -> Any:
        return self.pick(sqlite_oauth.SqliteOAuthStore, PostgresOAuthStore)

    def statuses(self) -> Any:
        return self.pick(sqlite_statuses.SqliteStatusRepository, PostgresStatusRepository, outbox=True)

    def media(self) -> Any:
        return self.pick(sqlite_media.SqliteMediaRepository, PostgresMediaRepository, outbox=True)

    def push(self) -> Any:
        return self.pick(sqlite_push.SqlitePushSubscriptionStore, PostgresPushSubscriptionStore)

    def interactions(self) -> Any:
        return self.pick(sqlite_interactions.SqliteInteractionStore, PostgresInteractionStore, outbox=True)


@pytest.fixture(scope="session")
def pg_session_dsn(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database for this test session on the stack's PostgreSQL."""
    with fresh_database_sync(request.getfixturevalue("stack_env")["ROOKERY_POSTGRES_DSN"]) as dsn:
        yield dsn


@pytest.fixture(params=STORE_PARAMS)
async def store_db(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[StoreDb]:
    if request.param == "sqlite":
        migrations = [
            *sqlite_accounts.MIGRATIONS,
            *sqlite_oauth.MIGRATIONS,
            *sqlite_markers.MIGRATIONS,
            *sqlite_statuses.MIGRATIONS,
            *sqlite_interactions.MIGRATIONS,
            *sqlite_outbox.MIGRATIONS,
            *sqlite_media.MIGRATIONS,
            *sqlite_push.MIGRATIONS,
        ]
        async with sqlite_database(tmp_path / "rookery.db", migrations) as db:
            yield StoreDb("sqlite", db, sqlite_outbox.SqliteOutbox(db))
        return
    pg = PostgresDatabase(request.getfixturevalue("pg_session_dsn"), schema=unique_schema(), max_size=4)
    await pg.migrate()
    await pg.connect()
    outbox = PostgresOutbox(pg, channel=f"{pg.schema}_outbox")
    try:
        yield StoreDb("postgres", pg, outbox)
    finally:
        await outbox.close()
        await pg.close()
