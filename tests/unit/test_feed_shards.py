"""FeedShards in the workloads (domain/shards.py, workers/fanout.py): the users of a range, the
shard worker writing only their home timelines, the feed role forwarding to every shard's stream and
keeping the users no range covers; bad settings are one-line start errors."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from rookery.workloads.bootstrap import build
from rookery.workloads.domain.events import Event
from rookery.workloads.domain.shards import HASH_SPACE, feed_hash, parse_range, parse_shards
from rookery.workloads.services.social import BLOCKED, FOLLOWED, STATUS_CREATED, STATUS_DELETED
from rookery.workloads.settings import ConfigurationError, Settings
from rookery.workloads.workers.fanout import FanoutWorker, ShardForwarder

HALF = HASH_SPACE // 2
LOW = parse_range("low", f"0-{HALF}")
HIGH = parse_range("high", f"{HALF}-{HASH_SPACE}")
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
    assert parse_shards(f"low=0-{HALF}, high={HALF}-{HASH_SPACE}") == (LOW, HIGH)
    assert parse_shards("") == ()
    for bad in ("low", "low=5-5", f"low=0-{HASH_SPACE + 1}", "Low=0-1", "a=0-1,a=1-2"):
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
    shards = parse_shards(f"low=0-{HALF // 2}")  # a quarter of the space: the rest stays with the feed role
    local, timelines = worker(lambda u: not any(s.owns(u) for s in shards))
    forwarder = ShardForwarder(bus, ["fanout.low"], local)  # type: ignore[arg-type]
    forwarder.subscribe(bus)  # type: ignore[arg-type]
    assert bus.subscribed == [("posts", "fanout"), ("graph", "fanout")]
    await forwarder.on_event(post())
    await forwarder.on_event(Event("StatusUpdated", "1", {}))  # nothing a fan-out worker does
    assert bus.published == [("fanout.low", STATUS_CREATED)]
    assert sorted(timelines.pushed) == sorted(u for u in [1, *USERS] if not shards[0].owns(u))


def test_shard_settings_are_checked_at_start(tmp_path: pathlib.Path) -> None:
    base = {"data_dir": tmp_path, "kafka_bootstrap": "127.0.0.1:1", "tenant": "t"}
    with pytest.raises(ConfigurationError, match="ROOKERY_FEED_SHARDS"):
        build(Settings(**base, feed_shards="a=9-1"))
    with pytest.raises(ConfigurationError, match="need the Kafka bus"):
        build(Settings(data_dir=tmp_path, feed_shards=f"a=0-{HALF}"))
    shard = {"feed_shard": "a", "feed_shard_range": f"0-{HALF}", "fanout_consumer_group": "t.fanout.a"}
    with pytest.raises(ConfigurationError, match="must start with the tenant"):
        build(Settings(**base, **shard, fanout_topic="other.fanout.a"))
    container = build(Settings(**base, **shard, fanout_topic="t.fanout.a", feed_shards=f"a=0-{HALF}"))
    kafka = container.infra.kafka
    assert kafka is not None
    groups = set(kafka._groups)  # the shard's group and the tenant's forwarding group
    assert {"fanout.a", "fanout"} <= groups
