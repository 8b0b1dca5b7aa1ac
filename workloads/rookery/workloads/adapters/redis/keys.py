"""Key layout and the connection: ``rk:<tenant>:<kind>:{<id>}``.

The ``{...}`` part is the Redis Cluster hash tag: only it decides the slot, so a script that
touches several keys (a lock and its fencing counter) gives them the same tag, and keys of
different owners spread over the cluster. Tenant names never carry braces, so the tag is
always the last brace pair.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import Iterator

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel

from rookery.workloads.domain.unavailable import StoreUnavailable


class Keys:
    """``prefix`` (a FeedShard's own, e.g. ``<tenant>:feed:<shard>:``) replaces ``rk:<tenant>:``."""

    def __init__(self, tenant: str, prefix: str | None = None) -> None:
        if "{" in tenant or "}" in tenant:
            raise ValueError(f"tenant name {tenant!r} may not contain braces")
        if prefix is not None and ("{" in prefix or "}" in prefix):
            raise ValueError(f"Redis key prefix {prefix!r} may not contain braces")
        self.tenant = tenant
        self.prefix = f"rk:{tenant}:" if prefix is None else prefix

    def __call__(self, kind: str, tag: str, suffix: str = "") -> str:
        # braces inside the id would end the hash tag early; they never occur in our ids, but a
        # cache key is caller-chosen, so keep them out of the tag
        safe = tag.replace("{", "(").replace("}", ")")
        return f"{self.prefix}{kind}:{{{safe}}}{suffix}"


SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")
SENTINEL_PORT = 26379


def connect(url: str, *, cluster: bool = False, max_connections: int = 100) -> aioredis.Redis:
    """One client per process. Its pool blocks (up to 5 s) when all ``max_connections`` are busy,
    instead of failing a burst of concurrent requests; ``cluster`` speaks the Cluster protocol; a
    ``redis+sentinel://`` URL (`sentinel_client`) follows the primary that Sentinel names."""
    if url.partition("://")[0] in SENTINEL_SCHEMES:
        return sentinel_client(url, max_connections=max_connections)
    if cluster:
        return aioredis.RedisCluster.from_url(url, max_connections=max_connections)  # type: ignore[return-value]
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, health_check_interval=30
    )
    return aioredis.Redis(connection_pool=pool)


def sentinel_client(url: str, *, max_connections: int = 100) -> aioredis.Redis:
    """The primary of a Sentinel-watched group: ``redis+sentinel://[[user]:password@]host[:port]
    [,host[:port]...]/<group>[/<db>]`` (Sentinel's port 26379 by default; ``rediss+`` for TLS to
    Redis; ``?sentinel_password=`` when the Sentinels ask for one). Each new connection asks the
    Sentinels where the primary is, and a connection that finds a demoted primary is dropped, so
    after a failover the next command reaches the promoted replica."""
    parts = urllib.parse.urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    sentinels: list[tuple[str, int]] = []
    for item in filter(None, hosts.split(",")):
        address = urllib.parse.urlsplit("//" + item)  # host, [v6 host], host:port as a URL has them
        try:
            port = address.port
        except ValueError:
            raise ValueError(f"Redis Sentinel address {item!r}: the port is not a number") from None
        if not address.hostname:
            raise ValueError(f"Redis Sentinel address {item!r} names no host")
        sentinels.append((address.hostname, port or SENTINEL_PORT))
    path = [p for p in parts.path.split("/") if p]
    if not sentinels or not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise ValueError(
            "a Redis Sentinel URL is redis+sentinel://[password@]host[:port][,host[:port]...]/<group>[/<db>]"
        )
    username, _, password = credentials.partition(":") if ":" in credentials else ("", "", credentials)
    query = urllib.parse.parse_qs(parts.query)
    sentinel_kwargs = {"socket_connect_timeout": 2, "socket_timeout": 2}
    if "sentinel_password" in query:
        sentinel_kwargs["password"] = query["sentinel_password"][0]  # type: ignore[assignment]
    manager = Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs)
    return manager.master_for(
        path[0],
        db=int(path[1]) if len(path) == 2 else 0,
        username=urllib.parse.unquote(username) or None,
        password=urllib.parse.unquote(password) or None,
        ssl=parts.scheme.startswith("rediss"),
        max_connections=max_connections,
        socket_connect_timeout=2,
        health_check_interval=30,
    )


# Errors that mean "the server is down or slow", which callers see as StoreUnavailable.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    aioredis.ConnectionError,
    aioredis.TimeoutError,
    OSError,
)


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """Turn connection failures into StoreUnavailable (the API answers 503)."""
    try:
        yield
    except CONNECTION_ERRORS as exc:
        raise StoreUnavailable(f"redis: {exc}") from exc
