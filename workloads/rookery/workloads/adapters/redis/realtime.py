"""The Realtime port on Redis pub/sub: any gateway replica delivers any event.

Channels are ``rk:<tenant>:rt:<channel>`` (pub/sub channels are not keys: no slot, no hash tag).
Each subscription holds its own connection until the iterator is closed; ``listen()`` gives one
connection whose channels change while it runs (a process's streaming hub: one connection for
every socket it serves, channels reference-counted above it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

from rookery.workloads.adapters.redis.keys import guard


class RedisRealtime:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._redis = client
        self._prefix = f"rk:{tenant}:rt:"

    async def publish(self, channel: str, message: bytes) -> None:
        with guard():
            await self._redis.publish(self._prefix + channel, message)

    async def publish_many(self, channels: Sequence[str], message: bytes) -> None:
        if not channels:
            return
        with guard():
            if isinstance(self._redis, RedisCluster):  # its pipelines refuse PUBLISH: all at once instead
                await asyncio.gather(*(self._redis.publish(self._prefix + channel, message) for channel in channels))
                return
            async with self._redis.pipeline(transaction=False) as pipe:
                for channel in channels:
                    pipe.publish(self._prefix + channel, message)
                await pipe.execute()

    def listen(self) -> RedisListener:
        return RedisListener(self._redis, self._prefix)

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


class RedisListener:
    """One pub/sub connection; ``add`` returns once Redis confirmed the SUBSCRIBE, so anything
    published afterwards reaches it. ``messages()`` must be running for ``add`` to return."""

    CONFIRM_TIMEOUT_S = 10.0

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._pubsub = client.pubsub()
        self._prefix = prefix
        self._confirmations: dict[bytes, list[asyncio.Future[None]]] = {}
        self._connected = asyncio.Event()

    async def add(self, channels: Sequence[str]) -> None:
        if not channels:
            return
        loop = asyncio.get_running_loop()
        waits = []
        for channel in channels:
            future: asyncio.Future[None] = loop.create_future()
            self._confirmations.setdefault((self._prefix + channel).encode(), []).append(future)
            waits.append(future)
        with guard():
            await self._pubsub.subscribe(*(self._prefix + channel for channel in channels))
        self._connected.set()
        async with asyncio.timeout(self.CONFIRM_TIMEOUT_S):
            await asyncio.gather(*waits)

    async def remove(self, channels: Sequence[str]) -> None:
        if channels:
            with guard():
                await self._pubsub.unsubscribe(*(self._prefix + channel for channel in channels))

    async def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        await self._connected.wait()  # the pub/sub connection exists after the first SUBSCRIBE
        cut = len(self._prefix)
        while True:
            with guard():
                message = await self._pubsub.get_message(timeout=None)
            if message is None:
                continue
            kind = message["type"]
            if kind == "message":
                yield message["channel"].decode()[cut:], message["data"]
            elif kind == "subscribe":
                for future in self._confirmations.pop(message["channel"], []):
                    if not future.done():
                        future.set_result(None)

    async def close(self) -> None:
        for futures in self._confirmations.values():
            for future in futures:
                future.cancel()
        self._confirmations.clear()
        await self._pubsub.aclose()
