"""FeedShards in the workloads (domain/shards.py, workers/fanout.py, adapters/sharded_timelines.py):
the users of a range, the shard worker writing only their home timelines in its own table and Redis
prefix, the feed role forwarding to every shard's stream and keeping the users no range covers, the
readers routing each user to the shard's storage; bad settings are one-line start errors."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore
from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore
from rookery.workloads.adapters.redis.timelines import RedisTimelineStore
from rookery.workloads.adapters.sharded_timelines import ShardedTimelineStore
from rookery.workloads.bootstrap import build
from rookery.workloads.domain.events import Event
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.shards import (
    HASH_SPACE,
    ShardStorage,
    feed_hash,
    parse_range,
    parse_shards,
    shard_of,
)
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.services.social import BLOCKED, FOLLOWED, STATUS_CREATED, STATUS_DELETED
from rookery.workloads.settings import ConfigurationError, Settings
from rookery.workloads.workers.fanout import FanoutWorker, ShardForwarder

HALF = HASH_SPACE // 2
LOW = parse_range("low", f"0-{HALF}")
HIGH = parse_range("high", f"{HALF}-{HASH_SPACE}")


def storage(name: str, prefix: str | None = None) -> ShardStorage:
    return ShardStorage(f"home_timeline_{name}", 86400, 7, prefix or f"t:feed:{name}:", 600, 400)


def item(name: str, start: int, end: int, prefix: str | None = None) -> str:
    """One ROOKERY_FEED_SHARDS entry, as the operator renders it."""
    return f"{name}={start}-{end}" + storage(name, prefix).render()
USERS = list(range(100, 140))
LOW_USERS = [u for u in USERS if feed_hash(u) < HALF]
HIGH_USERS = [u for u in USERS if feed_hash(u) >= HALF]


class Timelines:
    def __init__(self) -> None:
        self.pushed: dict[int, list[int]] = {}
        self.removed_authors: list[tuple[int, int]] = []
        self.removed: list[int] = []
        self.merged: list[int] = []

    async def push(self, owner_ids: list[int], entry: Any) -> None:
        for owner in owner_ids:
            self.pushed.setdefault(owner, []).append(entry.status_id)

    async def push_many(self, owner_id: int, entries: Any) -> None:
        self.merged.append(owner_id)

    async def remove(self, status_ids: list[int]) -> None:
        self.removed += list(status_ids)

    async def remove_author(self, owner_id: int, account_id: int) -> None:
        self.removed_authors.append((owner_id, account_id))

    async def celebrities(self) -> set[int]:
        return set()

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None:
        pass


class Graph:
    async def follower_ids(self, account_id: int) -> list[int]:
        return USERS


class Author:
    followers_count = len(USERS)


class Accounts:
    async def get(self, account_id: int) -> Author:
        return Author()


class Statuses:
    async def by_authors(self, ids: Any, page: Any) -> list[Any]:
        return []


class Bus:
    def __init__(self) -> None:
        self.published: list[tuple[str, str]] = []
        self.subscribed: list[tuple[str, str]] = []

    async def publish(self, stream: str, event: Event) -> None:
        self.published.append((stream, event.type))

    def subscribe(self, stream: str, group: str, handler: Any) -> None:
        self.subscribed.append((stream, group))


def worker(owners: Any = None) -> tuple[FanoutWorker, Timelines]:
    timelines = Timelines()
    return FanoutWorker(timelines, Graph(), Statuses(), Accounts(), threshold=1000, owners=owners), timelines  # type: ignore[arg-type]


def post(status_id: int = 7) -> Event:
    payload = {"status_id": status_id, "account_id": 1, "visibility": "public"}
    return Event(STATUS_CREATED, "1", payload)


def test_ranges_split_the_hash_space_and_parse_strictly() -> None:
    assert feed_hash(12345) == feed_hash(12345) and 0 <= feed_hash(12345) < HASH_SPACE
    assert LOW_USERS and HIGH_USERS  # both halves have users among 40 ids
    assert all(LOW.owns(u) != HIGH.owns(u) for u in USERS)
    parsed = parse_shards(f"{item('low', 0, HALF)}, {item('high', HALF, HASH_SPACE, 'odd,prefix;50%:')}")
    assert [(s.name, s.start, s.end) for s in parsed] == [("low", 0, HALF), ("high", HALF, HASH_SPACE)]
    assert parsed[0].storage == storage("low")
    assert parsed[1].storage == storage("high", "odd,prefix;50%:")  # percent-encoded in the list
    assert parse_shards("") == ()
    good = item("a", 0, 1)
    for bad in (
        "low",
        "low=5-5",
        f"low=0-{HASH_SPACE + 1}",
        "Low=0-1",
        f"{good},{item('a', 1, 2)}",
        "a=0-1",  # no storage: the readers would not know where a's users' timelines are
        good.replace(";max=400", ""),
        good.replace("table=home_timeline_a", "table=x;drop"),
        good.replace("table=home_timeline_a", "table=Bad-Name"),
        good.replace("prefix=t:feed:a:", "prefix=t{a}"),
        good.replace("bucket_days=7", "bucket_days=0"),
        good.replace("ttl_s=86400", "ttl_s=soon"),
        f"{item('a', 0, 10)},{item('b', 5, 20)}",  # overlapping ranges: a user in two tables
        f"{good},{item('b', 1, 2, 't:feed:a:')}",  # one Redis prefix for two shards
    ):
        with pytest.raises(ValueError, match="ROOKERY_FEED_SHARDS"):
            parse_shards(bad)


async def test_a_shard_worker_writes_only_its_users_home_timelines() -> None:
    fanout, timelines = worker(LOW.owns)
    await fanout.on_event(post())
    author = [1] if LOW.owns(1) else []  # the author's own home timeline too, in its shard
    assert sorted(timelines.pushed) == sorted([*LOW_USERS, *author])
    follower, outsider = LOW_USERS[0], HIGH_USERS[0]
    await fanout.on_event(Event(FOLLOWED, str(follower), {"account_id": follower, "target_id": 2}))
    await fanout.on_event(Event(FOLLOWED, str(outsider), {"account_id": outsider, "target_id": 2}))
    assert timelines.merged == [follower]
    await fanout.on_event(Event(BLOCKED, str(follower), {"account_id": follower, "target_id": outsider}))
    assert timelines.removed_authors == [(follower, outsider)]  # the other side is the other shard's
    await fanout.on_event(Event(STATUS_DELETED, "1", {"status_id": 7}))
    assert timelines.removed == [7]


async def test_the_feed_role_forwards_to_every_shard_and_keeps_the_uncovered_users() -> None:
    bus = Bus()
    shards = parse_shards(item("low", 0, HALF // 2))  # a quarter of the space: the rest stays with the feed role
    local, timelines = worker(lambda u: not any(s.owns(u) for s in shards))
    forwarder = ShardForwarder(bus, ["fanout.low"], local)  # type: ignore[arg-type]
    forwarder.subscribe(bus)  # type: ignore[arg-type]
    assert bus.subscribed == [("posts", "fanout"), ("graph", "fanout")]
    await forwarder.on_event(post())
    await forwarder.on_event(Event("StatusUpdated", "1", {}))  # nothing a fan-out worker does
    assert bus.published == [("fanout.low", STATUS_CREATED)]
    assert sorted(timelines.pushed) == sorted(u for u in [1, *USERS] if not shards[0].owns(u))


class Store(Timelines):
    """A shard's (or the tenant's) timeline store: what was pushed and read where."""

    def __init__(self) -> None:
        super().__init__()
        self.celebrity: set[int] = set()

    async def range(self, owner_id: int, page: PageRequest) -> list[TimelineEntry]:
        return [TimelineEntry(status_id=s, account_id=1) for s in self.pushed.get(owner_id, [])]

    async def contains(self, owner_id: int, status_id: int) -> bool:
        return status_id in self.pushed.get(owner_id, [])

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None:
        self.celebrity.add(account_id)


async def test_readers_route_each_user_to_the_shard_that_owns_it() -> None:
    """user -> shard (the fan-out's own range function) -> that shard's store; no shard: the tenant's."""
    shards = parse_shards(f"{item('low', 0, HALF // 2)},{item('high', HALF, HASH_SPACE)}")
    low, high, tenant = Store(), Store(), Store()
    routed = ShardedTimelineStore(tenant, [(shards[0], low), (shards[1], high)])  # type: ignore[list-item]
    users = list(range(100, 200))
    gap = [u for u in users if HALF // 2 <= feed_hash(u) < HALF]
    assert gap and all(shard_of(shards, u) is None for u in gap)
    await routed.push(users, TimelineEntry(status_id=9, account_id=1))
    assert sorted(low.pushed) == [u for u in users if shards[0].owns(u)]
    assert sorted(high.pushed) == [u for u in users if shards[1].owns(u)]
    assert sorted(tenant.pushed) == gap
    for user in users:  # each user reads (and is written) where its shard's worker writes
        owner = {None: tenant, "low": low, "high": high}[getattr(shard_of(shards, user), "name", None)]
        assert routed.store_of(user) is owner
        assert [e.status_id for e in await routed.range(user, PageRequest(limit=20))] == [9]
        assert await routed.contains(user, 9)
    await routed.push_many(gap[0], [TimelineEntry(status_id=10, account_id=1)])
    assert tenant.merged == [gap[0]] and not low.merged and not high.merged
    await routed.remove([9])  # a deletion reaches every shard's index
    assert low.removed == high.removed == tenant.removed == [9]
    await routed.mark_celebrity(5, True)  # the celebrity set is the tenant's
    assert tenant.celebrity == {5} and not low.celebrity and not high.celebrity


def production(tmp_path: pathlib.Path, **extra: Any) -> Settings:
    """Production stores that connect only at start (nothing listens at port 1)."""
    base: dict[str, Any] = {
        "data_dir": tmp_path,
        "tenant": "t",
        "kafka_bootstrap": "127.0.0.1:1",
        "cassandra_contact_points": "127.0.0.1:1",
        "redis_url": "redis://127.0.0.1:1/0",
    }
    return Settings(**{**base, **extra})


def shard_worker_env(name: str = "a") -> dict[str, Any]:
    """What the operator renders for FeedShard a's worker (operator/render/deployments.shard_env)."""
    own = storage(name)
    return {
        "feed_shard": name,
        "feed_shard_range": f"0-{HALF}",
        "fanout_topic": f"t.fanout.{name}",
        "fanout_consumer_group": f"t.fanout.{name}",
        "timeline_table": own.table,
        "timeline_ttl_seconds": own.ttl_s,
        "timeline_bucket_days": own.bucket_days,
        "redis_key_prefix": own.prefix,
        "redis_timeline_ttl_seconds": own.redis_ttl_s,
        "home_timeline_max": own.max,
    }


def timelines_of(settings: Settings) -> Any:
    container = build(settings)
    assert container.social is not None
    return container.social.stores.timelines


def test_shard_settings_are_checked_at_start(tmp_path: pathlib.Path) -> None:
    listed = item("a", 0, HALF)
    with pytest.raises(ConfigurationError, match="ROOKERY_FEED_SHARDS"):
        build(production(tmp_path, feed_shards="a=9-1"))
    with pytest.raises(ConfigurationError, match="need the Kafka bus"):
        build(production(tmp_path, kafka_bootstrap="", feed_shards=listed))
    with pytest.raises(ConfigurationError, match="Cassandra tables"):
        build(Settings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1", feed_shards=listed))
    shard = shard_worker_env()
    with pytest.raises(ConfigurationError, match="must start with the tenant"):
        build(production(tmp_path, **{**shard, "fanout_topic": "other.fanout.a"}))
    with pytest.raises(ConfigurationError, match="table ''"):
        build(production(tmp_path, **{**shard, "timeline_table": ""}))
    with pytest.raises(ConfigurationError, match="where the readers look"):  # env and list disagree
        build(production(tmp_path, **{**shard, "timeline_bucket_days": 1}, feed_shards=listed))
    container = build(production(tmp_path, **shard, feed_shards=listed))
    kafka = container.infra.kafka
    assert kafka is not None
    groups = set(kafka._groups)  # the shard's group and the tenant's forwarding group
    assert {"fanout.a", "fanout"} <= groups


def test_the_shard_worker_writes_its_table_and_prefix_and_readers_route_there(tmp_path: pathlib.Path) -> None:
    listed = f"{item('a', 0, HALF)},{item('b', HALF, HASH_SPACE)}"
    worker = timelines_of(production(tmp_path, **shard_worker_env(), feed_shards=listed))
    assert isinstance(worker, HotColdTimelineStore)
    durable, hot = worker.durable, worker.hot
    assert isinstance(durable, CassandraTimelineStore) and isinstance(hot, RedisTimelineStore)
    assert (durable.table, durable.ttl_s, durable.bucket_ms, durable.max_entries) == (
        "home_timeline_a", 86400, 7 * 86_400_000, 400,
    )  # fmt: skip
    assert (hot._home(42), hot.ttl_s, hot.max_entries) == ("t:feed:a:home:{42}", 600, 400)
    reader = timelines_of(production(tmp_path, feed_shards=listed))
    assert isinstance(reader, ShardedTimelineStore)
    for user in range(100, 120):
        store = reader.store_of(user)
        assert isinstance(store, HotColdTimelineStore) and isinstance(store.durable, CassandraTimelineStore)
        name = "a" if feed_hash(user) < HALF else "b"
        assert store.durable.table == f"home_timeline_{name}"
        assert store.hot._home(user) == f"t:feed:{name}:home:{{{user}}}"  # type: ignore[attr-defined]
    plain = timelines_of(production(tmp_path))  # no FeedShards: the tenant's tables and keys, as before
    assert isinstance(plain, HotColdTimelineStore) and isinstance(plain.durable, CassandraTimelineStore)
    assert plain.durable.table == "home_timeline" and plain.durable.bucket_ms == 86_400_000
    assert plain.hot._home(42) == "rk:t:home:{42}" and plain.hot.ttl_s is None  # type: ignore[attr-defined]
