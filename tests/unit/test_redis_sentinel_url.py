"""``redis+sentinel://`` URLs: the Sentinels' addresses, the group, the database and the passwords
as the URL names them; a malformed one is refused with a message naming what is wrong. Behind
Sentinel, home timeline writes wait for a replica (REDIS_MIN_REPLICA_ACKS)."""

from __future__ import annotations

from typing import Any

import pytest

from rookery.workloads.adapters.redis.keys import sentinel_client
from rookery.workloads.bootstrap.container import Lifecycle
from rookery.workloads.bootstrap.infrastructure import infrastructure
from rookery.workloads.settings import ConfigurationError, Settings


def test_sentinels_group_database_and_password() -> None:
    client = sentinel_client("redis+sentinel://:secret@10.0.0.1,[::1]:26380,sentinel-2:7/primary/2")
    pool = client.connection_pool
    sentinels = [s.connection_pool.connection_kwargs for s in pool.sentinel_manager.sentinels]
    assert [(s["host"], s["port"]) for s in sentinels] == [("10.0.0.1", 26379), ("::1", 26380), ("sentinel-2", 7)]
    assert pool.service_name == "primary"
    assert pool.connection_kwargs["db"] == 2
    assert pool.connection_kwargs["password"] == "secret"


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("redis+sentinel://host:port/primary", "the port is not a number"),
        ("redis+sentinel://:1/primary", "names no host"),
        ("redis+sentinel:///primary", "a Redis Sentinel URL is"),
        ("redis+sentinel://host/", "a Redis Sentinel URL is"),
        ("redis+sentinel://host/primary/zero", "a Redis Sentinel URL is"),
    ],
)
def test_a_malformed_url_is_refused(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        sentinel_client(url)


@pytest.mark.parametrize(
    ("env", "acks"),
    [
        ({"redis_url": "redis://localhost:6379/0"}, 0),
        ({"redis_url": "redis+sentinel://10.0.0.1/primary"}, 1),
        ({"redis_url": "rediss+sentinel://10.0.0.1/primary"}, 1),
        ({"redis_url": "redis+sentinel://10.0.0.1/primary", "redis_min_replica_acks": 2}, 2),
        ({"redis_url": "redis+sentinel://10.0.0.1/primary", "redis_min_replica_acks": 0}, 0),
        ({"redis_url": "redis://localhost:6379/0", "redis_min_replica_acks": 1}, 1),
    ],
)
def test_home_timeline_writes_wait_for_a_replica_behind_sentinel(env: dict[str, Any], acks: int) -> None:
    """A replicated Redis (Sentinel) acknowledges a home timeline write once a replica has it."""
    assert Settings(**env).redis_replica_acks == acks


def test_replica_acks_are_refused_with_redis_cluster() -> None:
    settings = Settings(redis_url="redis://localhost:6379/0", redis_cluster=True, redis_min_replica_acks=1)
    with pytest.raises(ConfigurationError, match="not for ROOKERY_REDIS_CLUSTER"):
        infrastructure(settings, Lifecycle())
