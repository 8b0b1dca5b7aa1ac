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
    """A FeedShard's home timeline tables: ``name``, ``name``_days and ``name``_by_status."""

    keyspace: str
    name: str
    default_ttl: int
    bucket_days: int = 1

    @property
    def names(self) -> tuple[str, str, str]:
        return (self.name, f"{self.name}_days", f"{self.name}_by_status")


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
    info = shard.info
    return TableSpec(shard.tenant.keyspace, info.table, info.ttl_s, info.bucket_days)


def create_table_cql(table: TableSpec) -> list[str]:
    """The schema of the workloads' home timelines (adapters/cassandra/migrations/0002 and
    CassandraTimelineStore): one partition per (owner, bucket of ``bucket_days`` days), newest first;
    the buckets an owner has rows in; where each status was pushed (deletions reach every timeline)."""
    q = f'"{table.keyspace}"'
    main, days, by_status = table.names
    return [
        f'CREATE TABLE IF NOT EXISTS {q}."{main}" ('
        "owner_id bigint, day int, status_id bigint, account_id bigint, reblog_of_id bigint, "
        "reblog_account_id bigint, visibility text, in_reply_to_account_id bigint, "
        "PRIMARY KEY ((owner_id, day), status_id)) "
        "WITH CLUSTERING ORDER BY (status_id DESC) "
        "AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'DAYS', "
        f"'compaction_window_size': {table.bucket_days}}} "
        f"AND default_time_to_live = {table.default_ttl}",
        f'CREATE TABLE IF NOT EXISTS {q}."{days}" ('
        "owner_id bigint, day int, PRIMARY KEY ((owner_id), day)) WITH CLUSTERING ORDER BY (day DESC)",
        f'CREATE TABLE IF NOT EXISTS {q}."{by_status}" ('
        "status_id bigint, owner_id bigint, entry_id bigint, PRIMARY KEY ((status_id), owner_id, entry_id))",
    ]


def alter_table_ttl_cql(table: TableSpec) -> str:
    return f'ALTER TABLE "{table.keyspace}"."{table.name}" WITH default_time_to_live = {table.default_ttl}'


def drop_table_cql(table: TableSpec) -> list[str]:
    return [f'DROP TABLE IF EXISTS "{table.keyspace}"."{name}"' for name in table.names]
