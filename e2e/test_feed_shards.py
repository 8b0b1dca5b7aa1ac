"""FeedShards on real processes, Kafka, Cassandra and Redis: `serve` forwards fan-out to each shard's
topic, and each shard's worker (`rookery worker fanout` with the env the operator renders for a
FeedShard) writes the home timelines of its own users only."""

from __future__ import annotations

import functools
import pathlib
import time
from typing import Any

import httpx
import pytest

from e2e import waiting
from e2e.production_support import Client, Proc, cassandra_keyspace, production_env, rookery, running
from rookery.workloads.domain.shards import HASH_SPACE, feed_hash

pytestmark = pytest.mark.needs("postgres", "redis", "kafka", "cassandra")

eventually = functools.partial(waiting.eventually, timeout_s=90.0, interval_s=0.5)
HALF = HASH_SPACE // 2


@pytest.fixture(scope="module")
def keyspace(stack_env: dict[str, str]) -> Any:
    with cassandra_keyspace(stack_env) as name:
        yield name


def shard_env(tenant: str, name: str, start: int, end: int) -> dict[str, str]:
    """What operator/render/deployments.shard_env gives a FeedShard's worker (the part it reads)."""
    return {
        "ROOKERY_FEED_SHARD": name,
        "ROOKERY_FEED_SHARD_RANGE": f"{start}-{end}",
        "ROOKERY_FANOUT_TOPIC": f"{tenant}.fanout.{name}",
        "ROOKERY_FANOUT_CONSUMER_GROUP": f"{tenant}.fanout.{name}",
    }


def home(http: httpx.Client, user: dict[str, Any]) -> list[str]:
    response = http.get("/api/v1/timelines/home", headers=user["headers"])
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()]


def test_each_shard_worker_fans_out_to_its_own_users(
    stack_env: dict[str, str], tmp_path: pathlib.Path, keyspace: str
) -> None:
    env = production_env(stack_env, tmp_path / "data", cassandra_keyspace=keyspace)
    tenant = env["ROOKERY_TENANT"]
    env["ROOKERY_FEED_SHARDS"] = f"low=0-{HALF},high={HALF}-{HASH_SPACE}"
    migrated = rookery(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    api = Proc(["serve", "--role", "all"], env, tmp_path / "serve.log")
    low = Proc(["worker", "fanout"], {**env, **shard_env(tenant, "low", 0, HALF)}, tmp_path / "low.log")
    high = Proc(["worker", "fanout"], {**env, **shard_env(tenant, "high", HALF, HASH_SPACE)}, tmp_path / "high.log")
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
                eventually(lambda u=user: status_id in home(client.http, u), "fan-out by the high shard's worker")
        client.close()
