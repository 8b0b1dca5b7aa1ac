"""Edge infrastructure the gateway and workers share: cache, rate limits, locks, idempotency keys,
realtime pub/sub for streaming sockets. In-process embedded; Redis in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Protocol

from rookery.workloads.domain.edge import EntityKey, Fragment, Lock, RateDecision, StoredResponse


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None: ...

    async def set_many(self, items: dict[str, bytes], ttl_s: float | None = None) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, amount: int = 1) -> int: ...


class EntityCache(Protocol):
    """Rendered, viewer-independent entities (a status's or an account's JSON) as bytes, each valid
    for one version of its entity. A reader ``read``s before it loads from the stores and ``fill``s
    with the versions it read; a writer ``invalidate``s after its commit. A fill whose key was
    invalidated since its read is refused, so no fragment older than a committed change is served
    after that change's invalidation (the race that deleting keys leaves open)."""

    async def read(self, keys: Sequence[EntityKey]) -> list[Fragment]:
        """One fragment per key, in order (one round trip)."""
        ...

    async def fill(self, fragments: Mapping[EntityKey, tuple[str, bytes]]) -> dict[EntityKey, str]:
        """Store ``{key: (version read, body)}``; a key whose version moved on keeps its new one.
        Returns the version each stored body is now valid for (a refused key is left out)."""
        ...

    async def versions(self, keys: Sequence[EntityKey]) -> list[str]:
        """The current version of each key, in order: it moves with every invalidation of the key
        (views/pages.py checks kept pages by them). A key the cache did not know gets a version
        now, as an invalidation would give it. One round trip while every key is known."""
        ...

    async def invalidate(self, keys: Iterable[EntityKey]) -> None:
        """A new version for each key: what was cached for it is no longer served anywhere."""
        ...


class RateLimiter(Protocol):
    async def hit(self, key: str, *, capacity: int, refill_per_s: float, cost: int = 1) -> RateDecision:
        """Token bucket: take ``cost`` tokens from bucket ``key`` if it has them."""
        ...


class LockManager(Protocol):
    async def acquire(self, name: str, ttl_ms: int, wait_ms: int = 0) -> Lock | None: ...

    async def release(self, lock: Lock) -> bool: ...


class IdempotencyStore(Protocol):
    async def reserve(self, key: str, ttl_s: float) -> bool:
        """True if this caller is the first with ``key`` (and must run the request)."""
        ...

    async def get(self, key: str) -> StoredResponse | None: ...

    async def put(self, key: str, response: StoredResponse, ttl_s: float) -> None: ...

    async def release(self, key: str) -> None:
        """Forget a reservation whose request failed, so a retry may run it."""
        ...


class Realtime(Protocol):
    """Cross-process pub/sub for streaming sockets (Redis pub/sub in production)."""

    async def publish(self, channel: str, message: bytes) -> None: ...

    async def publish_many(self, channels: Sequence[str], message: bytes) -> None:
        """One message on several channels (a status to its audience's streams), in one round trip."""
        ...

    def subscribe(self, channels: list[str]) -> AsyncIterator[tuple[str, bytes]]: ...

    def listen(self) -> RealtimeListener:
        """One subscriber connection whose channels change while it runs (the streaming hub of a
        process holds one, whatever the number of sockets)."""
        ...


class RealtimeListener(Protocol):
    async def add(self, channels: Sequence[str]) -> None:
        """Subscribe; returns once the server confirmed, so later publishes reach this listener."""
        ...

    async def remove(self, channels: Sequence[str]) -> None: ...

    def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        """(channel, message) as they arrive; iterate from one task only. A channel's messages
        keep their order; messages on different channels may interleave differently."""
        ...

    async def close(self) -> None: ...
