"""One SQLite database file per data dir (WAL), shared by the embedded stores of every role.

Writes go through ``transaction()``, which serialises writers in-process (SQLite has one writer)
and commits or rolls back as a unit: a state change and its outbox row commit together.
Each role registers its own versioned migrations; ``migrate()`` applies the missing ones. They are
numbered files, ``migrations/<role>/NNNN_name.sql``: the database records (role, NNNN) as applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import pathlib
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import aiosqlite

from rookery.workloads.adapters.sql.paging import QmarkParams, id_pairs_query, newest_first
from rookery.workloads.adapters.sqlite.inline import InlineReader
from rookery.workloads.domain.pagination import PageRequest

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


MIGRATIONS_DIR = pathlib.Path(__file__).with_name("migrations")
_MIGRATION_FILE = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def load_migrations(role: str, *versions: int, directory: pathlib.Path = MIGRATIONS_DIR) -> tuple[Migration, ...]:
    """Versions ``versions`` of ``role`` from ``directory/<role>/NNNN_name.sql`` (a role's versions can
    belong to several stores, so each store names its own)."""
    found: dict[int, pathlib.Path] = {}
    for path in sorted((directory / role).glob("*.sql")):
        match = _MIGRATION_FILE.fullmatch(path.name)
        if match is None:
            raise ValueError(f"{path}: a migration file is named NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise ValueError(f"{path}: {role} {version} is also {found[version].name}")
        found[version] = path
    missing = [version for version in versions if version not in found]
    if missing:
        raise ValueError(f"no migration file for {role} {missing} in {directory / role}")
    return tuple(Migration(role, version, split_statements(found[version].read_text())) for version in versions)


def split_statements(text: str) -> tuple[str, ...]:
    """The statements of a migration file, ``;`` ending each one as SQLite reads it (so a trigger's
    BEGIN ... END stays whole); comment lines between statements are left out."""
    statements: list[str] = []
    lines: list[str] = []
    for line in text.splitlines():
        if not lines and (not line.strip() or line.lstrip().startswith("--")):
            continue
        lines.append(line)
        statement = "\n".join(lines)
        if sqlite3.complete_statement(statement):
            statements.append(statement.strip().removesuffix(";").rstrip())
            lines = []
    if lines:
        raise ValueError(f"a statement without its closing ';': {lines[0]}")
    return tuple(statements)


class Database:
    def __init__(self, path: pathlib.Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._inline: InlineReader | None = None

    async def connect(self) -> None:
        if self.path != ":memory:":
            pathlib.Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await self._conn.execute(pragma)

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def inline(self) -> InlineReader:
        """The read-only connection every store of this database reads inline with (inline.py)."""
        if self._inline is None:
            self._inline = InlineReader(self)
        return self._inline

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

    async def id_pairs(self, table: str, column: str, value: int, out: str, page: PageRequest) -> list[tuple[int, int]]:
        """(row id, ``out``) of the rows of ``table`` whose ``column`` is ``value``, a page newest first."""
        p = QmarkParams()
        rows = await self.fetchall(id_pairs_query(page, p, table, column, value, out), p.values)
        return newest_first([(row["id"], row[out]) for row in rows], page)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A single autocommitted write (prefer transaction() for anything that must be atomic)."""
        async with self._write_lock:
            await self.conn.execute(sql, params)
