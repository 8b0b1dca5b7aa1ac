"""The EntityCache port on Redis (production), with a bounded in-process copy in front.

Two strings per entity under one hash tag (so one slot): ``rk:<tenant>:e:{<kind>:<id>}:v``, its
version (random, never reused), and ``...:b``, the version the bytes were rendered at, a newline,
the bytes. A read is one MGET: the versions of every key, and the bytes of the keys this process
holds no copy of (a copy serves while its version is the current one); the reads of concurrent
requests in one turn of the event loop share one MGET (adapters/batched.py). A fill is a compare-and-set
script over the two keys (the version must still be the one read; an unknown key gets a fresh
version). An invalidation writes a fresh version and drops the bytes, so every process's copy
stops matching at once. Versions are random, so a key that expires and comes back never revives an
old copy.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from rookery.workloads.adapters.batched import Batched
from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.domain.edge import EntityKey, Fragment
from rookery.workloads.metrics import count_fragments

TTL_MS = 24 * 3600 * 1000  # idle entities leave Redis after a day
FILL = """
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if current then return 0 end
  current = ARGV[3]
  redis.call('SET', KEYS[1], current, 'PX', ARGV[4])
elseif current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], current .. '\\n' .. ARGV[2], 'PX', ARGV[4])
return 1
"""


def _fresh_version() -> str:
    return os.urandom(8).hex()


class RedisEntityCache:
    def __init__(self, client: aioredis.Redis, tenant: str, local_entries: int = 20_000) -> None:
        self._redis = client
        self._keys = Keys(tenant)
        self.local_entries = local_entries
        self._local: OrderedDict[EntityKey, tuple[str, bytes]] = OrderedDict()
        self._named: dict[EntityKey, tuple[str, str]] = {}  # key names, built once (a page reads ~50)
        # a cluster client splits a multi-key read per slot (and asks the nodes at once)
        self._mget = getattr(client, "mget_nonatomic", None) or client.mget
        self._get_many: Batched[str, Any] = Batched(self._send_mget)

    def _names(self, key: EntityKey) -> tuple[str, str]:
        names = self._named.get(key)
        if names is None:
            if len(self._named) >= 4 * self.local_entries:
                self._named.clear()
            tag = f"{key[0]}:{key[1]}"
            names = self._named[key] = (self._keys("e", tag, ":v"), self._keys("e", tag, ":b"))
        return names

    async def read(self, keys: Sequence[EntityKey]) -> list[Fragment]:
        if not keys:
            return []
        copies = [self._local.get(key) for key in keys]
        uncopied = [key for key, copy in zip(keys, copies, strict=True) if copy is None]
        names = [self._names(key)[0] for key in keys] + [self._names(key)[1] for key in uncopied]
        replies = await self._get_many(names)
        versions, bodies = replies[: len(keys)], iter(replies[len(keys) :])
        found = []
        for key, copy, raw_version in zip(keys, copies, versions, strict=True):
            version = raw_version.decode() if raw_version is not None else ""
            if copy is not None:
                if version and version == copy[0]:
                    if key in self._local:  # an invalidation here may have dropped it meanwhile
                        self._local.move_to_end(key)
                    found.append(Fragment(version, copy[1]))
                else:
                    self._local.pop(key, None)
                    found.append(Fragment(version, None))
                continue
            stored = next(bodies)
            if version and stored is not None:
                body_version, _, body = stored.partition(b"\n")
                if body_version.decode() == version:
                    self._keep(key, version, body)
                    found.append(Fragment(version, body))
                    continue
            found.append(Fragment(version, None))
        count_fragments("redis", keys, found)
        return found

    async def _send_mget(self, names: list[str]) -> list[Any]:
        with guard():
            return list(await self._mget(names))

    async def versions(self, keys: Sequence[EntityKey]) -> list[str]:
        if not keys:
            return []
        names = [self._names(key)[0] for key in keys]
        replies = await self._get_many(names)
        unknown = [name for name, reply in zip(names, replies, strict=True) if reply is None]
        made: dict[str, bytes] = {}
        if unknown:  # a version now (unless one came meanwhile: then that one)
            with guard():
                async with self._redis.pipeline(transaction=False) as pipe:
                    for name in unknown:
                        pipe.set(name, _fresh_version(), px=TTL_MS, nx=True)
                        pipe.get(name)
                    answers = await pipe.execute()
            made = dict(zip(unknown, answers[1::2], strict=True))
        found = zip(names, replies, strict=True)
        return [(reply if reply is not None else made[name]).decode() for name, reply in found]

    async def fill(self, fragments: Mapping[EntityKey, tuple[str, bytes]]) -> dict[EntityKey, str]:
        if not fragments:
            return {}
        items = [(key, version, body, _fresh_version()) for key, (version, body) in fragments.items()]
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, version, body, fresh in items:
                    pipe.eval(FILL, 2, *self._names(key), version, body, fresh, TTL_MS)
                stored = await pipe.execute()
        kept: dict[EntityKey, str] = {}
        for (key, version, body, fresh), ok in zip(items, stored, strict=True):
            if ok:
                kept[key] = version or fresh
                self._keep(key, kept[key], body)
        return kept

    async def invalidate(self, keys: Iterable[EntityKey]) -> None:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return
        for key in wanted:
            self._local.pop(key, None)
        with guard():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key in wanted:
                    version_name, body_name = self._names(key)
                    pipe.set(version_name, _fresh_version(), px=TTL_MS)
                    pipe.delete(body_name)
                await pipe.execute()

    def _keep(self, key: EntityKey, version: str, body: bytes) -> None:
        self._local[key] = (version, body)
        self._local.move_to_end(key)
        while len(self._local) > self.local_entries:
            self._local.popitem(last=False)
