"""TagFollowStore contract over SQLite and PostgreSQL (needs("postgres"))."""

from __future__ import annotations

from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.tags import PostgresTagFollowStore
from rookery.workloads.adapters.sqlite import tags as sqlite_tags
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ports.search import TagFollowStore


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    return await store_db.store(sqlite_tags.MIGRATIONS, sqlite_tags.SqliteTagFollowStore, PostgresTagFollowStore)


async def test_follow_unfollow_and_pages(store: TagFollowStore) -> None:
    for tag in ("cats", "Dogs", "birds"):
        await store.follow(1, tag)
    await store.follow(1, "CATS")  # again, any case: one row, first place kept
    await store.follow(2, "cats")
    rows = await store.followed(1, PageRequest(limit=10))
    assert [tag for _, tag in rows] == ["birds", "dogs", "cats"]  # newest first
    assert await store.following(1, ["Cats", "fish", "dogs"]) == {"cats", "dogs"}
    assert await store.following(1, []) == set()
    page = await store.followed(1, PageRequest(limit=2))
    assert [t for _, t in page] == ["birds", "dogs"]
    rest = await store.followed(1, PageRequest(max_id=page[-1][0], limit=2))
    assert [t for _, t in rest] == ["cats"]
    newer = await store.followed(1, PageRequest(min_id=rows[-1][0], limit=1))
    assert [t for _, t in newer] == ["dogs"]
    assert await store.unfollow(1, "DOGS") is True
    assert await store.unfollow(1, "dogs") is False
    assert await store.following(1, ["dogs"]) == set()
    assert await store.following(2, ["cats", "birds"]) == {"cats"}  # per account
