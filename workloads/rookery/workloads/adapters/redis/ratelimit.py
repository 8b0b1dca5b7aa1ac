"""The RateLimiter port on Redis: a token bucket in one Lua script.

The script reads the clock with Redis TIME, so replicas whose clocks disagree share one bucket
correctly. State is a hash (tokens, ts) that expires once the bucket would be full again.
Lua numbers become integers on the way out, so fractional values travel as strings.
"""

from __future__ import annotations

import math

import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.domain.edge import RateDecision

TOKEN_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
end
local allowed = 0
local retry_after = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry_after = (cost - tokens) / rate
end
local reset_after = (capacity - tokens) / rate
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(reset_after * 1000) + 1000)
return {allowed, string.format('%.6f', tokens), string.format('%.6f', retry_after),
        string.format('%.6f', reset_after)}
"""


class RedisRateLimiter:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._keys = Keys(tenant)
        self._script = client.register_script(TOKEN_BUCKET)

    async def hit(self, key: str, *, capacity: int, refill_per_s: float, cost: int = 1) -> RateDecision:
        if capacity < 1 or refill_per_s <= 0 or cost < 1:
            raise ValueError("a token bucket needs capacity >= 1, refill_per_s > 0 and cost >= 1")
        with guard():
            allowed, tokens, retry_after, reset_after = await self._script(
                keys=[self._keys("rl", key)], args=[capacity, repr(float(refill_per_s)), cost]
            )
        return RateDecision(
            allowed=bool(allowed),
            limit=capacity,
            remaining=max(0, math.floor(float(tokens))),
            reset_after_s=float(reset_after),
            retry_after_s=float(retry_after),
        )
