"""The LockManager port on Redis: ``SET NX PX`` with a fencing token, compare-and-delete release.

The lock key and its fencing counter share a hash tag (the lock name), so the acquire script
touches one slot. The counter never expires: fencing tokens grow strictly per name, and a store
that remembers the highest token it has seen can reject a stale holder whose lock expired.
"""

from __future__ import annotations

import asyncio
import secrets
import time

import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.domain.edge import Lock

ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLockManager:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._keys = Keys(tenant)
        self._acquire = client.register_script(ACQUIRE)
        self._release = client.register_script(RELEASE)

    def _lock_key(self, name: str) -> str:
        return self._keys("lock", name)

    def _fence_key(self, name: str) -> str:
        return self._keys("lock", name, ":fence")

    async def acquire(self, name: str, ttl_ms: int, wait_ms: int = 0) -> Lock | None:
        if ttl_ms < 1:
            raise ValueError("ttl_ms must be at least 1")
        token = secrets.token_hex(16)
        deadline = time.monotonic() + wait_ms / 1000
        pause = 0.005
        while True:
            with guard():
                fencing = int(
                    await self._acquire(
                        keys=[self._lock_key(name), self._fence_key(name)], args=[token, ttl_ms]
                    )
                )
            if fencing:
                return Lock(name=name, token=token, fencing=fencing)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, 0.1)

    async def release(self, lock: Lock) -> bool:
        with guard():
            return bool(await self._release(keys=[self._lock_key(lock.name)], args=[lock.token]))
