"""ConversationStore contract over SQLite and PostgreSQL (needs("postgres"))."""

from __future__ import annotations

from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.conversations import PostgresConversationStore
from rookery.workloads.adapters.sqlite import conversations as sqlite_conversations
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ports.posts import ConversationStore


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    sqlite = sqlite_conversations
    return await store_db.store(sqlite.MIGRATIONS, sqlite.SqliteConversationStore, PostgresConversationStore)


async def test_record_moves_one_conversation_per_participant_set(store: ConversationStore) -> None:
    first = await store.record(1, [3, 2], 100, unread=False)
    assert (first.owner_id, first.participant_ids, first.last_status_id, first.unread) == (
        1,
        (2, 3),
        100,
        False,
    )
    again = await store.record(1, [2, 3, 2], 101, unread=True)
    assert again.id == first.id and again.last_status_id == 101 and again.unread is True
    older = await store.record(1, [2, 3], 99, unread=False)  # an older status arriving late
    assert older.last_status_id == 101 and older.unread is True
    replay = await store.record(1, [2, 3], 101, unread=True)  # redelivered: unchanged
    assert replay == older
    other = await store.record(1, [2], 102, unread=True)
    assert other.id != first.id
    assert [c.id for c in await store.of_owner(1, PageRequest(limit=10))] == [other.id, first.id]
    assert await store.of_owner(2, PageRequest(limit=10)) == []  # owners see only theirs


async def test_read_delete_and_ownership(store: ConversationStore) -> None:
    mine = await store.record(1, [2], 100, unread=True)
    assert await store.get(2, mine.id) is None
    assert await store.mark_read(2, mine.id) is None
    assert await store.delete(2, mine.id) is False
    assert (await store.get(1, mine.id)).unread is True  # type: ignore[union-attr]
    read = await store.mark_read(1, mine.id)
    assert read is not None and read.unread is False
    assert await store.delete(1, mine.id) is True
    assert await store.get(1, mine.id) is None
    assert await store.delete(1, mine.id) is False
    again = await store.record(1, [2], 101, unread=False)  # a new status starts a new one
    assert again.id != mine.id and again.last_status_id == 101


async def test_removed_statuses_move_or_drop_conversations(store: ConversationStore) -> None:
    a = await store.record(1, [2], 100, unread=False)
    await store.record(1, [2], 101, unread=False)
    b = await store.record(2, [1], 101, unread=True)
    changed = await store.remove_status(101)
    assert sorted((c.id, c.last_status_id) for c in changed) == [(a.id, 100)]
    assert await store.get(2, b.id) is None  # its only status is gone
    assert await store.remove_status(100) == []
    assert await store.of_owner(1, PageRequest(limit=10)) == []
    assert await store.remove_status(12345) == []


async def test_pages_by_last_status(store: ConversationStore) -> None:
    made = [await store.record(1, [p], 100 + p, unread=False) for p in range(2, 7)]  # last 102..106
    newest_first = [c.id for c in reversed(made)]
    assert [c.id for c in await store.of_owner(1, PageRequest(limit=2))] == newest_first[:2]
    assert [c.id for c in await store.of_owner(1, PageRequest(max_id=105, limit=2))] == newest_first[2:4]
    assert [c.id for c in await store.of_owner(1, PageRequest(min_id=102, limit=2))] == newest_first[2:4]
    assert [c.id for c in await store.of_owner(1, PageRequest(since_id=104, limit=5))] == newest_first[:2]
