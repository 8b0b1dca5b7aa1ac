"""CQL schema migrations, applied by `rookery migrate` into the tenant's keyspace.

The keyspace is the operator's (replication is a cluster decision): it must exist, unless
``ROOKERY_CASSANDRA_CREATE_KEYSPACE`` says to create it (dev and tests). Versioned files
``NNNN_name.cql`` beside this module are applied in order, statement by statement, each followed by
a wait for schema agreement; applied versions are recorded in ``schema_migrations``. A lease row
(a conditional insert with a TTL) keeps two migrators from running at once. Statements are
``IF NOT EXISTS``, so a migration interrupted half way is simply applied again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import pathlib
import re
import socket
import time
import uuid

from cassandra import InvalidRequest
from cassandra.cluster import Session
from cassandra.metadata import protect_name

from rookery.workloads.adapters.cassandra.session import UNAVAILABLE, CassandraSession
from rookery.workloads.domain.unavailable import StoreUnavailable
from rookery.workloads.settings import Settings

MIGRATIONS_DIR = pathlib.Path(__file__).parent
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cql$")
_KEYSPACE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$")
LEASE_TTL_S = 120


@dataclasses.dataclass(frozen=True)
class CqlMigration:
    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(text: str) -> tuple[str, ...]:
    lines = [line for line in text.splitlines() if not line.strip().startswith("--")]
    return tuple(s.strip() for s in "\n".join(lines).split(";") if s.strip())


def load_migrations(directory: pathlib.Path = MIGRATIONS_DIR) -> list[CqlMigration]:
    found = []
    for path in sorted(directory.glob("*.cql")):
        match = _FILE.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path.name} is not named NNNN_name.cql")
        found.append(CqlMigration(int(match.group(1)), match.group(2), split_statements(path.read_text())))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration versions in {directory}")
    return found


def _replication(settings: Settings) -> str:
    rf = max(1, settings.cassandra_replication_factor)
    if settings.cassandra_local_dc:
        return f"{{'class': 'NetworkTopologyStrategy', '{settings.cassandra_local_dc}': {rf}}}"
    return f"{{'class': 'SimpleStrategy', 'replication_factor': {rf}}}"


def _agree(session: Session) -> None:
    cluster = session.cluster
    if not cluster.control_connection.wait_for_schema_agreement(wait_time=60):
        raise StoreUnavailable("cassandra: the nodes did not agree on the schema within 60 s")


def _use(session: Session, keyspace: str, wait_s: float = 30.0) -> None:
    """USE the keyspace, waiting for it where another migrator has just created it: the driver's
    metadata can show a keyspace a moment before a connection may use it (two `rookery migrate`
    at once under load: "Keyspace ... does not exist", once in 2026-12)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            session.set_keyspace(keyspace)
            return
        except InvalidRequest as exc:
            if "does not exist" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def migrate_blocking(settings: Settings) -> list[str]:
    keyspace = settings.cassandra_keyspace
    if not _KEYSPACE.match(keyspace):
        raise ValueError(f"ROOKERY_CASSANDRA_KEYSPACE {keyspace!r} is not a valid keyspace name")
    helper = CassandraSession(
        settings.cassandra_contact_points,
        keyspace,
        local_dc=settings.cassandra_local_dc,
        request_timeout_s=max(settings.cassandra_request_timeout_s, 30.0),
    )
    cluster = helper.make_cluster()
    try:
        session = cluster.connect()
    except UNAVAILABLE as exc:
        cluster.shutdown()
        raise StoreUnavailable(f"cassandra at {settings.cassandra_contact_points}: {exc}") from exc
    try:
        return _apply(session, settings, keyspace)
    except UNAVAILABLE as exc:
        raise StoreUnavailable(f"cassandra: {type(exc).__name__}: {exc}") from exc
    finally:
        cluster.shutdown()


def _apply(session: Session, settings: Settings, keyspace: str) -> list[str]:
    ks = protect_name(keyspace)
    if keyspace not in session.cluster.metadata.keyspaces:
        if not settings.cassandra_create_keyspace:
            raise StoreUnavailable(
                f"cassandra keyspace {keyspace!r} does not exist: create it (the operator does) or set"
                " ROOKERY_CASSANDRA_CREATE_KEYSPACE=true (dev and tests)"
            )
        session.execute(f"CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = {_replication(settings)}")
        _agree(session)
    _use(session, keyspace)
    session.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations"
        " (version int PRIMARY KEY, name text, applied_at timestamp)"
    )
    session.execute("CREATE TABLE IF NOT EXISTS schema_migrations_lease (id int PRIMARY KEY, owner text)")
    _agree(session)
    owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + LEASE_TTL_S
    while not session.execute(
        f"INSERT INTO schema_migrations_lease (id, owner) VALUES (0, %s)"
        f" IF NOT EXISTS USING TTL {LEASE_TTL_S}",
        (owner,),
    ).was_applied:
        if time.monotonic() > deadline:
            raise StoreUnavailable("cassandra: another `rookery migrate` holds the migration lease")
        time.sleep(0.5)
    try:
        done = {row[0] for row in session.execute("SELECT version FROM schema_migrations")}
        applied = []
        for migration in load_migrations():
            if migration.version in done:
                continue
            for statement in migration.statements:
                session.execute(statement, timeout=60)
                _agree(session)
            session.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                (migration.version, migration.name, dt.datetime.now(dt.UTC)),
            )
            applied.append(f"{migration.version:04d}_{migration.name}")
        return applied
    finally:
        session.execute("DELETE FROM schema_migrations_lease WHERE id = 0 IF owner = %s", (owner,))


async def migrate(settings: Settings) -> list[str]:
    """Apply the pending CQL migrations to ``settings.cassandra_keyspace``; returns their names."""
    return await asyncio.to_thread(migrate_blocking, settings)


migrate_cassandra = migrate


def drop_keyspace_blocking(settings: Settings) -> None:
    """Tests and teardown only: drop ``settings.cassandra_keyspace``."""
    helper = CassandraSession(
        settings.cassandra_contact_points, "system", local_dc=settings.cassandra_local_dc
    )
    cluster = helper.make_cluster()
    try:
        session = cluster.connect()
        session.execute(f"DROP KEYSPACE IF EXISTS {protect_name(settings.cassandra_keyspace)}", timeout=60)
    finally:
        cluster.shutdown()
