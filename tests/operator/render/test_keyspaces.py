"""render/keyspaces.py: the tenant's keyspace and each FeedShard's timeline table, as CQL."""

from __future__ import annotations

from render_support import monolith, shard, tenant

from rookery.operator.render import keyspaces
from rookery.operator.render.keyspaces import create_keyspace_cql, create_table_cql, shard_table, tenant_keyspace


def test_keyspace_replication_and_cql() -> None:
    ks = tenant_keyspace(tenant())
    assert ks.replication == {
        "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
        "datacenter1": "1",
    }
    assert create_keyspace_cql(ks) == (
        'CREATE KEYSPACE IF NOT EXISTS "birdhouse" WITH replication = '
        "{'class': 'org.apache.cassandra.locator.NetworkTopologyStrategy', 'datacenter1': '1'} "
        "AND durable_writes = true"
    )
    simple = tenant(cassandra={"replication": {"strategy": "SimpleStrategy", "replicationFactor": 2}})
    assert tenant_keyspace(simple).replication["replication_factor"] == "2"
    assert tenant_keyspace(monolith()).name == "tiny"


def test_shard_renders_its_table() -> None:
    table = shard_table(shard())
    assert (table.keyspace, table.name, table.default_ttl, table.bucket_days) == (
        "birdhouse",
        "home_timeline_birdhouse_feed_1",
        30 * 86400,
        7,
    )
    main, days, by_status = create_table_cql(table)
    assert main.startswith('CREATE TABLE IF NOT EXISTS "birdhouse"."home_timeline_birdhouse_feed_1" (')
    assert "PRIMARY KEY ((owner_id, day), status_id)" in main and "'compaction_window_size': 7" in main
    assert '"home_timeline_birdhouse_feed_1_days"' in days and "PRIMARY KEY ((owner_id), day)" in days
    assert '"home_timeline_birdhouse_feed_1_by_status"' in by_status


def test_a_shard_table_has_the_workloads_home_timeline_columns() -> None:
    """The operator creates what CassandraTimelineStore reads and writes: the workloads' migration
    0002's three home timeline tables, column for column (e2e/test_feed_shards.py runs them)."""
    import pathlib
    import re

    import rookery.workloads.adapters.cassandra.migrations as migrations

    source = (pathlib.Path(migrations.__file__).parent / "0002_home_timelines.cql").read_text()

    def columns(cql: str, table: str) -> str:
        match = re.search(rf"CREATE TABLE IF NOT EXISTS \S*?{table}\"? \((.*?)\)\s*(WITH|;|$)", cql, re.S)
        assert match, (table, cql)
        return " ".join(match.group(1).split()).replace(", ", ",").replace(" ,", ",")

    rendered = create_table_cql(shard_table(shard()))
    name = "home_timeline_birdhouse_feed_1"
    for workload_table, statement in zip(
        ("home_timeline", "home_timeline_days", "home_timeline_by_status"), rendered, strict=True
    ):
        ours = statement.replace(name, "home_timeline")
        assert columns(ours, workload_table) == columns(source, workload_table)


def test_changes_and_drops_name_what_they_touch() -> None:
    ks, table = tenant_keyspace(tenant()), shard_table(shard())
    assert keyspaces.alter_keyspace_cql(ks).startswith('ALTER KEYSPACE "birdhouse" WITH replication = {')
    assert keyspaces.drop_keyspace_cql("birdhouse") == 'DROP KEYSPACE IF EXISTS "birdhouse"'
    assert keyspaces.alter_table_ttl_cql(table) == (
        'ALTER TABLE "birdhouse"."home_timeline_birdhouse_feed_1" WITH default_time_to_live = 2592000'
    )
    assert keyspaces.drop_table_cql(table) == [
        'DROP TABLE IF EXISTS "birdhouse"."home_timeline_birdhouse_feed_1"',
        'DROP TABLE IF EXISTS "birdhouse"."home_timeline_birdhouse_feed_1_days"',
        'DROP TABLE IF EXISTS "birdhouse"."home_timeline_birdhouse_feed_1_by_status"',
    ]


def test_a_short_class_name_compares_as_the_full_one() -> None:
    reported = {"class": "SimpleStrategy", "replication_factor": "2"}
    assert keyspaces.normalise_replication(reported) == {
        "class": "org.apache.cassandra.locator.SimpleStrategy",
        "replication_factor": "2",
    }
    assert reported["class"] == "SimpleStrategy"  # a copy: the input is left alone
    full = {"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3"}
    assert keyspaces.normalise_replication(full) == full
