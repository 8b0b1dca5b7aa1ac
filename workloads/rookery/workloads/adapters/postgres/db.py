"""The PostgreSQL connection pool shared by the production stores of one process.

- One asyncpg pool per process (sizes from settings); every connection gets the server setting
  ``statement_timeout`` (and an application name) when it is opened.
- ``transaction()`` is the unit of work of a store method: one connection, one transaction; a
  state change and its outbox rows commit together (the outbox fires NOTIFY in it, delivered on
  commit).
- Connection failures, timeouts and a server shutting down surface as ``StoreUnavailable`` so the
  API answers 503 and the process keeps running; the pool reconnects once the server is back.
- ``migrate()`` applies the versioned SQL files under ``migrations/`` (``NNNN_name.sql``), each in
  its own transaction, under a session advisory lock so concurrent migrators never race.
- ``SnapshotCached`` keeps a read's result while the server's MVCC snapshot is unchanged: exact,
  as embedded mode's ``PRAGMA data_version`` cache is, for a trivial round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import pathlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

import asyncpg

from rookery.workloads.adapters.batched import Batched
from rookery.workloads.adapters.sql.paging import Params, id_pairs_query, newest_first
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.metrics import statement_kind, store_request

log = logging.getLogger("rookery.postgres")

MIGRATIONS_DIR = pathlib.Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x726F6F6B  # pg_advisory_lock key of `rookery migrate` ("rook")
_MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

# Errors that mean "the server is down, restarting or too slow": the caller sees StoreUnavailable.
UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.QueryCanceledError,  # statement_timeout
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.PostgresConnectionError,
    # a pooled connection left mid-operation when its server died (seen on a primary's kill -9);
    # `connection()` closes it, so the pool opens a fresh one
    asyncpg.exceptions.InternalClientError,
)


@dataclasses.dataclass(frozen=True)
class SqlMigration:
    version: int
    name: str
    sql: str


def load_migrations(directory: pathlib.Path = MIGRATIONS_DIR) -> list[SqlMigration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named NNNN_name.sql")
        found.append(SqlMigration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {directory}")
    return found


@contextlib.contextmanager
def unavailable_as_503(what: str = "postgres") -> Any:
    try:
        yield
    except UNAVAILABLE as exc:
        raise StoreUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a pooled connection needs when it goes back: nothing beyond the rollback of an open
    transaction, which the pool does itself. Session state (LISTEN, session advisory locks, SET)
    lives only on direct connections, so asyncpg's default reset query, a round trip on every
    release, is skipped."""


