"""Realtime port contract: pub/sub fan-in from several publishers to several subscribers, and the
listener (one connection, channels added and removed while it runs) — in-process and Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest
from contract_support import REDIS_PARAMS, eventually, redis_client
from redis.asyncio.cluster import RedisCluster
from redis_cluster import move_empty_slot

from rookery.workloads.adapters.memory.realtime import MemoryRealtime
from rookery.workloads.adapters.redis.realtime import RedisRealtime, ShardedListener
from rookery.workloads.ports.edge import Realtime, RealtimeListener

# (publisher A, publisher B): two handles on the same backend, like two gateway replicas
Pair = tuple[Realtime, Realtime]


@pytest.fixture(params=["memory", *REDIS_PARAMS])
async def realtime(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[Pair]:
    if request.param == "memory":
        shared = MemoryRealtime()  # one process: both "replicas" are the same hub
        yield shared, shared
        return
    cluster = request.param == "redis-cluster"
    async with redis_client(request, cluster) as one, redis_client(request, cluster) as two:
        yield RedisRealtime(one, tenant), RedisRealtime(two, tenant)


class Listener:
    """Consumes a subscription in a task and keeps what arrived."""

    def __init__(self, realtime: Realtime, channels: list[str]) -> None:
        self.got: list[tuple[str, bytes]] = []
        self._task = asyncio.create_task(self._run(realtime, channels))

    async def _run(self, realtime: Realtime, channels: list[str]) -> None:
        async for item in realtime.subscribe(channels):
            self.got.append(item)

    def payloads(self, prefix: bytes = b"msg") -> list[bytes]:
        return [data for _, data in self.got if data.startswith(prefix)]

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def until_subscribed(publish: Callable[[], object], listeners: list[Listener]) -> None:
    """Subscriptions become live asynchronously: ping until every listener heard one."""

    async def heard() -> bool:
        await publish()  # type: ignore[misc]
        return all(listener.payloads(b"ping") for listener in listeners)

    await eventually(heard, timeout_s=10, what="subscriptions to become live")


async def test_fan_in_to_two_subscribers(realtime: Pair) -> None:
    one, two = realtime
    first, second = Listener(one, ["user:1"]), Listener(two, ["user:1"])
    other = Listener(one, ["user:2"])
    try:
        await until_subscribed(lambda: one.publish("user:1", b"ping"), [first, second])
        await until_subscribed(lambda: one.publish("user:2", b"ping"), [other])
        sent = []
        for i in range(20):
            publisher = one if i % 2 else two
            message = f"msg-{i}".encode()
            await publisher.publish("user:1", message)
            sent.append(message)
        await eventually(
            lambda: len(first.payloads()) == 20 and len(second.payloads()) == 20, timeout_s=10, what="20 messages"
        )
        assert sorted(first.payloads()) == sorted(second.payloads()) == sorted(sent)
        for listener in (first, second):  # each publisher's messages arrive in the order sent
            for parity in (0, 1):
                mine = [m for m in sent if int(m.split(b"-")[1]) % 2 == parity]
                assert [m for m in listener.payloads() if m in mine] == mine
        assert {channel for channel, _ in first.got} == {"user:1"}
        await asyncio.sleep(0.1)
        assert other.payloads() == []  # nothing leaks to other channels
    finally:
        for listener in (first, second, other):
            await listener.close()


async def test_one_subscription_many_channels(realtime: Pair) -> None:
    one, two = realtime
    listener = Listener(two, ["hashtag:cats", "public"])
    try:
        await until_subscribed(lambda: one.publish("public", b"ping"), [listener])
        await one.publish("hashtag:cats", b"msg-cat")
        await one.publish("hashtag:dogs", b"msg-dog")
        await one.publish("public", b"msg-public")
        await eventually(lambda: len(listener.payloads()) == 2, timeout_s=10, what="two messages")
        # sorted: two channels' messages need not keep their order (a cluster's shards differ)
        assert sorted(item for item in listener.got if item[1].startswith(b"msg")) == [
            ("hashtag:cats", b"msg-cat"),
            ("public", b"msg-public"),
        ]
    finally:
        await listener.close()


async def test_publish_many_reaches_each_channel_once(realtime: Pair) -> None:
    one, two = realtime
    cats, dogs = Listener(two, ["hashtag:cats"]), Listener(two, ["hashtag:dogs", "public"])
    try:
        await until_subscribed(lambda: one.publish_many(["hashtag:cats", "public"], b"ping"), [cats, dogs])
        await one.publish_many([], b"msg-none")
        await one.publish_many(["hashtag:cats", "hashtag:dogs", "public", "user:9"], b"msg-all")
        await eventually(lambda: len(dogs.payloads()) == 2, timeout_s=10, what="the message on both channels")
        await one.publish("hashtag:cats", b"msg-end")  # after everything before it, on the same connection
        await eventually(lambda: len(cats.payloads()) == 2, timeout_s=10, what="the closing message")
        assert [item for item in cats.got if item[1].startswith(b"msg")] == [
            ("hashtag:cats", b"msg-all"),
            ("hashtag:cats", b"msg-end"),
        ]
        assert sorted(item for item in dogs.got if item[1].startswith(b"msg")) == [
            ("hashtag:dogs", b"msg-all"),
            ("public", b"msg-all"),
        ]
    finally:
        await cats.close()
        await dogs.close()


async def test_closed_subscription_stops_receiving(realtime: Pair) -> None:
    one, _ = realtime
    listener = Listener(one, ["chat:5"])
    await until_subscribed(lambda: one.publish("chat:5", b"ping"), [listener])
    await listener.close()
    await one.publish("chat:5", b"msg-late")
    await asyncio.sleep(0.1)
    assert listener.payloads() == []


async def test_listener_subscriptions_are_live_when_add_returns(realtime: Pair) -> None:
    one, two = realtime
    listener = two.listen()
    got: list[tuple[str, bytes]] = []

    async def collect() -> None:
        async for item in listener.messages():
            got.append(item)

    task = asyncio.create_task(collect())
    try:
        await listener.add(["status:1", "status:2"])  # confirmed: no ping needed
        await one.publish("status:1", b"msg-1")
        await one.publish("status:3", b"msg-other")
        await eventually(lambda: got == [("status:1", b"msg-1")], timeout_s=10, what="the first message")
        await listener.remove(["status:1"])
        await listener.add(["status:3"])
        await one.publish("status:1", b"msg-gone")
        await one.publish("status:2", b"msg-2")
        await one.publish("status:3", b"msg-3")
        await eventually(lambda: len(got) == 3, timeout_s=10, what="two more messages")
        assert got[0] == ("status:1", b"msg-1")
        assert sorted(got[1:]) == [("status:2", b"msg-2"), ("status:3", b"msg-3")]
    finally:
        await listener.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def cluster_pair(request: pytest.FixtureRequest, tenant: str) -> AsyncIterator[tuple[RedisCluster, RedisCluster]]:
    async with redis_client(request, True) as one, redis_client(request, True) as two:
        yield one, two  # type: ignore[misc]


def one_channel_per_primary(cluster: RedisCluster, prefix: str) -> dict[str, str]:
    """A channel name whose slot each primary owns, by primary."""
    owners: dict[str, str] = {}
    for number in range(100_000):
        owners.setdefault(cluster.get_node_from_key(f"{prefix}status:{number}").name, f"status:{number}")
        if len(owners) == len(cluster.get_primaries()):
            return owners
    raise AssertionError("no channel for some primary")


async def in_an_empty_slot(cluster: RedisCluster, prefix: str) -> tuple[str, int]:
    """A channel whose slot holds no keys (other tests' keys would stop it moving), and its slot."""
    for number in range(1000):
        slot = cluster.keyslot(f"{prefix}moving:{number}")
        if (
            await cluster.execute_command(
                "CLUSTER", "COUNTKEYSINSLOT", slot, target_nodes=cluster.get_node_from_key(f"{prefix}moving:{number}")
            )
            == 0
        ):
            return f"moving:{number}", slot
    raise AssertionError("every slot tried holds keys")


async def collecting(listener: RealtimeListener, got: list[tuple[str, bytes]]) -> None:
    async for item in listener.messages():
        got.append(item)


@pytest.mark.needs("redis")
async def test_a_cluster_listener_hears_channels_on_every_primary(
    cluster_pair: tuple[RedisCluster, RedisCluster], tenant: str
) -> None:
    one, two = cluster_pair
    channels = list(one_channel_per_primary(one, f"rk:{tenant}:rt:").values())
    listener = RedisRealtime(two, tenant).listen()
    got: list[tuple[str, bytes]] = []
    task = asyncio.create_task(collecting(listener, got))
    try:
        await listener.add(channels)
        # sharded pub/sub: each channel is published on, and heard from, the primary owning it
        await RedisRealtime(one, tenant).publish_many(channels, b"to-all")
        await eventually(lambda: len(got) == len(channels), timeout_s=10, what="a message per primary")
        assert sorted(got) == sorted((channel, b"to-all") for channel in channels)
        await listener.remove(channels[:1])
        await RedisRealtime(one, tenant).publish_many(channels, b"again")
        await eventually(lambda: len(got) == 2 * len(channels) - 1, timeout_s=10, what="the others again")
        assert (channels[0], b"again") not in got
    finally:
        await listener.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.needs("redis")
async def test_a_cluster_listener_follows_a_channel_whose_slot_moves(
    cluster_pair: tuple[RedisCluster, RedisCluster], tenant: str
) -> None:
    one, two = cluster_pair
    prefix = f"rk:{tenant}:rt:"
    by_owner = one_channel_per_primary(one, prefix)
    channel, slot = await in_an_empty_slot(one, prefix)
    owner = one.get_node_from_key(prefix + channel).name
    other = next(name for name in by_owner if name != owner)
    staying = by_owner[other]
    publisher, listener = RedisRealtime(one, tenant), RedisRealtime(two, tenant).listen()
    got: list[tuple[str, bytes]] = []
    task = asyncio.create_task(collecting(listener, got))
    try:
        await listener.add([channel, staying])
        await publisher.publish(channel, b"before")
        await eventually(lambda: got == [(channel, b"before")], timeout_s=10, what="the message before the move")
        await move_empty_slot(one, slot, other)
        # the server ends the subscription on the old owner; the listener subscribes on the new
        # one. Until it has, publishes are lost (pub/sub keeps nothing), so publish until heard.
        sent = 0

        async def heard_after_move() -> bool:
            nonlocal sent
            if any(message != b"before" for _, message in got):
                return True
            sent += 1
            await publisher.publish(channel, b"after-%d" % sent)
            return False

        await eventually(heard_after_move, timeout_s=15, what="a message on the moved channel")
        assert one.get_node_from_key(prefix + channel).name == other  # the publisher followed too
        before = len(got)
        await publisher.publish(channel, b"settled")
        await publisher.publish(staying, b"unmoved")
        await eventually(lambda: len(got) == before + 2, timeout_s=10, what="both channels, once each")
        assert sorted(got[before:]) == sorted([(channel, b"settled"), (staying, b"unmoved")])
    finally:
        await move_empty_slot(one, slot, owner)
        await listener.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.needs("redis")
async def test_a_cluster_listener_buffers_a_bounded_number_and_leaves_the_rest_in_redis(
    cluster_pair: tuple[RedisCluster, RedisCluster], tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = cluster_pair
    monkeypatch.setattr(ShardedListener, "BUFFERED", 5)
    listener = RedisRealtime(two, tenant).listen()
    assert isinstance(listener, ShardedListener)
    publisher = RedisRealtime(one, tenant)
    got: list[tuple[str, bytes]] = []
    try:
        await listener.add(["slow"])
        for number in range(50):  # nobody reads messages() meanwhile
            await publisher.publish("slow", b"%d" % number)
        await eventually(lambda: listener._queue.full(), timeout_s=10, what="the buffer filled")
        await asyncio.sleep(0.3)
        assert listener._queue.qsize() == 5  # the readers wait; the rest waits in Redis
        task = asyncio.create_task(collecting(listener, got))
        await eventually(lambda: len(got) == 50, timeout_s=10, what="every message, once read")
        assert got == [("slow", b"%d" % number) for number in range(50)]  # none lost, in order
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        await listener.close()
