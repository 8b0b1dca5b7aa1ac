"""TimelineStore port contract: SQLite (embedded), Redis (standalone and Cluster), Cassandra, and
Redis in front of Cassandra (the production home timelines)."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator

import pytest
from cassandra_support import CASSANDRA, cassandra_settings, cassandra_store  # noqa: F401
from contract_support import REDIS_PARAMS, redis_client, sqlite_database

from rookery.workloads.adapters.cassandra.hot import HotColdTimelineStore
from rookery.workloads.adapters.cassandra.timelines import CassandraTimelineStore
from rookery.workloads.adapters.redis.timelines import RedisTimelineStore
from rookery.workloads.adapters.sqlite import timelines as sqlite_timelines
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry
from rookery.workloads.ports.feed import TimelineStore

MAX = 30
REDIS_OVER_CASSANDRA = pytest.param("redis+cassandra", marks=pytest.mark.needs("redis", "cassandra"))
TIMELINE_TABLES = ("home_timeline", "home_timeline_days", "home_timeline_by_status", "celebrities")
BASE = (1 << 62) + 1000  # snowflake-sized: above 2^53, where float scores would merge neighbours


@pytest.fixture(params=["sqlite", *REDIS_PARAMS, CASSANDRA, REDIS_OVER_CASSANDRA])
async def store(
    request: pytest.FixtureRequest, tenant: str, tmp_path: pathlib.Path
) -> AsyncIterator[TimelineStore]:
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "timelines.db", sqlite_timelines.MIGRATIONS) as db:
            yield sqlite_timelines.SqliteTimelineStore(db, max_entries=MAX)
    elif request.param == "cassandra":
        async with cassandra_store(
            request, TIMELINE_TABLES, lambda session: CassandraTimelineStore(session, max_entries=MAX)
        ) as cassandra:
            yield cassandra
    elif request.param == "redis+cassandra":
        async with (
            redis_client(request) as client,
            cassandra_store(
                request, TIMELINE_TABLES, lambda session: CassandraTimelineStore(session, max_entries=MAX)
            ) as cassandra,
        ):
            yield HotColdTimelineStore(RedisTimelineStore(client, tenant, max_entries=MAX), cassandra)
    else:
        async with redis_client(request, cluster=request.param == "redis-cluster") as client:
            yield RedisTimelineStore(client, tenant, max_entries=MAX)


def post(n: int, author: int = 7, **fields: object) -> TimelineEntry:
    return TimelineEntry(status_id=BASE + n, account_id=author, **fields)  # type: ignore[arg-type]


def ids(entries: list[TimelineEntry]) -> list[int]:
    return [e.status_id - BASE for e in entries]


async def test_newest_first_for_every_owner(store: TimelineStore) -> None:
    for n in range(1, 6):
        await store.push([1, 2], post(n))
    await store.push([1], post(3))  # a redelivered fan-out adds nothing
    assert ids(await store.range(1, PageRequest(limit=10))) == [5, 4, 3, 2, 1]
    assert ids(await store.range(2, PageRequest(limit=2))) == [5, 4]
    assert await store.range(3, PageRequest()) == []


async def test_cursor_pages(store: TimelineStore) -> None:
    await store.push_many(1, [post(n) for n in range(1, 21)])
    assert ids(await store.range(1, PageRequest(max_id=BASE + 15, limit=3))) == [14, 13, 12]
    assert ids(await store.range(1, PageRequest(since_id=BASE + 16, limit=10))) == [20, 19, 18, 17]
    assert ids(await store.range(1, PageRequest(since_id=BASE + 10, limit=3))) == [20, 19, 18]
    assert ids(await store.range(1, PageRequest(min_id=BASE + 10, limit=3))) == [13, 12, 11]
    assert ids(await store.range(1, PageRequest(min_id=BASE + 5, max_id=BASE + 8, limit=10))) == [7, 6]
    assert ids(await store.range(1, PageRequest(max_id=BASE + 1))) == []


async def test_pages_read_at_once_are_each_owners_own(store: TimelineStore) -> None:
    """Concurrent readers (one pipeline on Redis, across Cluster slots) get what one by one would."""
    for owner in range(1, 7):
        await store.push_many(owner, [post(n, author=owner) for n in range(owner, 12 + owner)])
    asked = [
        (owner, page)
        for owner in (*range(1, 7), 99)
        for page in (PageRequest(limit=4), PageRequest(min_id=BASE + owner + 2, limit=3), PageRequest(max_id=BASE + 9))
    ]
    one_by_one = [await store.range(owner, page) for owner, page in asked]
    assert await asyncio.gather(*(store.range(owner, page) for owner, page in asked)) == one_by_one
    assert ids(one_by_one[0]) == [12, 11, 10, 9] and ids(one_by_one[1]) == [6, 5, 4]
    assert {e.account_id for e in one_by_one[3]} == {2} and one_by_one[-1] == []


async def test_bounded_to_the_newest(store: TimelineStore) -> None:
    for n in range(1, MAX + 11):
        await store.push([1], post(n))
    kept = ids(await store.range(1, PageRequest(limit=40)))
    assert kept == list(range(MAX + 10, 10, -1))


async def test_entries_round_trip(store: TimelineStore) -> None:
    reblog = TimelineEntry(
        status_id=BASE + 9, account_id=8, reblog_of_id=BASE + 2, reblog_account_id=7, visibility="unlisted"
    )
    reply = TimelineEntry(status_id=BASE + 10, account_id=7, visibility="private", in_reply_to_account_id=9)
    await store.push_many(1, [reblog, reply])
    assert await store.range(1, PageRequest()) == [reply, reblog]


async def test_remove_takes_statuses_and_their_reblogs_everywhere(store: TimelineStore) -> None:
    await store.push([1, 2, 3], post(1))
    await store.push([1, 2], post(2))
    await store.push([3], post(3, author=8, reblog_of_id=BASE + 1, reblog_account_id=7))
    await store.remove([BASE + 1])
    assert ids(await store.range(1, PageRequest())) == [2]
    assert ids(await store.range(2, PageRequest())) == [2]
    assert await store.range(3, PageRequest()) == []
    await store.remove([])


async def test_remove_author_in_one_timeline(store: TimelineStore) -> None:
    await store.push([1, 2], post(1, author=7))
    await store.push([1, 2], post(2, author=8))
    await store.push([1], post(3, author=9, reblog_of_id=BASE + 1, reblog_account_id=7))
    await store.remove_author(1, 7)  # e.g. 1 muted 7: their posts and reblogs of them go
    assert ids(await store.range(1, PageRequest())) == [2]
    assert ids(await store.range(2, PageRequest())) == [2, 1]


async def test_contains(store: TimelineStore) -> None:
    await store.push([1], post(5))
    assert await store.contains(1, BASE + 5)
    assert not await store.contains(1, BASE + 50)
    assert not await store.contains(2, BASE + 5)


async def test_celebrities(store: TimelineStore) -> None:
    assert await store.celebrities() == set()
    await store.mark_celebrity(42, True)
    await store.mark_celebrity(43, True)
    await store.mark_celebrity(42, True)
    await store.mark_celebrity(43, False)
    assert await store.celebrities() == {42}