class PostgresDatabase:
    def __init__(
        self,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        statement_timeout_ms: int = 5000,
        connect_timeout_s: float = 5.0,
        acquire_timeout_s: float = 5.0,
        schema: str = "",
        application_name: str = "rookery",
    ) -> None:
        self.dsn = dsn
        self.min_size = min_size
        self.max_size = max_size
        self.statement_timeout_ms = statement_timeout_ms
        self.connect_timeout_s = connect_timeout_s
        self.acquire_timeout_s = acquire_timeout_s
        self.schema = schema
        self.application_name = application_name
        self._pool: asyncpg.Pool | None = None
        self._connecting = asyncio.Lock()
        self._snapshots: Batched[None, str] = Batched(self._read_snapshot)

    # -- lifecycle -------------------------------------------------------------------------------

    def _server_settings(self) -> dict[str, str]:
        settings = {
            "statement_timeout": str(self.statement_timeout_ms),
            "application_name": self.application_name,
        }
        if self.schema:
            settings["search_path"] = self.schema
        return settings

    async def connect(self) -> None:
        """Open the pool. A server that is down now is not fatal: the pool is opened on first use."""
        try:
            await self._ensure_pool()
        except StoreUnavailable as exc:
            log.warning("PostgreSQL is not reachable yet (%s); retrying on first use", exc)

    async def _ensure_pool(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._connecting:
            if self._pool is None:
                with unavailable_as_503():
                    self._pool = await asyncpg.create_pool(
                        self.dsn,
                        min_size=self.min_size,
                        max_size=self.max_size,
                        timeout=self.connect_timeout_s,
                        # client side too: a server that stopped answering never sends the
                        # statement_timeout error, so the call gives up a little after it
                        command_timeout=self.statement_timeout_ms / 1000 + 1.0,
                        server_settings=self._server_settings(),
                        reset=_keep_session,
                    )
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pool.close(), timeout=10)

    async def direct_connection(self) -> asyncpg.Connection:
        """A connection outside the pool (LISTEN, migrations); the caller closes it."""
        with unavailable_as_503():
            return await asyncpg.connect(
                self.dsn, timeout=self.connect_timeout_s, server_settings=self._server_settings()
            )

    # -- queries ---------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        pool = await self._ensure_pool()
        with unavailable_as_503():
            async with pool.acquire(timeout=self.acquire_timeout_s) as conn:
                try:
                    yield conn
                except asyncpg.exceptions.InternalClientError:
                    conn.terminate()  # a state it cannot leave: never handed out again
                    raise

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """One unit of work: everything done on the yielded connection commits or rolls back."""
        with store_request("postgres", "transaction"):
            async with self.connection() as conn:
                with unavailable_as_503():
                    async with conn.transaction():
                        yield conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        with store_request("postgres", statement_kind(sql)):
            async with self.connection() as conn:
                return list(await conn.fetch(sql, *args))

    async def id_pairs(self, table: str, column: str, value: int, out: str, page: PageRequest) -> list[tuple[int, int]]:
        """(row id, ``out``) of the rows of ``table`` whose ``column`` is ``value``, a page newest first."""
        p = Params()
        rows = await self.fetch(id_pairs_query(page, p, table, column, value, out), *p.values)
        return newest_first([(row["id"], row[out]) for row in rows], page)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        with store_request("postgres", statement_kind(sql)):
            async with self.connection() as conn:
                return await conn.fetchrow(sql, *args)

    async def snapshot(self) -> str:
        """The server's current MVCC snapshot (``xmin:xmax:in-progress xids``). Two equal snapshots
        see the same committed data: a transaction that committed, or began writing, between them
        would have changed the in-progress list or ``xmax``. Concurrent callers in one turn of the
        event loop share one read, taken after each of them asked (adapters/batched.py)."""
        (found,) = await self._snapshots((None,))
        return found

    async def _read_snapshot(self, callers: list[None]) -> list[str]:
        return [str(await self.fetchval("SELECT pg_current_snapshot()::text"))] * len(callers)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        with store_request("postgres", statement_kind(sql)):
            async with self.connection() as conn:
                return await conn.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        with store_request("postgres", statement_kind(sql)):
            async with self.connection() as conn:
                return str(await conn.execute(sql, *args))

    async def ping(self) -> None:
        """A real round trip (readiness); raises StoreUnavailable when the server is not answering."""
        async with self.connection() as conn:
            with unavailable_as_503():
                await conn.fetchval("SELECT 1", timeout=self.acquire_timeout_s)

    # -- migrations ------------------------------------------------------------------------------

    async def migrate(self, migrations: Sequence[SqlMigration] | None = None) -> list[int]:
        """Apply the missing migrations in version order; returns the versions applied."""
        wanted = sorted(migrations if migrations is not None else load_migrations(), key=lambda m: m.version)
        conn = await self.direct_connection()
        applied: list[int] = []
        try:
            with unavailable_as_503():
                await conn.execute("SET statement_timeout = 0")  # DDL on a big table may take long
                await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
                try:
                    if self.schema:  # under the lock: concurrent IF NOT EXISTS can still collide
                        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        " version integer PRIMARY KEY, name text NOT NULL,"
                        " applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                    done = {
                        row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")
                    }
                    for migration in wanted:
                        if migration.version in done:
                            continue
                        async with conn.transaction():
                            await conn.execute(migration.sql)
                            await conn.execute(
                                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                migration.version,
                                migration.name,
                            )
                        applied.append(migration.version)
                        log.info("applied PostgreSQL migration %04d_%s", migration.version, migration.name)
                finally:
                    await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        finally:
            await conn.close()
        return applied


def placeholders(start: int, count: int) -> str:
    return ",".join(f"${i}" for i in range(start, start + count))


T = TypeVar("T")


class SnapshotCached(Generic[T]):
    """One read's result (per key), served again while ``snapshot()`` is unchanged: the snapshot is
    read before the value, so a write committed meanwhile changes the next snapshot and the value
    is read again. Exact for every process, where a time-to-live would be stale for a while:
    GET /api/v1/instance's counts (a scan of every account) and rules cost one trivial round trip
    while nothing is written, as PRAGMA data_version makes them cost nothing in embedded mode."""

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db
        self._held: tuple[str, Hashable, T] | None = None

    async def get(self, load: Callable[[], Awaitable[T]], key: Hashable = None) -> T:
        snapshot = await self.db.snapshot()
        held = self._held
        if held is not None and held[0] == snapshot and held[1] == key:
            return held[2]
        value = await load()
        self._held = (snapshot, key, value)
        return value
