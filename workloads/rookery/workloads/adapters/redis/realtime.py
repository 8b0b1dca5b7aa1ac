"""The Realtime port on Redis pub/sub: any gateway replica delivers any event.

Channels are ``rk:<tenant>:rt:<channel>`` (pub/sub channels are not keys: no hash tag).
Each subscription holds its own connection until the iterator is closed; ``listen()`` gives one
listener whose channels change while it runs (a process's streaming hub: one listener for every
socket it serves, channels reference-counted above it).

On Redis Cluster, messages go by sharded pub/sub (``SPUBLISH``/``SSUBSCRIBE``, Redis 7): a
channel lives on the primary that owns its slot, so publisher and subscriber meet on that node.
Classic ``PUBLISH`` there reaches a subscriber on another node over the cluster bus, which drops
messages whenever a bus link reconnects, and sends every message to every node.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterPubSub, RedisCluster

from rookery.workloads.adapters.redis.keys import guard

log = logging.getLogger(__name__)

CONFIRM_TIMEOUT_S = 10.0


class RedisRealtime:
    def __init__(self, client: aioredis.Redis, tenant: str) -> None:
        self._redis = client
        self._prefix = f"rk:{tenant}:rt:"
        self._sharded = isinstance(client, RedisCluster)

    async def publish(self, channel: str, message: bytes) -> None:
        with guard():
            if self._sharded:
                await self._redis.spublish(self._prefix + channel, message)
            else:
                await self._redis.publish(self._prefix + channel, message)

    async def publish_many(self, channels: Sequence[str], message: bytes) -> None:
        if not channels:
            return
        with guard():
            if self._sharded:  # each channel on its own node, and Cluster pipelines refuse pub/sub
                await asyncio.gather(*(self._redis.spublish(self._prefix + channel, message) for channel in channels))
                return
            async with self._redis.pipeline(transaction=False) as pipe:
                for channel in channels:
                    pipe.publish(self._prefix + channel, message)
                await pipe.execute()

    def listen(self) -> RedisListener | ShardedListener:
        if self._sharded:
            return ShardedListener(self._redis, self._prefix)  # type: ignore[arg-type]
        return RedisListener(self._redis, self._prefix)

    async def subscribe(self, channels: list[str]) -> AsyncIterator[tuple[str, bytes]]:
        if self._sharded:
            listener = ShardedListener(self._redis, self._prefix)  # type: ignore[arg-type]
            try:
                await listener.add(channels)
                async for item in listener.messages():
                    yield item
            finally:
                await listener.close()
            return
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


class _Confirmations:
    """Futures that ``add`` waits on, answered when the server confirms each channel."""

    def __init__(self) -> None:
        self._waiting: dict[bytes, list[asyncio.Future[None]]] = {}

    def expect(self, channels: Sequence[str]) -> list[asyncio.Future[None]]:
        loop = asyncio.get_running_loop()
        futures = []
        for channel in channels:
            future: asyncio.Future[None] = loop.create_future()
            self._waiting.setdefault(channel.encode(), []).append(future)
            futures.append(future)
        return futures

    def confirmed(self, channel: bytes) -> None:
        for future in self._waiting.pop(channel, []):
            if not future.done():
                future.set_result(None)

    def cancel(self) -> None:
        for futures in self._waiting.values():
            for future in futures:
                future.cancel()
        self._waiting.clear()


async def _confirmed(futures: list[asyncio.Future[None]]) -> None:
    async with asyncio.timeout(CONFIRM_TIMEOUT_S):
        await asyncio.gather(*futures)


class RedisListener:
    """One pub/sub connection; ``add`` returns once Redis confirmed the SUBSCRIBE, so anything
    published afterwards reaches it. ``messages()`` must be running for ``add`` to return."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._pubsub = client.pubsub()
        self._prefix = prefix
        self._confirmations = _Confirmations()
        self._connected = asyncio.Event()

    async def add(self, channels: Sequence[str]) -> None:
        if not channels:
            return
        full = [self._prefix + channel for channel in channels]
        waits = self._confirmations.expect(full)
        with guard():
            await self._pubsub.subscribe(*full)
        self._connected.set()
        await _confirmed(waits)

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
                self._confirmations.confirmed(message["channel"])

    async def close(self) -> None:
        self._confirmations.cancel()
        await self._pubsub.aclose()


