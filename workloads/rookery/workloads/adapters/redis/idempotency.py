"""The IdempotencyStore port on Redis: one key per Idempotency-Key, first a reservation marker,
then the stored first response. Release deletes only a reservation (compare-and-delete), never a
stored response."""

from __future__ import annotations

from typing import cast

import orjson
import redis.asyncio as aioredis

from rookery.workloads.adapters.redis.keys import Keys, guard
from rookery.workloads.domain.edge import StoredResponse

PENDING = b"\x00pending"

RELEASE_PENDING = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def encode(response: StoredResponse) -> bytes:
    head = orjson.dumps(
        {"status": response.status, "headers": response.headers, "fingerprint": response.fingerprint}
    )
    return head + b"\n" + response.body  # orjson never writes a raw newline


def decode(raw: bytes) -> StoredResponse:
    head, _, body = raw.partition(b"\n")
    meta = orjson.loads(head)
    return StoredResponse(
        status=meta["status"],
        headers=[(name, value) for name, value in meta["headers"]],
        body=body,
        fingerprint=meta["fingerprint"],
    )


class RedisIdempotencyStore:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._redis = client
        self._keys = Keys(tenant)
        self._release = client.register_script(RELEASE_PENDING)

    def _key(self, key: str) -> str:
        return self._keys("idem", key)

    async def reserve(self, key: str, ttl_s: float) -> bool:
        with guard():
            return bool(await self._redis.set(self._key(key), PENDING, nx=True, px=max(1, int(ttl_s * 1000))))

    async def get(self, key: str) -> StoredResponse | None:
        with guard():
            raw = cast(bytes | None, await self._redis.get(self._key(key)))
        if raw is None or raw == PENDING:
            return None
        return decode(raw)

    async def put(self, key: str, response: StoredResponse, ttl_s: float) -> None:
        with guard():
            await self._redis.set(self._key(key), encode(response), px=max(1, int(ttl_s * 1000)))

    async def release(self, key: str) -> None:
        with guard():
            await self._release(keys=[self._key(key)], args=[PENDING])
