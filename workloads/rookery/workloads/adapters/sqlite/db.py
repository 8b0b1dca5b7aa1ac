"""One SQLite database file per data dir (WAL), shared by the embedded stores of every role.

Writes go through ``transaction()``, which serialises writers in-process (SQLite has one writer)
and commits or rolls back as a unit: a state change and its outbox row commit together.
Each role registers its own versioned migrations; ``migrate()`` applies the missing ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import pathlib
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import aiosqlite

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",
)


@dataclasses.dataclass(frozen=True)
class Migration:
    role: str  # "accounts", "posts", ...
    version: int  # per role, strictly increasing
    statements: tuple[str, ...]


class Database:
    def __init__(self, path: pathlib.Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    async def connect(self) -> None:
        if self.path != ":memory:":
            pathlib.Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await self._conn.execute(pragma)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not connected")
        return self._conn

    async def migrate(self, migrations: Iterable[Migration]) -> list[tuple[str, int]]:
        """Apply the migrations not yet recorded; returns the (role, version) pairs applied."""
        await self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " role TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL DEFAULT (datetime('now')),"
            " PRIMARY KEY (role, version))"
        )
        rows = await self.fetchall("SELECT role, version FROM schema_migrations")
        done = {(row["role"], row["version"]) for row in rows}
        applied = []
        for migration in sorted(migrations, key=lambda m: (m.role, m.version)):
            if (migration.role, migration.version) in done:
                continue
            async with self.transaction() as tx:
                for statement in migration.statements:
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migrations (role, version) VALUES (?, ?)",
                    (migration.role, migration.version),
                )
            applied.append((migration.role, migration.version))
        return applied

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        # The statements run on aiosqlite's thread, in the order they were queued. A task cancelled
        # while BEGIN or COMMIT is in flight there must still end the transaction: ROLLBACK/COMMIT
        # are shielded from the cancellation and queued behind whatever is running.
        async with self._write_lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):  # "no transaction is active"
                    await asyncio.shield(self._end("ROLLBACK"))
                raise
            else:
                try:
                    await asyncio.shield(self._end("COMMIT"))
                except sqlite3.Error:  # a failed COMMIT leaves the transaction open: end it
                    with contextlib.suppress(sqlite3.Error):
                        await asyncio.shield(self._end("ROLLBACK"))
                    raise

    async def _end(self, statement: str) -> None:
        await self.conn.execute(statement)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A single autocommitted write (prefer transaction() for anything that must be atomic)."""
        async with self._write_lock:
            await self.conn.execute(sql, params)
