"""The EntityCache port on Redis (production), with a bounded in-process copy in front.

One hash per entity, ``rk:<tenant>:e:{<kind>:<id>}``: ``v`` its version (random, never reused),
``b`` the rendered bytes and ``bv`` the version they were rendered at. A read is one pipeline:
``HGET v`` for keys this process holds a copy of (the copy serves when its version is current),
``HMGET v bv b`` for the others. A fill is a compare-and-set script (the version must still be the
one read; an unknown key gets a fresh version). An invalidation writes a fresh version and drops the
bytes, so every process's copy stops matching at once. Versions are random, so a key that expires
and comes back never revives an old copy.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.domain.edge import EntityKey, Fragment
from rookery.workloads.metrics import count_fragments

TTL_MS = 24 * 3600 * 1000  # idle entities leave Redis after a day
FILL = """
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '' then
  if current then return 0 end
  current = ARGV[3]
  redis.call('HSET', KEYS[1], 'v', current)
elseif current ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'bv', current, 'b', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""


def _fresh_version() -> str:
    return os.urandom(8).hex()


class RedisEntityCache:
    def __init__(self, client: aioredis.Redis, tenant: str, local_entries: int = 50_000) -> None:
        self._redis = client
        self._keys = Keys(tenant)
        self.local_entries = local_entries
        self._local: OrderedDict[EntityKey, tuple[str, bytes]] = OrderedDict()

    def _key(self, key: EntityKey) -> str:
        return self._keys("e", f"{key[0]}:{key[1]}")

    async def read(self, keys: Sequence[EntityKey]) -> list[Fragment]:
        if not keys:
            return []
        copies = [self._local.get(key) for key in keys]
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, copy in zip(keys, copies, strict=True):
                    if copy is None:
                        pipe.hmget(self._key(key), ["v", "bv", "b"])
                    else:
                        pipe.hget(self._key(key), "v")
                replies: list[Any] = await pipe.execute()
        found = []
        for key, copy, reply in zip(keys, copies, replies, strict=True):
            if copy is not None:
                version = _text(reply)
                if version and version == copy[0]:
                    if key in self._local:  # an invalidation here may have dropped it meanwhile
                        self._local.move_to_end(key)
                    found.append(Fragment(version, copy[1]))
                    continue
                self._local.pop(key, None)
                found.append(Fragment(version, None))
                continue
            version, body_version, body = _text(reply[0]), _text(reply[1]), reply[2]
            if version and body is not None and body_version == version:
                self._keep(key, version, body)
                found.append(Fragment(version, body))
            else:
                found.append(Fragment(version, None))
        count_fragments("redis", keys, found)
        return found

    async def fill(self, fragments: Mapping[EntityKey, tuple[str, bytes]]) -> None:
        if not fragments:
            return
        items = [(key, version, body, _fresh_version()) for key, (version, body) in fragments.items()]
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, version, body, fresh in items:
                    pipe.eval(FILL, 1, self._key(key), version, body, fresh, TTL_MS)
                stored = await pipe.execute()
        for (key, version, body, fresh), ok in zip(items, stored, strict=True):
            if ok:
                self._keep(key, version or fresh, body)

    async def invalidate(self, keys: Iterable[EntityKey]) -> None:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return
        for key in wanted:
            self._local.pop(key, None)
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in wanted:
                    name = self._key(key)
                    pipe.hset(name, "v", _fresh_version())
                    pipe.hdel(name, "b", "bv")
                    pipe.pexpire(name, TTL_MS)
                await pipe.execute()

    def _keep(self, key: EntityKey, version: str, body: bytes) -> None:
        self._local[key] = (version, body)
        self._local.move_to_end(key)
        while len(self._local) > self.local_entries:
            self._local.popitem(last=False)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else str(value)
