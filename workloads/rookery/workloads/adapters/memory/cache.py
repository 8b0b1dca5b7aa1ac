"""In-process Cache: an LRU of bytes values with optional per-entry TTL."""

from __future__ import annotations

import time
from collections import OrderedDict

from rookery.workloads.metrics import count_lookups


class MemoryCache:
    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # key -> (value, expires)

    def _live(self, key: str, now: float) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires and expires <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def _store(self, key: str, value: bytes, ttl_s: float | None, now: float) -> None:
        self._entries[key] = (value, now + ttl_s if ttl_s else 0.0)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get(self, key: str) -> bytes | None:
        found = self._live(key, time.monotonic())
        count_lookups("memory", [key], [found])
        return found

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        now = time.monotonic()
        found = [self._live(key, now) for key in keys]
        count_lookups("memory", keys, found)
        return found

    async def set(self, key: str, value: bytes, ttl_s: float | None = None) -> None:
        self._store(key, value, ttl_s, time.monotonic())

    async def set_many(self, items: dict[str, bytes], ttl_s: float | None = None) -> None:
        now = time.monotonic()
        for key, value in items.items():
            self._store(key, value, ttl_s, now)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def incr(self, key: str, amount: int = 1) -> int:
        now = time.monotonic()
        current = self._live(key, now)
        value = (int(current) if current is not None else 0) + amount
        expires = self._entries[key][1] if key in self._entries else 0.0
        ttl = expires - now if expires else None
        self._store(key, str(value).encode(), ttl, now)
        return value
