"""apply/cassandra.py on the stack's Cassandra: a FeedShard's tables are the workloads' home timeline
schema (the store the shard's worker and readers use works on them, written and read back), a TTL
change alters only the TTL, an old-schema table is refused by name, and a drop removes all three."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from operator_harness import cassandra_points

from rookery.operator.apply import cassandra
from rookery.operator.render.keyspaces import KeyspaceSpec, TableSpec
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ids import new_id

pytestmark = pytest.mark.needs("cassandra")


@pytest.fixture(scope="module")
def keyspace(stack_env: dict[str, str]) -> Iterator[tuple[str, str]]:
    points, name = cassandra_points(stack_env), "op_" + uuid.uuid4().hex[:12]
    replication = {"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "1"}
    cassandra.ensure_keyspace(points, KeyspaceSpec(name, replication))
    # the tenant's own table beside the shard's (created by `rookery migrate`): the celebrity set
    cassandra.session(points).execute(
        f'CREATE TABLE "{name}".celebrities (shard int, account_id bigint, PRIMARY KEY ((shard), account_id))',
        timeout=60,
    )
    try:
        yield points, name
    finally:
        cassandra.drop_keyspace(points, name)
        cassandra.shutdown()


def tables(points: str, keyspace: str) -> set[str]:
    rows = cassandra.session(points).execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,)
    )
    return {row.table_name for row in rows}


def test_a_shards_tables_hold_what_the_workloads_store_writes(
    keyspace: tuple[str, str], stack_env: dict[str, str]
) -> None:
    points, ks = keyspace
    table = TableSpec(ks, "home_timeline_s0", 3600, 7)
    assert cassandra.ensure_table(points, table) == "created"
    assert set(table.names) <= tables(points, ks)
    assert cassandra.ensure_table(points, table) is None  # nothing to do the second time

    async def round_trip() -> list[int]:
        session = CassandraSession(
            points, ks, local_dc=stack_env.get("ROOKERY_CASSANDRA_LOCAL_DC", ""), connect_timeout_s=30
        )
        store = CassandraTimelineStore(session, 400, 3600, table=table.name, bucket_days=7)
        await session.connect()  # prepares what the store registered
        try:
            posted = sorted(new_id() for _ in range(3))
            for status_id in posted:
                await store.push([42, 43], TimelineEntry(status_id=status_id, account_id=7))
            await store.remove([posted[0]])  # through <table>_by_status
            assert await store.contains(43, posted[1])
            return [e.status_id for e in await store.range(42, PageRequest(limit=10))]
        finally:
            await session.close()

    found = asyncio.run(round_trip())
    assert len(found) == 2 and found == sorted(found, reverse=True)

    longer = TableSpec(ks, table.name, 7200, 7)
    assert cassandra.ensure_table(points, longer) == "altered"
    cassandra.drop_table(points, longer)
    assert not set(table.names) & tables(points, ks)


def test_a_table_of_the_old_schema_is_refused_by_name(keyspace: tuple[str, str]) -> None:
    points, ks = keyspace
    cassandra.session(points).execute(
        f'CREATE TABLE "{ks}"."home_timeline_old" (user_id bigint, bucket int, status_id bigint,'
        " PRIMARY KEY ((user_id, bucket), status_id))",
        timeout=60,
    )
    with pytest.raises(cassandra.TableSchemaMismatch, match=rf"{ks}.home_timeline_old has another schema"):
        cassandra.ensure_table(points, TableSpec(ks, "home_timeline_old", 3600, 7))
