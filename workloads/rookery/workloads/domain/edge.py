"""Values of the edge ports: rate-limit decisions, locks with fencing tokens, stored responses of
idempotent requests, rendered entity fragments.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_s: float  # until the bucket is full again
    retry_after_s: float  # 0 when allowed


@dataclasses.dataclass(frozen=True, slots=True)
class Lock:
    name: str
    token: str  # owner token, checked on release (compare-and-delete)
    fencing: int  # strictly increasing per name: stale holders are rejected downstream


@dataclasses.dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fingerprint: str  # hash of method + path + body of the first request


EntityKey = tuple[str, int]  # (kind, id): ("status", 1), ("account", 7)


@dataclasses.dataclass(frozen=True, slots=True)
class Fragment:
    """What the entity cache holds for one key: the version it saw (opaque; "" when the key is
    unknown to the cache) and the rendered bytes when they are of that version, else None."""

    version: str
    body: bytes | None
