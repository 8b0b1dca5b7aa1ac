"""NotificationsService: who is notified, filters, paging, and what later hides a notification.

(Most notifications here are written by the use case directly; the last test lets the notify
consumer write them. The others neither follow, favourite nor mention, so the consumer adds nothing.)"""

from __future__ import annotations

import pytest
from services_support import House

from rookery.workloads.domain.events import Event
from rookery.workloads.domain.notifications import FAVOURITE, FOLLOW, MENTION, REBLOG
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import PRIVATE
from rookery.workloads.ids import id_at, timestamp_ms
from rookery.workloads.services.social import FOLLOWED, NotFoundError
from rookery.workloads.workers.notify import NotifyWorker


async def test_nobody_is_notified_of_their_own_acts_or_twice(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    status = await house.post(alice, "hello")
    assert not await house.notifications.notify(alice.id, FAVOURITE, alice.id, status.id)
    assert await house.notifications.notify(alice.id, FAVOURITE, bob.id, status.id)
    assert not await house.notifications.notify(alice.id, FAVOURITE, bob.id, status.id)  # stored once
    found, _, _ = await house.notifications.recent(alice.id, PageRequest())
    assert [(n.type, n.from_account_id, n.status_id) for n in found] == [(FAVOURITE, bob.id, status.id)]


async def test_blocks_and_muted_notifications_silence_an_account(house: House) -> None:
    alice, blocked, muted, quiet_mute = await house.user(), await house.user(), await house.user(), await house.user()
    status = await house.post(alice, "hello")
    await house.graph.block(alice.id, blocked.id)
    await house.graph.mute(alice.id, muted.id)
    await house.graph.mute(alice.id, quiet_mute.id, notifications=False)
    assert not await house.notifications.notify(alice.id, REBLOG, blocked.id, status.id)
    assert not await house.notifications.notify(alice.id, REBLOG, muted.id, status.id)
    assert await house.notifications.notify(alice.id, REBLOG, quiet_mute.id, status.id)


async def test_later_blocks_and_deleted_statuses_hide_stored_notifications(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    kept, gone = await house.post(alice, "kept"), await house.post(alice, "gone")
    await house.notifications.notify(alice.id, FAVOURITE, bob.id, kept.id)
    await house.notifications.notify(alice.id, FAVOURITE, carol.id, gone.id)
    await house.notifications.notify(alice.id, FAVOURITE, carol.id, kept.id)
    await house.posts.delete(alice.id, gone.id)
    await house.graph.block(alice.id, bob.id)
    found, _, _ = await house.notifications.recent(alice.id, PageRequest())
    assert [(n.from_account_id, n.status_id) for n in found] == [(carol.id, kept.id)]
    hidden = [n for n in await house.notification_store.recent(alice.id, PageRequest(), None, bob.id)]
    assert hidden  # still stored, only not shown
    with pytest.raises(NotFoundError):
        await house.notifications.get(alice.id, hidden[0].id)


async def test_type_filters_paging_dismiss_and_clear(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    status = await house.post(alice, "hello")
    for kind in (MENTION, FAVOURITE, REBLOG):
        await house.notifications.notify(alice.id, kind, bob.id, status.id)
    only, _, _ = await house.notifications.recent(alice.id, PageRequest(), types=[MENTION, "nonsense"])
    assert [n.type for n in only] == [MENTION]
    rest, _, _ = await house.notifications.recent(alice.id, PageRequest(), exclude_types=[MENTION])
    assert [n.type for n in rest] == [REBLOG, FAVOURITE]
    first, next_max, prev_min = await house.notifications.recent(alice.id, PageRequest(limit=2))
    assert [n.type for n in first] == [REBLOG, FAVOURITE] and prev_min == first[0].id
    older, _, _ = await house.notifications.recent(alice.id, PageRequest(max_id=next_max))
    assert [n.type for n in older] == [MENTION]
    assert (await house.notifications.get(alice.id, older[0].id)).type == MENTION
    with pytest.raises(NotFoundError):  # someone else's notification is unknown
        await house.notifications.get(bob.id, older[0].id)
    await house.notifications.dismiss(alice.id, older[0].id)
    with pytest.raises(NotFoundError):
        await house.notifications.dismiss(alice.id, older[0].id)
    await house.notifications.clear(alice.id)
    assert (await house.notifications.recent(alice.id, PageRequest()))[0] == []


async def test_a_notification_about_a_status_the_recipient_cannot_see_is_hidden(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    secret = await house.post(bob, "followers only", visibility=PRIVATE)
    await house.notifications.notify(alice.id, MENTION, bob.id, secret.id)
    assert (await house.notifications.recent(alice.id, PageRequest()))[0] == []


async def test_the_notify_consumer_notifies_mentions_and_follows_but_not_muted_threads(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    await house.graph.follow(bob.id, alice.id)
    root = await house.post(alice, f"hey @{bob.username}")
    await house.settle()
    found, _, _ = await house.notifications.recent(bob.id, PageRequest())
    assert [(n.type, n.from_account_id, n.status_id) for n in found] == [(MENTION, alice.id, root.id)]
    found, _, _ = await house.notifications.recent(alice.id, PageRequest())
    assert [(n.type, n.from_account_id) for n in found] == [("follow", bob.id)]
    await house.interactions.mute_conversation(bob.id, root.id)
    await house.post(alice, f"again @{bob.username}", in_reply_to_id=root.id)
    await house.settle()
    assert len((await house.notifications.recent(bob.id, PageRequest()))[0]) == 1  # the muted thread adds none


async def test_include_filtered_merges_held_notifications_once_in_id_order(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    status = await house.post(alice, "hello")
    await house.notifications.update_policy(alice.id, {"for_not_following": "filter"})
    await house.graph.follow(alice.id, carol.id)
    for actor, kind in ((carol, MENTION), (bob, MENTION), (carol, FAVOURITE), (bob, FAVOURITE), (carol, REBLOG)):
        await house.notifications.notify(alice.id, kind, actor.id, status.id)
    shown, _, _ = await house.notifications.recent(alice.id, PageRequest())
    assert [n.type for n in shown] == [REBLOG, FAVOURITE, MENTION]  # carol's only
    every, _, _ = await house.notifications.recent(alice.id, PageRequest(), include_filtered=True)
    assert [n.from_account_id for n in every] == [carol.id, bob.id, carol.id, bob.id, carol.id]
    assert [n.id for n in every] == sorted((n.id for n in every), reverse=True)
    page, next_max, prev_min = await house.notifications.recent(alice.id, PageRequest(limit=2), include_filtered=True)
    assert page == every[:2] and (next_max, prev_min) == (every[1].id, every[0].id)
    rest, _, _ = await house.notifications.recent(alice.id, PageRequest(max_id=next_max), include_filtered=True)
    assert rest == every[2:]
    newer, _, _ = await house.notifications.recent(
        alice.id, PageRequest(limit=2, min_id=every[-1].id), include_filtered=True
    )
    assert newer == every[2:4]  # the two just above the cursor
    # an accept cut short (its notifications added, the request still there): each shown once
    held_one = next(n for n in every if n.from_account_id == bob.id)
    await house.notification_store.add(held_one)
    again, _, _ = await house.notifications.recent(alice.id, PageRequest(), include_filtered=True)
    assert [n.id for n in again] == [n.id for n in every]
    count = await house.notifications.unread_count(alice.id, None, 100, include_filtered=True)
    assert count == 5 and await house.notifications.unread_count(alice.id, None, 100) == 4


async def test_an_event_handled_late_is_notified_above_what_a_client_has_seen(house: House) -> None:
    """A notification is numbered when the notify consumer makes it, not when its act happened:
    the consumer reads several streams, each in its own order, and one dated back to its act
    would fall under the since_id of a client that polled meanwhile and never reach it."""
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    status = await house.post(alice, "hello")
    await house.notifications.notify(alice.id, FAVOURITE, bob.id, status.id)
    (seen,), _, _ = await house.notifications.recent(alice.id, PageRequest())
    act_ms = timestamp_ms(seen.id) - 60_000  # a follow a minute older, its event delivered only now
    late = Event(FOLLOWED, str(carol.id), {"account_id": carol.id, "target_id": alice.id}, id=str(id_at(act_ms)))
    social = house.container.social
    assert social is not None
    stores = social.stores
    await NotifyWorker(house.notifications, stores.notifications, stores.statuses, stores.conversation_mutes).handle(
        late
    )
    newer, _, _ = await house.notifications.recent(alice.id, PageRequest(since_id=seen.id))
    assert [(n.type, n.from_account_id) for n in newer] == [(FOLLOW, carol.id)]
