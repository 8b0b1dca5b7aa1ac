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
    assert (table.keyspace, table.name, table.default_ttl) == (
        "birdhouse",
        "home_timeline_birdhouse_feed_1",
        30 * 86400,
    )
    assert "PRIMARY KEY ((user_id, bucket), status_id)" in create_table_cql(table)


def test_changes_and_drops_name_what_they_touch() -> None:
    ks, table = tenant_keyspace(tenant()), shard_table(shard())
    assert keyspaces.alter_keyspace_cql(ks).startswith('ALTER KEYSPACE "birdhouse" WITH replication = {')
    assert keyspaces.drop_keyspace_cql("birdhouse") == 'DROP KEYSPACE IF EXISTS "birdhouse"'
    assert keyspaces.alter_table_ttl_cql(table) == (
        'ALTER TABLE "birdhouse"."home_timeline_birdhouse_feed_1" WITH default_time_to_live = 2592000'
    )
    assert keyspaces.drop_table_cql(table) == 'DROP TABLE IF EXISTS "birdhouse"."home_timeline_birdhouse_feed_1"'


def test_a_short_class_name_compares_as_the_full_one() -> None:
    reported = {"class": "SimpleStrategy", "replication_factor": "2"}
    assert keyspaces.normalise_replication(reported) == {
        "class": "org.apache.cassandra.locator.SimpleStrategy",
        "replication_factor": "2",
    }
    assert reported["class"] == "SimpleStrategy"  # a copy: the input is left alone
    full = {"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3"}
    assert keyspaces.normalise_replication(full) == full
