"""NotificationStore port contract: SQLite (embedded) and Cassandra.

One notification per (recipient, type, from, status): a redelivered event adds nothing."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator

import pytest
from cassandra_support import CASSANDRA, cassandra_settings, cassandra_store  # noqa: F401
from contract_support import sqlite_database

from rookery.workloads.adapters.cassandra.notifications import CassandraNotificationStore
from rookery.workloads.adapters.sqlite import notifications as sqlite_notifications
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id
from rookery.workloads.ports.notifications import NotificationStore

TABLES = ("notifications", "notification_keys", "notifications_by_status")


@pytest.fixture(params=["sqlite", CASSANDRA])
async def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[NotificationStore]:
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "notifications.db", sqlite_notifications.MIGRATIONS) as db:
            yield sqlite_notifications.SqliteNotificationStore(db)
    else:
        async with cassandra_store(request, TABLES, CassandraNotificationStore) as cassandra:
            yield cassandra


def note(recipient: int, kind: str, actor: int, status: int | None = None) -> Notification:
    return Notification(new_id(), recipient, kind, actor, status)


async def test_added_once_newest_first(store: NotificationStore) -> None:
    me, bob, carol, status = new_id(), new_id(), new_id(), new_id()
    follow = note(me, "follow", bob)
    fav = note(me, "favourite", carol, status)
    assert await store.add(follow)
    assert await store.add(fav)
    assert not await store.add(note(me, "favourite", carol, status))  # a redelivered event
    assert await store.recent(me, PageRequest()) == [fav, follow]
    assert await store.get(me, fav.id) == fav
    assert await store.get(bob, fav.id) is None
    assert fav.status_id == status and follow.status_id is None


async def test_pages_and_filters(store: NotificationStore) -> None:
    me = new_id()
    made = []
    for i in range(12):
        n = note(me, "mention" if i % 3 == 0 else "favourite", new_id(), new_id())
        await store.add(n)
        made.append(n)
    newest_first = made[::-1]
    assert await store.recent(me, PageRequest(limit=5)) == newest_first[:5]
    assert await store.recent(me, PageRequest(max_id=newest_first[4].id, limit=3)) == newest_first[5:8]
    assert await store.recent(me, PageRequest(min_id=made[2].id, limit=3)) == [made[5], made[4], made[3]]
    assert await store.recent(me, PageRequest(since_id=made[9].id, limit=5)) == [made[11], made[10]]
    mentions = [n for n in newest_first if n.type == "mention"]
    assert await store.recent(me, PageRequest(limit=3), types=frozenset({"mention"})) == mentions[:3]
    assert await store.recent(me, PageRequest(), types=frozenset()) == []
    one = made[7]
    assert await store.recent(me, PageRequest(), from_account_id=one.from_account_id) == [one]


async def test_dismiss_clear_and_status_removal(store: NotificationStore) -> None:
    me, other, status = new_id(), new_id(), new_id()
    a = note(me, "favourite", new_id(), status)
    b = note(me, "reblog", new_id(), status)
    c = note(me, "follow", new_id())
    d = note(other, "mention", new_id(), status)
    for n in (a, b, c, d):
        assert await store.add(n)
    assert await store.dismiss(me, c.id)
    assert not await store.dismiss(me, c.id)
    assert await store.add(note(me, "follow", c.from_account_id))  # dismissed: may come again
    await store.remove_for_statuses([status])
    assert [n.type for n in await store.recent(me, PageRequest())] == ["follow"]
    assert await store.recent(other, PageRequest()) == []
    await store.clear(me)
    assert await store.recent(me, PageRequest()) == []
    await store.remove_for_statuses([])
