"""ListStore contract over SQLite and PostgreSQL (needs("postgres"))."""

from __future__ import annotations

from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.lists import PostgresListStore
from rookery.workloads.adapters.sqlite import lists as sqlite_lists
from rookery.workloads.domain.lists import TimelineList
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ports.feed import ListStore


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    return await store_db.store(sqlite_lists.MIGRATIONS, sqlite_lists.SqliteListStore, PostgresListStore)


async def test_lists_of_an_owner(store: ListStore) -> None:
    friends = TimelineList(10, 1, "Friends")
    work = TimelineList(20, 1, "Work", "none", True)
    await store.create(work)
    await store.create(friends)
    await store.create(TimelineList(30, 2, "Someone else's"))
    assert await store.of_owner(1) == [friends, work]  # oldest (lowest id) first
    assert await store.get(20) == work
    assert await store.get(99) is None
    work.title, work.replies_policy, work.exclusive = "Job", "list", False
    await store.update(work)
    assert await store.get(20) == TimelineList(20, 1, "Job", "list", False)
    assert await store.delete(10) is True
    assert await store.delete(10) is False
    assert await store.of_owner(1) == [work]


async def test_members(store: ListStore) -> None:
    friends, work, theirs = TimelineList(10, 1, "Friends"), TimelineList(20, 1, "Work"), TimelineList(30, 2, "B")
    for made in (friends, work, theirs):
        await store.create(made)
    await store.add_members(friends, [5, 7, 6])
    await store.add_members(friends, [7, 8])  # 7 again: once
    await store.add_members(work, [7])
    await store.add_members(theirs, [7, 9])
    await store.add_members(friends, [])
    assert await store.member_ids(10) == [5, 6, 7, 8]
    assert await store.members(10, PageRequest(limit=2)) == [8, 7]
    assert await store.members(10, PageRequest(max_id=7, limit=2)) == [6, 5]
    assert await store.members(10, PageRequest(min_id=5, limit=2)) == [7, 6]
    assert await store.members(10, PageRequest(since_id=5, limit=2)) == [8, 7]
    assert [found.id for found in await store.with_member(1, 7)] == [10, 20]
    assert [found.id for found in await store.with_member(2, 7)] == [30]
    assert [found.id for found in await store.containing(7)] == [10, 20, 30]
    assert await store.containing(42) == []
    await store.remove_members(10, [5, 99])
    assert await store.member_ids(10) == [6, 7, 8]
    await store.forget_member(1, 7)  # owner 1 unfollowed 7: out of 1's lists, still in 2's
    assert await store.member_ids(10) == [6, 8] and await store.member_ids(20) == []
    assert await store.member_ids(30) == [7, 9]
    assert await store.delete(30) is True
    assert await store.containing(9) == []
    await store.create(TimelineList(30, 2, "B again"))  # the same id: no members left over
    assert await store.member_ids(30) == []
