"""TrendStore on Redis (production analytics): the aggregator consumer group writes here.

- trends: one sorted set per kind and hourly bucket (``ZINCRBY``), expiring after a week and a
  day; a window's decayed ranking is one ``ZUNION ... WEIGHTS`` over its buckets. All buckets of
  a kind share a hash tag, so the union stays on one Redis Cluster slot.
- daily counters: ``INCRBY`` on a key per (name, day); active accounts: a HyperLogLog per day
  (``PFADD`` / ``PFCOUNT`` over several days: approximate, ~0.8% error).
- behaviour: a capped list per account (``RPUSH`` + ``LTRIM``) and its running total.
- ``first_time``: ``SET NX EX`` per analytics event id (at-least-once delivery counted once).
- the interaction log (training export): a capped Redis stream (``XADD MAXLEN ~``, ``XRANGE``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.domain.analytics import Tally

TREND_TTL_S = 8 * 24 * 3600
COUNTER_TTL_S = 400 * 24 * 3600  # measures look back a year
SEEN_TTL_S = 7 * 24 * 3600
LOG_KEEP = 1_000_000  # newest interaction events kept for the training export (a capped stream)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisTrendStore:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._redis = client
        self._keys = Keys(tenant)

    def _bucket(self, kind: str, bucket: int) -> str:
        return self._keys("trend", kind, f":{bucket}")

    async def record(self, tally: Tally) -> int | None:
        if not await self.first_time(tally.event_id):
            return None
        claimed = tally.trend_claim is None or (
            bool(tally.trends) and await self.first_time(tally.trend_claim)
        )
        day = tally.day.isoformat()
        tag = str(tally.account_id)
        events, total = self._keys("behaviour", tag), self._keys("behaviour", tag, ":total")
        encoded = orjson.dumps(tally.event)
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:  # keys of several slots
                pipe.pfadd(self._active(tally.day), str(tally.account_id))
                pipe.expire(self._active(tally.day), COUNTER_TTL_S)
                for name, delta in tally.counters:
                    key = self._keys("count", name, f":{day}")
                    pipe.incrby(key, delta)
                    pipe.expire(key, COUNTER_TTL_S)
                if claimed:
                    for kind, key, bucket, amount in tally.trends:
                        pipe.zincrby(self._bucket(kind, bucket), amount, key)
                        pipe.expire(self._bucket(kind, bucket), TREND_TTL_S)
                pipe.xadd(
                    self._keys("interactions", "log"), {"e": encoded}, maxlen=LOG_KEEP, approximate=True
                )
                pipe.rpush(events, encoded)
                pipe.ltrim(events, -tally.keep, -1)
                pipe.incr(total)
                results = await pipe.execute()
        return int(results[-1])

    async def first_time(self, event_id: str) -> bool:
        with guard():
            return bool(await self._redis.set(self._keys("aseen", event_id), b"1", nx=True, ex=SEEN_TTL_S))

    async def add(self, kind: str, key: str, bucket: int, amount: float) -> None:
        name = self._bucket(kind, bucket)
        with guard():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zincrby(name, amount, key)
                pipe.expire(name, TREND_TTL_S)
                await pipe.execute()

    async def top(
        self, kind: str, weights: Sequence[tuple[int, float]], limit: int
    ) -> list[tuple[str, float]]:
        if not weights or limit <= 0:
            return []
        by_key = {self._bucket(kind, bucket): weight for bucket, weight in weights}
        with guard():
            ranked = await self._redis.zunion(by_key, aggregate="SUM", withscores=True)
        found = [(_text(item[0]), float(item[1])) for item in ranked]
        return sorted((item for item in found if item[1] > 1e-9), key=lambda i: (-i[1], i[0]))[:limit]

    async def count(self, name: str, day: dt.date, amount: int = 1) -> None:
        key = self._keys("count", name, f":{day.isoformat()}")
        with guard():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incrby(key, amount)
                pipe.expire(key, COUNTER_TTL_S)
                await pipe.execute()

    async def counts(self, name: str, days: Sequence[dt.date]) -> list[int]:
        if not days:
            return []
        keys = [self._keys("count", name, f":{day.isoformat()}") for day in days]
        with guard():
            values = await self._redis.mget(keys)
        return [int(v) if v is not None else 0 for v in values]

    def _active(self, day: dt.date) -> str:
        return self._keys("active", "days", f":{day.isoformat()}")

    async def mark_active(self, day: dt.date, account_id: int) -> None:
        key = self._active(day)
        with guard():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.pfadd(key, str(account_id))
                pipe.expire(key, COUNTER_TTL_S)
                await pipe.execute()

    async def active(self, days: Sequence[dt.date]) -> int:
        if not days:
            return 0
        with guard():
            return int(await self._redis.pfcount(*[self._active(day) for day in days]))

    async def append_behaviour(self, account_id: int, event: dict[str, Any], keep: int) -> int:
        tag = str(account_id)
        events, total = self._keys("behaviour", tag), self._keys("behaviour", tag, ":total")
        with guard():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(events, orjson.dumps(event))
                pipe.ltrim(events, -keep, -1)
                pipe.incr(total)
                results = await pipe.execute()
        return int(results[2])

    async def behaviour(self, account_id: int) -> list[dict[str, Any]]:
        with guard():
            items = await self._redis.lrange(self._keys("behaviour", str(account_id)), 0, -1)
        return [orjson.loads(item) for item in items]

    async def log(self, event: dict[str, Any]) -> None:
        with guard():
            await self._redis.xadd(
                self._keys("interactions", "log"),
                {"e": orjson.dumps(event)},
                maxlen=LOG_KEEP,
                approximate=True,
            )

    async def read_log(self, after: str | None, limit: int) -> list[tuple[str, dict[str, Any]]]:
        start = f"({after}" if after else "-"
        with guard():
            entries: Any = await self._redis.xrange(self._keys("interactions", "log"), min=start, count=limit)
        return [(_text(entry_id), orjson.loads(fields[b"e"])) for entry_id, fields in entries or ()]

    async def close(self) -> None:
        """The shared client is closed by its owner."""
