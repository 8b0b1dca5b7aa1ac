"""RealtimeListener contract (the streaming hub's one connection per process): channels added and
removed while it runs, ``add`` returning only once publishes reach it. Over the in-process
adapter, Redis pub/sub and a Redis Cluster's sharded pub/sub (needs("redis"))."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from contract_support import REDIS_PARAMS, eventually, redis_client

from rookery.workloads.adapters.memory.realtime import MemoryRealtime
from rookery.workloads.adapters.redis.realtime import RedisRealtime
from rookery.workloads.ports.edge import Realtime, RealtimeListener


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def pair(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[tuple[Realtime, Realtime]]:
    """Two handles on one backend: the publisher's process and the listener's."""
    if request.param == "memory":
        shared = MemoryRealtime()
        yield shared, shared
        return
    cluster = request.param == "redis-cluster"
    async with redis_client(request, cluster) as one, redis_client(request, cluster) as two:
        yield RedisRealtime(one, tenant), RedisRealtime(two, tenant)


class Reader:
    def __init__(self, listener: RealtimeListener) -> None:
        self.listener = listener
        self.got: list[tuple[str, bytes]] = []
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for item in self.listener.messages():
            self.got.append(item)

    async def close(self) -> None:
        await self.listener.close()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def test_added_channels_receive_at_once_removed_ones_stop(pair: tuple[Realtime, Realtime]) -> None:
    publisher, subscriber = pair
    reader = Reader(subscriber.listen())
    try:
        await reader.listener.add(["public", "user:1"])
        # no ping-until-live loop: add() returned, so this publish must arrive
        await publisher.publish("public", b"one")
        await publisher.publish("user:2", b"not mine")
        await publisher.publish("user:1", b"two")
        await eventually(lambda: len(reader.got) == 2, timeout_s=10, what="two messages")
        assert sorted(reader.got) == [("public", b"one"), ("user:1", b"two")]
        await reader.listener.add(["hashtag:cats"])
        await reader.listener.remove(["public"])
        await publisher.publish("hashtag:cats", b"three")
        await eventually(lambda: len(reader.got) == 3, timeout_s=10, what="the new channel's message")
        await publisher.publish("public", b"late")
        await publisher.publish("user:1", b"four")
        await eventually(lambda: len(reader.got) == 4, timeout_s=10, what="the kept channel's message")
        assert sorted(reader.got[2:]) == [("hashtag:cats", b"three"), ("user:1", b"four")]
    finally:
        await reader.close()


async def test_listeners_are_independent(pair: tuple[Realtime, Realtime]) -> None:
    publisher, subscriber = pair
    first, second = Reader(subscriber.listen()), Reader(subscriber.listen())
    try:
        await first.listener.add(["public"])
        await second.listener.add(["public", "direct:7"])
        await publisher.publish("direct:7", b"dm")
        await publisher.publish("public", b"all")
        await eventually(lambda: len(first.got) == 1 and len(second.got) == 2, timeout_s=10, what="fan-out")
        assert first.got == [("public", b"all")]
        # one channel's messages keep their order; two channels' need not (on a Redis Cluster
        # each channel lives on the primary owning its slot)
        assert sorted(second.got) == [("direct:7", b"dm"), ("public", b"all")]
        await first.close()
        await publisher.publish("public", b"after close")
        await eventually(lambda: len(second.got) == 3, timeout_s=10, what="the open listener")
        assert first.got == [("public", b"all")]
    finally:
        await second.close()
