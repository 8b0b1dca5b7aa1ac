"""``redis+sentinel://`` URLs: the Sentinels' addresses, the group, the database and the passwords
as the URL names them; a malformed one is refused with a message naming what is wrong."""

from __future__ import annotations

import pytest

from rookery.workloads.adapters.redis.keys import sentinel_client


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
