"""Ports: the Protocols use cases speak to. Every port has an embedded adapter (adapters/sqlite,
adapters/memory, adapters/local) and a production one (postgres, cassandra, redis, kafka, search,
cloudinary), and one contract test suite that runs against each (tests/contract).

Sections are owned by role; keep each Protocol small and in the domain's words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from rookery.workloads.domain.events import Event


class StoreUnavailable(Exception):
    """A backing server is down or timed out; the API answers 503 and the process keeps running."""


# --------------------------------------------------------------------------------------------
# events: bus, outbox
# --------------------------------------------------------------------------------------------

EventHandler = Callable[[Event], Awaitable[None]]


class EventBus(Protocol):
    """Named streams, ordering per key, at-least-once delivery to each consumer group.

    Handlers must be idempotent by ``event.id``; a handler that keeps failing has the event parked
    on the dead-letter stream after ``max_attempts``.
    """

    async def publish(self, stream: str, event: Event) -> None: ...

    def subscribe(self, stream: str, group: str, handler: EventHandler) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Outbox(Protocol):
    """Events written in the same transaction as the state they describe, relayed afterwards."""

    async def pending(self, limit: int) -> list[tuple[int, str, Event]]:
        """Unpublished rows, oldest first: (row id, stream, event)."""
        ...

    async def mark_published(self, row_ids: list[int]) -> None: ...


# --------------------------------------------------------------------------------------------
# edge: cache, rate limits, locks, idempotency keys, realtime fan-in
# --------------------------------------------------------------------------------------------


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None: ...

    async def set_many(self, items: dict[str, bytes], ttl_s: float | None = None) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def incr(self, key: str, amount: int = 1) -> int: ...


@dataclasses.dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_s: float  # until the bucket is full again
    retry_after_s: float  # 0 when allowed


class RateLimiter(Protocol):
    async def hit(self, key: str, *, capacity: int, refill_per_s: float, cost: int = 1) -> RateDecision:
        """Token bucket: take ``cost`` tokens from bucket ``key`` if it has them."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class Lock:
    name: str
    token: str  # owner token, checked on release (compare-and-delete)
    fencing: int  # strictly increasing per name: stale holders are rejected downstream


class LockManager(Protocol):
    async def acquire(self, name: str, ttl_ms: int, wait_ms: int = 0) -> Lock | None: ...

    async def release(self, lock: Lock) -> bool: ...


@dataclasses.dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fingerprint: str  # hash of method + path + body of the first request


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

    def subscribe(self, channels: list[str]) -> AsyncIterator[tuple[str, bytes]]: ...


# --------------------------------------------------------------------------------------------
# inference
# --------------------------------------------------------------------------------------------


class ModelUnavailable(Exception):
    """The model server timed out, failed or its circuit is open: callers fall back."""


class ModelClient(Protocol):
    async def predict(self, model: str, instances: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


# --------------------------------------------------------------------------------------------
# role stores (accounts, oauth, statuses, graph, timelines, notifications ...) follow below,
# one section per role
# --------------------------------------------------------------------------------------------
