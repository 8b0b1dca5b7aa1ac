"""Key layout and the connection: ``rk:<tenant>:<kind>:{<id>}``.

The ``{...}`` part is the Redis Cluster hash tag: only it decides the slot, so a script that
touches several keys (a lock and its fencing counter) gives them the same tag, and keys of
different owners spread over the cluster. Tenant names never carry braces, so the tag is
always the last brace pair.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import redis.asyncio as aioredis

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


def connect(url: str, *, cluster: bool = False, max_connections: int = 100) -> aioredis.Redis:
    """One client per process. Its pool blocks (up to 5 s) when all ``max_connections`` are busy,
    instead of failing a burst of concurrent requests; ``cluster`` speaks the Cluster protocol."""
    if cluster:
        return aioredis.RedisCluster.from_url(url, max_connections=max_connections)  # type: ignore[return-value]
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, health_check_interval=30
    )
    return aioredis.Redis(connection_pool=pool)


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
