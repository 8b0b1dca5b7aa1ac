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
    s = session(contact_points)
    row = s.execute(
        "SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (table.keyspace, table.name),
    ).one()
    if row is None:
        s.execute(create_table_cql(table), timeout=60)
        return "created"
    if row.default_time_to_live != table.default_ttl:
        s.execute(alter_table_ttl_cql(table), timeout=60)
        return "altered"
    return None


def drop_keyspace(contact_points: str, name: str) -> None:
    session(contact_points).execute(drop_keyspace_cql(name), timeout=120)


def drop_table(contact_points: str, table: TableSpec) -> None:
    session(contact_points).execute(drop_table_cql(table), timeout=120)
