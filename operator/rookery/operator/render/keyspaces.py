"""Cassandra: the tenant's keyspace and each FeedShard's timeline table, as CQL."""

from __future__ import annotations

import dataclasses

from rookery.operator.render.common import Shard, Tenant

STRATEGY_PREFIX = "org.apache.cassandra.locator."


@dataclasses.dataclass(frozen=True)
class KeyspaceSpec:
    name: str
    replication: dict[str, str]  # as system_schema.keyspaces stores it: {"class": ..., "dc1": "3"}

    def cql_replication(self) -> str:
        items = ", ".join(f"'{k}': '{v}'" for k, v in self.replication.items())
        return "{" + items + "}"


@dataclasses.dataclass(frozen=True)
class TableSpec:
    keyspace: str
    name: str
    default_ttl: int


def tenant_keyspace(tenant: Tenant) -> KeyspaceSpec:
    rep = tenant.spec.cassandra.replication
    replication = {"class": STRATEGY_PREFIX + rep.strategy}
    if rep.strategy == "SimpleStrategy":
        replication["replication_factor"] = str(rep.replicationFactor)
    else:
        replication.update({dc: str(n) for dc, n in sorted((rep.dataCenters or {}).items())})
    return KeyspaceSpec(tenant.keyspace, replication)


def normalise_replication(replication: dict[str, str]) -> dict[str, str]:
    """Cassandra may report the short class name; compare on the full one."""
    out = dict(replication)
    if "." not in out.get("class", "."):
        out["class"] = STRATEGY_PREFIX + out["class"]
    return out


def create_keyspace_cql(ks: KeyspaceSpec) -> str:
    return (
        f'CREATE KEYSPACE IF NOT EXISTS "{ks.name}" '
        f"WITH replication = {ks.cql_replication()} AND durable_writes = true"
    )


def alter_keyspace_cql(ks: KeyspaceSpec) -> str:
    return f'ALTER KEYSPACE "{ks.name}" WITH replication = {ks.cql_replication()}'


def drop_keyspace_cql(name: str) -> str:
    return f'DROP KEYSPACE IF EXISTS "{name}"'


def shard_table(shard: Shard) -> TableSpec:
    return TableSpec(shard.tenant.keyspace, shard.table, shard.spec.timeline.ttlDays * 86400)


def create_table_cql(table: TableSpec) -> str:
    # one partition per (user, time bucket), newest first: a home timeline page is one slice
    return (
        f'CREATE TABLE IF NOT EXISTS "{table.keyspace}"."{table.name}" ('
        "user_id bigint, bucket int, status_id bigint, author_id bigint, reblog_of bigint, "
        "PRIMARY KEY ((user_id, bucket), status_id)) "
        f"WITH CLUSTERING ORDER BY (status_id DESC) AND default_time_to_live = {table.default_ttl}"
    )


def alter_table_ttl_cql(table: TableSpec) -> str:
    return f'ALTER TABLE "{table.keyspace}"."{table.name}" WITH default_time_to_live = {table.default_ttl}'


def drop_table_cql(table: TableSpec) -> str:
    return f'DROP TABLE IF EXISTS "{table.keyspace}"."{table.name}"'
