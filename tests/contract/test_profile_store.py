"""ProfileStore contract over SQLite and PostgreSQL (needs("postgres")): notes, endorsements,
featured tags (unique per account, at most ``limit``), dismissed suggestions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.profiles import PostgresProfileStore
from rookery.workloads.adapters.sqlite import profiles as sqlite_profiles
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.profiles import ProfileRuleError
from rookery.workloads.ports.profiles import ProfileStore


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    return await store_db.store(sqlite_profiles.MIGRATIONS, sqlite_profiles.SqliteProfileStore, PostgresProfileStore)


async def test_notes_are_per_viewer_and_removed_when_empty(store: ProfileStore) -> None:
    await store.set_note(1, 2, "met at the fair")
    await store.set_note(1, 3, "old")
    await store.set_note(1, 3, "new")
    await store.set_note(4, 2, "someone else's")
    assert await store.notes(1, [2, 3, 5]) == {2: "met at the fair", 3: "new"}
    await store.set_note(1, 2, "")
    assert await store.notes(1, [2, 3]) == {3: "new"}
    assert await store.notes(1, []) == {}
    assert await store.notes(4, [2]) == {2: "someone else's"}


async def test_endorsements_page_newest_first(store: ProfileStore) -> None:
    for target in (10, 11, 12):
        assert await store.endorse(1, target) is True
    assert await store.endorse(1, 11) is False  # again: one row
    await store.endorse(2, 10)
    rows = await store.endorsements(1, PageRequest(limit=10))
    assert [t for _, t in rows] == [12, 11, 10]
    page = await store.endorsements(1, PageRequest(limit=2))
    assert [t for _, t in page] == [12, 11]
    rest = await store.endorsements(1, PageRequest(max_id=page[-1][0], limit=2))
    assert [t for _, t in rest] == [10]
    assert await store.endorsed_among(1, [10, 12, 13]) == {10, 12}
    assert await store.unendorse(1, 12) is True
    assert await store.unendorse(1, 12) is False
    assert await store.endorsed_among(1, [12]) == set()
    assert await store.endorsed_among(2, [10, 11]) == {10}


async def test_featured_tags_unique_and_limited(store: ProfileStore) -> None:
    cats = await store.feature_tag(1, "cats", 3)
    await store.feature_tag(1, "dogs", 3)
    with pytest.raises(ProfileRuleError):
        await store.feature_tag(1, "cats", 3)
    await store.feature_tag(1, "birds", 3)
    with pytest.raises(ProfileRuleError):
        await store.feature_tag(1, "fish", 3)  # the limit
    await store.feature_tag(2, "cats", 3)  # per account
    assert [t.name for t in await store.featured_tags(1)] == ["cats", "dogs", "birds"]
    assert await store.unfeature_tag(2, cats.id) is False  # not theirs
    assert await store.unfeature_tag(1, cats.id) is True
    assert [t.name for t in await store.featured_tags(1)] == ["dogs", "birds"]
    await store.feature_tag(1, "fish", 3)


async def test_racing_featured_tags_stop_at_the_limit(store: ProfileStore) -> None:
    results = await asyncio.gather(*(store.feature_tag(7, f"tag{n}", 2) for n in range(6)), return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 2
    assert all(isinstance(r, ProfileRuleError) for r in results if isinstance(r, BaseException))
    assert len(await store.featured_tags(7)) == 2


async def test_dismissed_suggestions(store: ProfileStore) -> None:
    await store.dismiss_suggestion(1, 5)
    await store.dismiss_suggestion(1, 5)
    await store.dismiss_suggestion(1, 6)
    assert await store.dismissed_suggestions(1) == {5, 6}
    assert await store.dismissed_suggestions(2) == set()
