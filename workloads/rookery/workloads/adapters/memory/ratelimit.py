"""In-process RateLimiter: token buckets refilled continuously, idle buckets forgotten."""

from __future__ import annotations

import math
import time

from rookery.workloads.domain.edge import RateDecision


class MemoryRateLimiter:
    def __init__(self, max_buckets: int = 200_000) -> None:
        self.max_buckets = max_buckets
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated at)

    async def hit(self, key: str, *, capacity: int, refill_per_s: float, cost: int = 1) -> RateDecision:
        now = time.monotonic()
        tokens, updated = self._buckets.get(key, (float(capacity), now))
        tokens = min(float(capacity), tokens + (now - updated) * refill_per_s)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        if len(self._buckets) >= self.max_buckets and key not in self._buckets:
            self._forget_full(now, refill_per_s, capacity)
        self._buckets[key] = (tokens, now)
        reset_after = (capacity - tokens) / refill_per_s if refill_per_s > 0 else math.inf
        retry_after = 0.0 if allowed else ((cost - tokens) / refill_per_s if refill_per_s > 0 else math.inf)
        return RateDecision(
            allowed=allowed,
            limit=capacity,
            remaining=int(tokens),
            reset_after_s=reset_after,
            retry_after_s=retry_after,
        )

    def _forget_full(self, now: float, refill_per_s: float, capacity: int) -> None:
        """Drop buckets that have refilled completely (they carry no state); else the oldest half."""
        full = [
            k for k, (tokens, at) in self._buckets.items() if tokens + (now - at) * refill_per_s >= capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_buckets:
            for key in list(self._buckets)[: self.max_buckets // 2]:
                del self._buckets[key]
