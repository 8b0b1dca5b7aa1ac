"""CustomEmojiStore contract over SQLite and PostgreSQL (needs("postgres")): one emoji per
shortcode, listed by shortcode, removed by id."""

from __future__ import annotations

from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.emojis import PostgresCustomEmojiStore
from rookery.workloads.adapters.sqlite import emojis as sqlite_emojis
from rookery.workloads.domain.emojis import CustomEmoji
from rookery.workloads.ids import new_id
from rookery.workloads.ports.emojis import CustomEmojiStore


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    return await store_db.store(
        sqlite_emojis.MIGRATIONS, sqlite_emojis.SqliteCustomEmojiStore, PostgresCustomEmojiStore
    )


def emoji(shortcode: str, **fields: Any) -> CustomEmoji:
    return CustomEmoji(new_id(), shortcode, f"https://cdn/{shortcode}.png", f"https://cdn/{shortcode}-s.png", **fields)


async def test_add_list_and_remove(store: CustomEmojiStore) -> None:
    blob, cat, party = emoji("blob"), emoji("cat_1", category="animals"), emoji("Party", visible_in_picker=False)
    for item in (party, cat, blob):
        assert await store.add(item) is True
    assert await store.add(emoji("blob")) is False  # the shortcode is taken: nothing stored
    assert await store.all() == [party, blob, cat]  # by shortcode (upper case first)
    assert await store.remove(cat.id) == cat
    assert await store.remove(cat.id) is None
    assert [e.shortcode for e in await store.all()] == ["Party", "blob"]
