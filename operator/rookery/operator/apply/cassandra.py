"""The tenant's keyspace and shard tables through the DataStax driver (blocking; run in a thread)."""

from __future__ import annotations

import threading

from cassandra.cluster import Cluster, Session
from cassandra.policies import RoundRobinPolicy

from rookery.operator.render.keyspaces import (
    KeyspaceSpec,
    TableSpec,
    alter_keyspace_cql,
    alter_table_ttl_cql,
    create_keyspace_cql,
    create_table_cql,
    drop_keyspace_cql,
    drop_table_cql,
    normalise_replication,
)

_sessions: dict[str, Session] = {}


class TableSchemaMismatch(ValueError):
    """A shard's table exists with another schema than the workloads' home timelines."""

_lock = threading.Lock()


def parse_contact_points(value: str) -> tuple[list[str], int]:
    hosts, port = [], 9042
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        host, _, maybe_port = item.rpartition(":") if item.count(":") == 1 else (item, "", "")
        hosts.append(host)
        if maybe_port:
            port = int(maybe_port)
    if not hosts:
        raise ValueError(f"no Cassandra contact points in {value!r}")
    return hosts, port


def session(contact_points: str) -> Session:
    with _lock:
        if contact_points not in _sessions:
            hosts, port = parse_contact_points(contact_points)
            cluster = Cluster(
                hosts,
                port=port,
                load_balancing_policy=RoundRobinPolicy(),
                connect_timeout=10,
                control_connection_timeout=10,
                protocol_version=4,  # v5's frame checksums sometimes fail a fresh connection (driver)
            )
            _sessions[contact_points] = cluster.connect()
        return _sessions[contact_points]


def shutdown() -> None:
    with _lock:
        for s in _sessions.values():
            s.cluster.shutdown()
        _sessions.clear()


def live_replication(contact_points: str, keyspace: str) -> dict[str, str] | None:
    row = (
        session(contact_points)
        .execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", (keyspace,))
        .one()
    )
    return normalise_replication(dict(row.replication)) if row else None


def ensure_keyspace(contact_points: str, ks: KeyspaceSpec) -> str | None:
    """Create or re-replicate the keyspace; returns 'created', 'altered' or None when it already matched."""
    current = live_replication(contact_points, ks.name)
    if current is None:
        session(contact_points).execute(create_keyspace_cql(ks), timeout=60)
        return "created"
    if current != normalise_replication(ks.replication):
        session(contact_points).execute(alter_keyspace_cql(ks), timeout=60)
        return "altered"
    return None


def ensure_table(contact_points: str, table: TableSpec) -> str | None:
    """Create the shard's tables that are missing, or set the main table's TTL; 'created', 'altered'
    or None. A main table of another schema (no owner_id column) is an error, not silently kept."""
    s = session(contact_points)
    rows = s.execute(
        "SELECT table_name, default_time_to_live FROM system_schema.tables WHERE keyspace_name = %s",
        (table.keyspace,),
    )
    live = {row.table_name: row.default_time_to_live for row in rows if row.table_name in table.names}
    if table.name in live:
        columns = s.execute(
            "SELECT column_name FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s",
            (table.keyspace, table.name),
        )
        if "owner_id" not in {row.column_name for row in columns}:
            raise TableSchemaMismatch(
                f"{table.keyspace}.{table.name} has another schema than the workloads' home timelines"
                " (no owner_id column): drop it and the operator creates it again"
            )
    if set(table.names) - set(live):
        for statement in create_table_cql(table):
            s.execute(statement, timeout=60)
        return "created"
    if live[table.name] != table.default_ttl:
        s.execute(alter_table_ttl_cql(table), timeout=60)
        return "altered"
    return None


def drop_keyspace(contact_points: str, name: str) -> None:
    session(contact_points).execute(drop_keyspace_cql(name), timeout=120)


def drop_table(contact_points: str, table: TableSpec) -> None:
    for statement in drop_table_cql(table):
        session(contact_points).execute(statement, timeout=120)
