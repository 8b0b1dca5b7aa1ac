"""AnalyticsService: platform events become interaction events, counted once into trends,
counters and behaviour (the analytics and trends consumers run them here, drained by settle)."""

from __future__ import annotations

import datetime as dt

from services_support import House

from rookery.workloads.domain import analytics
from rookery.workloads.domain.events import Event
from rookery.workloads.services.social import STATUS_CREATED


async def test_public_tagged_posts_and_engagement_trend(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    tagged = await house.post(alice, "#Puffins are back")
    await house.post(alice, "#Secret stuff", sensitive=True)  # sensitive: never trending
    await house.interactions.favourite(bob.id, tagged.id)
    await house.settle()
    assert [tag for tag, _ in await house.analytics.trending_tags(10)] == ["puffins"]
    assert await house.analytics.trending_status_ids(10) == [tagged.id]
    today = dt.datetime.now(dt.UTC).date()
    assert await house.analytics.daily(analytics.STATUSES, [today]) == [2]
    kinds = [item["type"] for item in await house.analytics.behaviour(bob.id)]
    assert kinds == ["favourite"]


async def test_a_silenced_authors_posts_do_not_trend(house: House) -> None:
    alice, moderator = await house.user(), await house.user(role="moderator")
    await house.moderation.act(moderator.id, alice.id, "silence")
    await house.post(alice, "#Quiet please")
    await house.settle()
    assert await house.analytics.trending_tags(10) == []


async def test_replies_and_mentions_become_their_own_interactions(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    root = await house.post(alice, "root")
    reply = await house.post(bob, f"@{alice.username} answer", in_reply_to_id=root.id)
    source = Event(STATUS_CREATED, key=str(bob.id), payload={"status_id": str(reply.id)})
    found = await house.analytics.interactions_of(source)
    assert [(i["type"], int(i["account_id"])) for i in found] == [
        ("status", bob.id),
        ("reply", bob.id),
        ("mention", bob.id),
    ]
    assert await house.analytics.interactions_of(Event("Unknown", key="1", payload={})) == []


async def test_each_event_is_counted_once_and_exported(house: House) -> None:
    alice = await house.user()
    item = analytics.interaction("follow", alice.id, dt.datetime.now(dt.UTC), target_account_id=1)
    first = await house.analytics.aggregate("event-1", item)
    assert first is not None
    assert await house.analytics.aggregate("event-1", item) is None  # redelivered: not counted again
    exported = [entry async for entry in house.analytics.export()]
    assert [(e["type"], int(e["account_id"])) for e in exported if int(e["account_id"]) == alice.id] == [
        ("follow", alice.id)
    ]
