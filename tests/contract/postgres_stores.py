"""Fixtures of the store contract modules: each store port over SQLite and PostgreSQL.

``store_db`` yields a ``StoreDb`` for one backend: a migrated SQLite file, or a fresh schema of
the session's fresh PostgreSQL database (``needs("postgres")``). Import the fixtures into a
contract module: ``from postgres_stores import STORE_PARAMS, pg_session_dsn, store_db  # noqa: F401``.
"""

from __future__ import annotations

import dataclasses
import pathlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from postgres_support import fresh_database_sync, unique_schema

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
from rookery.workloads.adapters.sqlite import accounts as sqlite_accounts
from rookery.workloads.adapters.sqlite import interactions as sqlite_interactions
from rookery.workloads.adapters.sqlite import markers as sqlite_markers
from rookery.workloads.adapters.sqlite import media as sqlite_media
from rookery.workloads.adapters.sqlite import oauth as sqlite_oauth
from rookery.workloads.adapters.sqlite import outbox as sqlite_outbox
from rookery.workloads.adapters.sqlite import push as sqlite_push
from rookery.workloads.adapters.sqlite import statuses as sqlite_statuses
from rookery.workloads.adapters.sqlite.db import Database

STORE_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.needs("postgres"))]


@dataclasses.dataclass
class StoreDb:
    kind: str
    db: Any  # Database | PostgresDatabase
    outbox: Any  # SqliteOutbox | PostgresOutbox

    def accounts(self) -> Any:
        if self.kind == "sqlite":
            return sqlite_accounts.SqliteAccountRepository(self.db)
        from rookery.workloads.adapters.postgres.accounts import PostgresAccountRepository

        return PostgresAccountRepository(self.db)

    def markers(self) -> Any:
        if self.kind == "sqlite":
            return sqlite_markers.SqliteMarkerStore(self.db)
        from rookery.workloads.adapters.postgres.accounts import PostgresMarkerStore

        return PostgresMarkerStore(self.db)

    def oauth(self) -> Any:
        if self.kind == "sqlite":
            return sqlite_oauth.SqliteOAuthStore(self.db)
        from rookery.workloads.adapters.postgres.oauth import PostgresOAuthStore

        return PostgresOAuthStore(self.db)

    def statuses(self) -> Any:
        if self.kind == "sqlite":
            return sqlite_statuses.SqliteStatusRepository(self.db, self.outbox)
        from rookery.workloads.adapters.postgres.statuses import PostgresStatusRepository

        return PostgresStatusRepository(self.db, self.outbox)

    def media(self) -> Any:
        if self.kind == "sqlite":
            return sqlite_media.SqliteMediaRepository(self.db, self.outbox)
        from rookery.workloads.adapters.postgres.media import PostgresMediaRepository

        return PostgresMediaRepository(self.db, self.outbox)

    def push(self) -> Any:
        if self.kind == "sqlite":
            return sqlite_push.SqlitePushSubscriptionStore(self.db)
        from rookery.workloads.adapters.postgres.push import PostgresPushSubscriptionStore

        return PostgresPushSubscriptionStore(self.db)

    def interactions(self) -> Any:
        if self.kind == "sqlite":
            return sqlite_interactions.SqliteInteractionStore(self.db, self.outbox)
        from rookery.workloads.adapters.postgres.statuses import PostgresInteractionStore

        return PostgresInteractionStore(self.db, self.outbox)


@pytest.fixture(scope="session")
def pg_session_dsn(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database for this test session on the stack's PostgreSQL."""
    with fresh_database_sync(request.getfixturevalue("stack_env")["ROOKERY_POSTGRES_DSN"]) as dsn:
        yield dsn


@pytest.fixture(params=STORE_PARAMS)
async def store_db(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[StoreDb]:
    if request.param == "sqlite":
        db = Database(tmp_path / "rookery.db")
        await db.connect()
        await db.migrate(
            [
                *sqlite_accounts.MIGRATIONS,
                *sqlite_oauth.MIGRATIONS,
                *sqlite_markers.MIGRATIONS,
                *sqlite_statuses.MIGRATIONS,
                *sqlite_interactions.MIGRATIONS,
                *sqlite_outbox.MIGRATIONS,
                *sqlite_media.MIGRATIONS,
                *sqlite_push.MIGRATIONS,
            ]
        )
        try:
            yield StoreDb("sqlite", db, sqlite_outbox.SqliteOutbox(db))
        finally:
            await db.close()
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
