"""In-process IdempotencyStore: reservations and stored first responses, each with a TTL."""

from __future__ import annotations

import time

from rookery.workloads.domain.edge import StoredResponse


class MemoryIdempotencyStore:
    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._reserved: dict[str, float] = {}  # key -> expires at
        self._responses: dict[str, tuple[StoredResponse, float]] = {}

    def _sweep(self, now: float) -> None:
        if len(self._reserved) + len(self._responses) < self.max_entries:
            return
        for key in [k for k, exp in self._reserved.items() if exp <= now]:
            del self._reserved[key]
        for key in [k for k, (_, exp) in self._responses.items() if exp <= now]:
            del self._responses[key]

    async def reserve(self, key: str, ttl_s: float) -> bool:
        now = time.monotonic()
        self._sweep(now)
        stored = self._responses.get(key)
        if stored is not None and stored[1] > now:
            return False
        expires = self._reserved.get(key)
        if expires is not None and expires > now:
            return False
        self._reserved[key] = now + ttl_s
        return True

    async def get(self, key: str) -> StoredResponse | None:
        stored = self._responses.get(key)
        if stored is None:
            return None
        if stored[1] <= time.monotonic():
            del self._responses[key]
            return None
        return stored[0]

    async def put(self, key: str, response: StoredResponse, ttl_s: float) -> None:
        self._reserved.pop(key, None)
        self._responses[key] = (response, time.monotonic() + ttl_s)

    async def release(self, key: str) -> None:
        self._reserved.pop(key, None)
