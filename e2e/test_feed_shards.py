"""FeedShards on real processes, Kafka, Cassandra and Redis: `serve` forwards fan-out to each shard's
topic, and each shard's worker (`rookery worker fanout` with the env the operator renders for a
FeedShard) writes the home timelines of its own users only, in the shard's own Cassandra tables
(created by the operator's own code) and Redis keys; `serve` reads each user's home timeline there."""

from __future__ import annotations

import functools
import pathlib
import time
from typing import Any

import httpx
import pytest
import redis

from e2e import waiting
from e2e.production_support import Client, Proc, cassandra_keyspace, production_env, rookery, running
from rookery.operator.apply import cassandra
from rookery.operator.render.keyspaces import TableSpec
from rookery.workloads.domain.shards import HASH_SPACE, ShardStorage, feed_hash

pytestmark = pytest.mark.needs("postgres", "redis", "kafka", "cassandra")

eventually = functools.partial(waiting.eventually, timeout_s=90.0, interval_s=0.5)
HALF = HASH_SPACE // 2


@pytest.fixture(scope="module")
def keyspace(stack_env: dict[str, str]) -> Any:
    with cassandra_keyspace(stack_env) as name:
        yield name


def storage(tenant: str, name: str) -> ShardStorage:
    """What the operator gives FeedShard ``name`` (render/common.ShardInfo.of): its table, a 7-day
    bucket, its Redis prefix; the TTLs short enough to see them set."""
    return ShardStorage(f"home_timeline_{name}", 3600, 7, f"{tenant}:feed:{name}:", 600, 400)


def shard_env(tenant: str, name: str, start: int, end: int) -> dict[str, str]:
    """What operator/render/deployments.shard_env gives a FeedShard's worker."""
    own = storage(tenant, name)
    return {
        "ROOKERY_FEED_SHARD": name,
        "ROOKERY_FEED_SHARD_RANGE": f"{start}-{end}",
        "ROOKERY_FANOUT_TOPIC": f"{tenant}.fanout.{name}",
        "ROOKERY_FANOUT_CONSUMER_GROUP": f"{tenant}.fanout.{name}",
        "ROOKERY_TIMELINE_TABLE": own.table,
        "ROOKERY_TIMELINE_TTL_SECONDS": str(own.ttl_s),
        "ROOKERY_TIMELINE_BUCKET_DAYS": str(own.bucket_days),
        "ROOKERY_REDIS_KEY_PREFIX": own.prefix,
        "ROOKERY_REDIS_TIMELINE_TTL_SECONDS": str(own.redis_ttl_s),
        "ROOKERY_HOME_TIMELINE_MAX": str(own.max),
    }


def ttls(points: str, keyspace: str, table: str, owner: int, status_id: int) -> list[int]:
    """The remaining TTL of each row of this status in this owner's timeline in ``table``."""
    rows = cassandra.session(points).execute(
        f'SELECT status_id, ttl(account_id) AS remaining FROM "{keyspace}"."{table}"'
        " WHERE owner_id = %s ALLOW FILTERING",
        (owner,),
    )
    return [row.remaining for row in rows if row.status_id == status_id]


def home(http: httpx.Client, user: dict[str, Any]) -> list[str]:
    response = http.get("/api/v1/timelines/home", headers=user["headers"])
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def test_each_shard_worker_fans_out_to_its_own_users(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str
) -> None:
    env = production_env(stack_env, tmp_path / "data", cassandra_keyspace=keyspace)
    tenant = env["ROOKERY_TENANT"]
    halves = {"low": (0, HALF), "high": (HALF, HASH_SPACE)}
    env["ROOKERY_FEED_SHARDS"] = ",".join(
        f"{name}={start}-{end}" + storage(tenant, name).render() for name, (start, end) in halves.items()
    )
    migrated = rookery(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    points = env["ROOKERY_CASSANDRA_CONTACT_POINTS"]
    for name in halves:  # what the FeedShard reconcile does: the shard's tables, by the operator's code
        own = storage(tenant, name)
        assert cassandra.ensure_table(points, TableSpec(keyspace, own.table, own.ttl_s, own.bucket_days)) == "created"
    keys = redis.Redis.from_url(env["ROOKERY_REDIS_URL"])
    api = Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")
    low = Proc(["worker", "fanout"], {**env, **shard_env(tenant, "low", *halves["low"])}, tmp_path / "low.log")
    high = Proc(["worker", "fanout"], {**env, **shard_env(tenant, "high", *halves["high"])}, tmp_path / "high.log")
    try:
        with running(api, low) as (server, _):
            client = Client(server.url)
            author = client.register("author")
            followers = [client.register(f"reader{i}") for i in range(8)]
            by_shard: dict[str, list[dict[str, Any]]] = {"low": [], "high": []}
            for user in followers:
                by_shard["low" if feed_hash(int(user["id"])) < HALF else "high"].append(user)
                client.follow(user, author)
            assert by_shard["low"] and by_shard["high"], "8 readers fell in one half; ids are random, rerun"
            posted = client.http.post("/api/v1/statuses", headers=author["headers"], json={"status": "sharded"})
            assert posted.status_code == 200, posted.text
            status_id = posted.json()["id"]
            # the low shard's worker runs: its readers get the post; the high shard's readers wait for theirs
            for user in by_shard["low"]:
                eventually(lambda u=user: status_id in home(client.http, u), "fan-out by the low shard's worker")
            time.sleep(3)
            assert all(status_id not in home(client.http, u) for u in by_shard["high"])
            with running(high):  # its group starts from the beginning of its topic: nothing was lost
                for user in by_shard["high"]:
                    eventually(
                        lambda u=user: status_id in home(client.http, u), "fan-out by the high shard's worker"
                    )
            # each reader's entry is in its shard's table and Redis keys, not the tenant's nor the other's
            for name, users in by_shard.items():
                own, other = storage(tenant, name), storage(tenant, "high" if name == "low" else "low")
                for user in users:
                    uid = int(user["id"])
                    found = ttls(points, keyspace, own.table, uid, int(status_id))
                    assert len(found) == 1 and 0 < found[0] <= 3600, "in the shard's table, with its TTL"
                    assert not ttls(points, keyspace, other.table, uid, int(status_id))
                    assert not ttls(points, keyspace, "home_timeline", uid, int(status_id))
                    hot = f"{own.prefix}home:{{{uid}}}"
                    assert any(m.startswith(status_id.zfill(20).encode()) for m in keys.zrange(hot, 0, -1))
                    assert 0 < keys.ttl(hot) <= 600, "the shard's Redis timelines expire when idle"
                    assert not keys.exists(f"{other.prefix}home:{{{uid}}}", f"rk:{tenant}:home:{{{uid}}}")
            # with the Redis lists gone the API reads each user's shard table (and warms its keys again)
            for name, users in by_shard.items():
                own = storage(tenant, name)
                keys.delete(*(f"{own.prefix}home:{{{u['id']}}}" for u in users))
                for user in users:
                    assert status_id in home(client.http, user)
                    assert keys.exists(f"{own.prefix}home:{{{user['id']}}}")
            client.close()
    finally:
        keys.close()
        cassandra.shutdown()
