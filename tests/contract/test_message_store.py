"""MessageStore port contract: SQLite (embedded) and Cassandra."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cassandra_support import CASSANDRA, cassandra_settings, cassandra_store  # noqa: F401
from contract_support import sqlite_database

from rookery.workloads.adapters.cassandra.messaging import CassandraMessageStore
from rookery.workloads.adapters.sqlite import messaging as sqlite_messaging
from rookery.workloads.adapters.sqlite import outbox as sqlite_outbox
from rookery.workloads.domain.chats import DIRECT, GROUP, MEMBER, OWNER, Chat, ChatMember, ChatMessage
from rookery.workloads.domain.events import MESSAGES, Event
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

TABLES = ("chats", "direct_chats", "chat_members", "chat_messages", "chats_by_account", "chat_activity")


@pytest.fixture(params=["sqlite", CASSANDRA])
async def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[Any]:
    if request.param == "sqlite":
        migrations = [*sqlite_outbox.MIGRATIONS, *sqlite_messaging.MIGRATIONS]
        async with sqlite_database(tmp_path / "chats.db", migrations) as db:
            yield sqlite_messaging.SqliteMessageStore(db, sqlite_outbox.SqliteOutbox(db))
    else:

        async def sink(events: Any) -> None:
            return None

        async with cassandra_store(request, TABLES, lambda s: CassandraMessageStore(s, sink)) as cassandra:
            yield cassandra


T0 = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def members(chat_id: int, *accounts: int) -> list[ChatMember]:
    return [
        ChatMember(chat_id, a, OWNER if i == 0 else MEMBER, T0 + dt.timedelta(seconds=i))
        for i, a in enumerate(accounts)
    ]


def ev() -> list[tuple[str, Event]]:
    return [(MESSAGES, Event(type="ChatCreated", key="1", payload={}))]


async def test_direct_chat_is_unique_per_pair(store: Any) -> None:
    a, b = new_id(), new_id()
    first = Chat(new_id(), DIRECT, a, created_at=T0, updated_at=T0)
    assert await store.create_chat(first, members(first.id, a, b), ev())
    second = Chat(new_id(), DIRECT, b, created_at=T0, updated_at=T0)
    assert not await store.create_chat(second, members(second.id, b, a), ev())
    found = await store.direct_chat(b, a)
    assert found == first
    assert await store.get_chat(second.id) is None
    assert [m.account_id for m in await store.members(first.id)] == [a, b]


async def test_messages_activity_and_read_markers(store: Any) -> None:
    a, b, c = new_id(), new_id(), new_id()
    older = Chat(new_id(), GROUP, a, "older", created_at=T0, updated_at=T0)
    newer = Chat(new_id(), GROUP, a, "newer", created_at=T0, updated_at=T0)
    await store.create_chat(older, members(older.id, a, b))
    await store.create_chat(newer, members(newer.id, a, c))
    assert [ch.id for ch in await store.chats_of(a, PageRequest())] == [newer.id, older.id]
    sent = []
    for n in range(5):
        msg = ChatMessage(new_id(), older.id, b if n % 2 else a, f"m{n}", T0 + dt.timedelta(minutes=n))
        await store.add_message(msg)
        sent.append(msg)
    # a message moves the chat to the top of every member's list
    assert [ch.id for ch in await store.chats_of(a, PageRequest())] == [older.id, newer.id]
    assert [ch.id for ch in await store.chats_of(b, PageRequest())] == [older.id]
    assert (await store.get_chat(older.id)).last_message_id == sent[-1].id
    assert await store.messages(older.id, PageRequest(limit=2)) == [sent[4], sent[3]]
    assert await store.messages(older.id, PageRequest(max_id=sent[3].id, limit=2)) == [sent[2], sent[1]]
    assert await store.messages(older.id, PageRequest(min_id=sent[0].id, limit=2)) == [sent[2], sent[1]]
    assert (await store.last_messages([older.id, newer.id])) == {older.id: sent[4]}
    # the author's marker follows their own message; b has read up to its own last message
    assert (await store.member(older.id, a)).last_read_id == sent[4].id
    assert await store.unread_counts(b, [older.id, newer.id]) == {older.id: 1, newer.id: 0}
    assert await store.mark_read(older.id, b, sent[4].id) == sent[4].id
    assert await store.mark_read(older.id, b, sent[0].id) == sent[4].id  # never back
    assert await store.unread_counts(b, [older.id]) == {older.id: 0}
    # paging the chat list by activity
    first = await store.chats_of(a, PageRequest(limit=1))
    assert [ch.id for ch in first] == [older.id]
    rest = await store.chats_of(a, PageRequest(max_id=first[0].activity_id, limit=5))
    assert [ch.id for ch in rest] == [newer.id]


async def test_membership_changes_and_delete(store: Any) -> None:
    a, b, c = new_id(), new_id(), new_id()
    chat = Chat(new_id(), GROUP, a, "g", created_at=T0, updated_at=T0)
    await store.create_chat(chat, members(chat.id, a, b))
    await store.add_members(chat.id, [ChatMember(chat.id, c, MEMBER, T0 + dt.timedelta(hours=1))], ev())
    await store.add_members(chat.id, [ChatMember(chat.id, b, OWNER, T0)])  # already in: unchanged
    assert [(m.account_id, m.role) for m in await store.members(chat.id)] == [
        (a, OWNER),
        (b, MEMBER),
        (c, MEMBER),
    ]
    assert [ch.id for ch in await store.chats_of(c, PageRequest())] == [chat.id]
    await store.remove_member(chat.id, a, new_owner=b)
    assert await store.member(chat.id, a) is None
    assert (await store.member(chat.id, b)).role == OWNER
    assert (await store.get_chat(chat.id)).owner_id == b
    assert await store.chats_of(a, PageRequest()) == []
    renamed = await store.get_chat(chat.id)
    renamed.title = "renamed"
    await store.update_chat(renamed)
    assert (await store.get_chat(chat.id)).title == "renamed"
    assert (await store.members_of([chat.id, new_id()])).keys() == {chat.id}
    await store.delete_chat(chat.id, ev())
    assert await store.get_chat(chat.id) is None
    assert await store.chats_of(b, PageRequest()) == []
    assert await store.members(chat.id) == []
