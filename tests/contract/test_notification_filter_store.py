"""NotificationFilterStore contract over SQLite and PostgreSQL (needs("postgres")): policies,
filtered notifications held once per (recipient, type, from, status) under one request per sender
and paged like the notifications themselves (include_filtered),
requests paged newest first with their counts, accept (permits the sender) and dismiss."""

from __future__ import annotations

from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.adapters.postgres.notification_filters import PostgresNotificationFilterStore
from rookery.workloads.adapters.sqlite import notification_filters as sqlite_filters
from rookery.workloads.domain.notification_policy import NotificationPolicy
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id
from rookery.workloads.ports.notifications import NotificationFilterStore

ALICE, BOB, CAROL = 11, 22, 33


@pytest.fixture
async def store(store_db: StoreDb) -> Any:
    return await store_db.store(
        list(sqlite_filters.MIGRATIONS),
        sqlite_filters.SqliteNotificationFilterStore,
        PostgresNotificationFilterStore,
    )


def note(kind: str, sender: int, status: int | None = None) -> Notification:
    return Notification(new_id(), ALICE, kind, sender, status)


async def test_policy_default_and_saved(store: NotificationFilterStore) -> None:
    assert await store.policy(ALICE) == NotificationPolicy(ALICE)
    saved = NotificationPolicy(ALICE, for_not_following="filter", for_limited_accounts="drop")
    await store.save_policy(saved)
    await store.save_policy(saved)
    assert await store.policy(ALICE) == saved
    assert await store.policy(BOB) == NotificationPolicy(BOB)


async def test_hold_requests_accept_dismiss(store: NotificationFilterStore) -> None:
    first = note("mention", BOB, 101)
    assert await store.hold(first)
    assert not await store.hold(Notification(new_id(), ALICE, "mention", BOB, 101))  # the same again
    assert await store.hold(note("favourite", BOB, 100))
    assert await store.hold(note("follow", CAROL))
    assert await store.pending(ALICE) == (2, 3) and await store.pending(BOB) == (0, 0)
    assert [n.type for n in await store.held_recent(ALICE, PageRequest(limit=10))] == ["follow", "favourite", "mention"]
    assert [n.id for n in await store.held_recent(ALICE, PageRequest(), frozenset({"mention"}))] == [first.id]
    assert [n.type for n in await store.held_recent(ALICE, PageRequest(), None, CAROL)] == ["follow"]
    assert await store.held_recent(ALICE, PageRequest(), frozenset()) == []
    assert [n.type for n in await store.held_recent(ALICE, PageRequest(limit=1, min_id=first.id))] == ["favourite"]
    assert await store.held_recent(BOB, PageRequest()) == []
    requests = await store.requests(ALICE, PageRequest(limit=10))
    assert [(r.from_account_id, r.notifications_count, r.last_status_id) for r in requests] == [
        (CAROL, 1, None),
        (BOB, 2, 101),
    ]
    from_bob = requests[1]
    assert from_bob.last_notification_id > first.id and from_bob.created_at <= from_bob.updated_at
    assert [r.id for r in await store.requests(ALICE, PageRequest(limit=1))] == [requests[0].id]
    assert [r.id for r in await store.requests(ALICE, PageRequest(max_id=requests[0].id))] == [from_bob.id]
    assert [r.id for r in await store.requests(ALICE, PageRequest(min_id=from_bob.id))] == [requests[0].id]
    assert await store.request(ALICE, from_bob.id) == from_bob
    assert await store.request(BOB, from_bob.id) is None
    held = await store.held(ALICE, from_bob.id)
    assert [(n.type, n.status_id) for n in held] == [("mention", 101), ("favourite", 100)]
    assert held[0] == first

    assert not await store.permitted(ALICE, BOB)
    assert not await store.accept(BOB, from_bob.id)  # not bob's request
    assert await store.accept(ALICE, from_bob.id)
    assert await store.permitted(ALICE, BOB) and not await store.permitted(BOB, ALICE)
    assert await store.request(ALICE, from_bob.id) is None and await store.held(ALICE, from_bob.id) == []
    assert not await store.accept(ALICE, from_bob.id)
    assert await store.dismiss(ALICE, requests[0].id)
    assert not await store.permitted(ALICE, CAROL)
    assert await store.requests(ALICE, PageRequest()) == [] and await store.pending(ALICE) == (0, 0)
    assert await store.hold(note("follow", CAROL))  # a new request after a dismissal
    assert len(await store.requests(ALICE, PageRequest())) == 1


async def test_release_forgets_one_held_notification_and_then_its_empty_request(
    store: NotificationFilterStore,
) -> None:
    mention, favourite = note("mention", BOB, 101), note("favourite", BOB, 100)
    for held in (mention, favourite, note("follow", CAROL)):
        assert await store.hold(held)
    (_, from_bob) = await store.requests(ALICE, PageRequest())
    assert not await store.release(BOB, mention.id)  # not bob's to forget
    assert not await store.release(ALICE, new_id())
    assert await store.release(ALICE, mention.id)
    assert not await store.release(ALICE, mention.id)
    assert await store.held(ALICE, from_bob.id) == [favourite]
    assert (await store.request(ALICE, from_bob.id)).notifications_count == 1  # type: ignore[union-attr]
    assert await store.pending(ALICE) == (2, 2)
    assert await store.release(ALICE, favourite.id)
    assert await store.request(ALICE, from_bob.id) is None
    assert not await store.dismiss(ALICE, from_bob.id)  # the empty request went with its last
    assert [r.from_account_id for r in await store.requests(ALICE, PageRequest())] == [CAROL]
    assert await store.pending(ALICE) == (1, 1)
    assert await store.hold(note("mention", BOB, 101))  # held anew: a new request
    anew = {r.from_account_id: r.id for r in await store.requests(ALICE, PageRequest())}
    assert set(anew) == {BOB, CAROL} and anew[BOB] != from_bob.id