class ShardedListener:
    """Sharded pub/sub on Redis Cluster: one connection per primary that owns a subscribed
    channel's slot (redis-py's ``ClusterPubSub`` keeps them, and moves a channel to its slot's
    new owner after a slot-map refresh), each read by a task of its own into one queue. ``add``
    returns once every channel's SSUBSCRIBE was confirmed, whether or not ``messages()`` runs.

    When a slot moves (resharding, failover) the server ends its sharded subscriptions with an
    ``sunsubscribe`` the listener never asked for; the listener then refreshes the slot map and
    subscribes those channels again on their new owner. A lost connection does the same.

    At most ``BUFFERED`` messages wait in the process for ``messages()``; past that the readers
    stop reading, and what follows waits in Redis, which cuts off a subscriber that falls past
    its pub/sub output-buffer limit (as it does a classic one; the reader then reconnects)."""

    RETRY_S = 1.0
    BUFFERED = 10_000

    def __init__(self, cluster: RedisCluster, prefix: str) -> None:
        self._cluster = cluster
        self._pubsub: ClusterPubSub = cluster.pubsub()
        self._prefix = prefix
        self._confirmations = _Confirmations()
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(self.BUFFERED)
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._wanted: set[bytes] = set()
        self._reconciling: asyncio.Task[None] | None = None
        self._closed = False

    async def add(self, channels: Sequence[str]) -> None:
        if not channels:
            return
        full = [self._prefix + channel for channel in channels]
        waits = self._confirmations.expect(full)
        self._wanted.update(channel.encode() for channel in full)
        with guard():
            await self._pubsub.ssubscribe(*full)
        self._read_every_node()
        await _confirmed(waits)

    async def remove(self, channels: Sequence[str]) -> None:
        if channels:
            full = [self._prefix + channel for channel in channels]
            self._wanted.difference_update(channel.encode() for channel in full)
            with guard():
                await self._pubsub.sunsubscribe(*full)

    async def messages(self) -> AsyncIterator[tuple[str, bytes]]:
        while True:
            yield await self._queue.get()

    async def close(self) -> None:
        self._closed = True
        self._confirmations.cancel()
        tasks = [*self._readers.values(), *([self._reconciling] if self._reconciling else [])]
        self._readers.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._pubsub.aclose()

    def _read_every_node(self) -> None:
        if self._closed:
            return
        for name in self._pubsub.node_pubsub_mapping:
            if name not in self._readers:
                self._readers[name] = asyncio.create_task(self._read(name), name=f"realtime-{name}")

    async def _read(self, name: str) -> None:
        cut = len(self._prefix)
        while True:
            # the node's connection is dropped once its last channel is gone (no await between
            # this check and leaving, so an ``add`` that brings the node back starts a new reader)
            if name not in self._pubsub.node_pubsub_mapping:
                del self._readers[name]
                self._read_every_node()
                return
            node = self._cluster.get_node(node_name=name)
            if node is None:  # gone from the slot map: the reconcile moves its channels, then drops it
                self._reconcile()
                await asyncio.sleep(self.RETRY_S)
                continue
            try:
                # timeout=None blocks until a message, as get_message's does (typed float only)
                message = await self._pubsub.get_sharded_message(target_node=node, timeout=None)  # type: ignore[arg-type]
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the node went away, or its slots did
                log.warning("realtime lost its connection to %s: %r", name, exc)
                await asyncio.sleep(self.RETRY_S)
                self._reconcile()
                continue
            if message is None:
                continue
            kind = message["type"]
            if kind == "smessage":
                await self._queue.put((message["channel"].decode()[cut:], message["data"]))
            elif kind == "ssubscribe":
                self._confirmations.confirmed(message["channel"])
            elif kind == "sunsubscribe" and message["channel"] in self._wanted:
                self._reconcile()  # its slot moved to another node

    def _reconcile(self) -> None:
        if self._closed:
            return
        if self._reconciling is None or self._reconciling.done():
            self._reconciling = asyncio.create_task(self._subscribe_again(), name="realtime-reconcile")

    async def _subscribe_again(self) -> None:
        while True:
            try:
                await self._cluster.nodes_manager.initialize()  # the slot map as it is now
                await self._pubsub.reinitialize_shard_subscriptions()
                if lost := [c for c in self._wanted if c not in self._pubsub.shard_channels]:
                    await self._pubsub.ssubscribe(*lost)  # ended by the server on a moved slot
                self._read_every_node()
                return
            except Exception as exc:
                log.warning("realtime could not subscribe again yet: %r", exc)
                await asyncio.sleep(self.RETRY_S)
