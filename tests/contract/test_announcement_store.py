"""AnnouncementStore contract over SQLite and PostgreSQL (needs("postgres")): announcements with
their windows, dismissals per account, reactions counted per name in first-use order, at most
``limit`` distinct names (racing reactors too), removal taking reactions and dismissals along."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.announcements import PostgresAnnouncementStore
from rookery.workloads.adapters.sqlite import announcements as sqlite_announcements
from rookery.workloads.domain.announcements import Announcement, ReactionCount
from rookery.workloads.ids import new_id
from rookery.workloads.ports.announcements import AnnouncementStore

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    return await store_db.store(
        sqlite_announcements.MIGRATIONS, sqlite_announcements.SqliteAnnouncementStore, PostgresAnnouncementStore
    )


def announcement(text: str, **fields: Any) -> Announcement:
    return Announcement(new_id(), text, NOW, NOW, **fields)


async def test_announcements_round_trip_and_dismissals(store: AnnouncementStore) -> None:
    first = announcement("maintenance", starts_at=NOW, ends_at=NOW + dt.timedelta(hours=2), all_day=True)
    second = announcement("welcome")
    await store.add(first)
    await store.add(second)
    assert await store.all() == [second, first]
    assert await store.get(first.id) == first
    await store.dismiss(1, first.id)
    await store.dismiss(1, first.id)
    assert await store.dismissed(1, [first.id, second.id]) == {first.id}
    assert await store.dismissed(2, [first.id]) == set()
    assert await store.dismissed(1, []) == set()


async def test_reactions_counted_and_limited(store: AnnouncementStore) -> None:
    a, b = announcement("a"), announcement("b")
    await store.add(a)
    await store.add(b)
    assert await store.react(1, a.id, "👍", 2) is True
    assert await store.react(2, a.id, "👍", 2) is True
    assert await store.react(2, a.id, "👍", 2) is True  # again: one row
    assert await store.react(1, a.id, "blobcat", 2) is True
    assert await store.react(3, a.id, "🎉", 2) is False  # a third name
    assert await store.react(3, a.id, "blobcat", 2) is True  # a name already there
    await store.react(1, b.id, "🎉", 2)
    assert await store.reactions([a.id, b.id]) == [
        ReactionCount(a.id, "👍", 2),
        ReactionCount(a.id, "blobcat", 2),
        ReactionCount(b.id, "🎉", 1),
    ]
    assert await store.own_reactions(1, [a.id, b.id]) == {(a.id, "👍"), (a.id, "blobcat"), (b.id, "🎉")}
    assert await store.unreact(1, a.id, "👍") is True
    assert await store.unreact(1, a.id, "👍") is False
    assert await store.reactions([a.id]) == [ReactionCount(a.id, "👍", 1), ReactionCount(a.id, "blobcat", 2)]
    assert await store.remove(a.id) is True
    assert await store.remove(a.id) is False
    assert await store.get(a.id) is None and await store.reactions([a.id]) == []


async def test_racing_reactions_stop_at_the_limit(store: AnnouncementStore) -> None:
    a = announcement("race")
    await store.add(a)
    results = await asyncio.gather(*(store.react(n, a.id, f"name{n}", 3) for n in range(8)))
    assert sum(results) == 3
    assert len(await store.reactions([a.id])) == 3
