"""The Realtime port on Redis pub/sub: any gateway replica delivers any event.

Channels are ``rk:<tenant>:rt:<channel>`` (pub/sub channels are not keys: no slot, no hash tag).
Each subscription holds its own connection until the iterator is closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from rookery.workloads.adapters.redis.keys import guard


class RedisRealtime:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._redis = client
        self._prefix = f"rk:{tenant}:rt:"

    async def publish(self, channel: str, message: bytes) -> None:
        with guard():
            await self._redis.publish(self._prefix + channel, message)

    async def subscribe(self, channels: list[str]) -> AsyncIterator[tuple[str, bytes]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            with guard():
                await pubsub.subscribe(*(self._prefix + channel for channel in channels))
            cut = len(self._prefix)
            while True:
                with guard():
                    message = await pubsub.get_message(timeout=None)
                if message is None or message["type"] != "message":
                    continue
                yield message["channel"].decode()[cut:], message["data"]
        finally:
            await pubsub.aclose()
