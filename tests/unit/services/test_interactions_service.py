"""InteractionsService: favourites, reblogs, bookmarks, pins, conversation mutes."""

from __future__ import annotations

import pytest
from services_support import House

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import DIRECT, PRIVATE, UNLISTED, Forbidden, StatusRuleError
from rookery.workloads.services.social import NotFoundError


async def test_favourites_count_once_and_list_newest_first(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    first, second = await house.post(alice, "one"), await house.post(alice, "two")
    assert (await house.interactions.favourite(bob.id, first.id)).favourites_count == 1
    assert (await house.interactions.favourite(bob.id, first.id)).favourites_count == 1  # idempotent
    await house.interactions.favourite(bob.id, second.id)
    statuses, next_max, prev_min = await house.interactions.favourites(bob.id, PageRequest())
    assert [s.id for s in statuses] == [second.id, first.id]
    assert next_max is not None and prev_min is not None and next_max < prev_min
    assert [a for _, a in await house.interactions.favourited_by(first.id, None, PageRequest())] == [bob.id]
    flags = await house.interactions.flags(bob.id, [first.id, second.id])
    assert first.id in flags.favourited
    assert (await house.interactions.unfavourite(bob.id, first.id)).favourites_count == 0


async def test_a_favourite_of_a_reblog_lands_on_the_original(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    original = await house.post(alice, "original")
    reblog = await house.interactions.reblog(bob.id, original.id)
    assert reblog.reblog_of_id == original.id and reblog.account_id == bob.id
    faved = await house.interactions.favourite(carol.id, reblog.id)
    assert faved.id == original.id and faved.favourites_count == 1


async def test_reblog_rules_and_idempotence(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    await house.graph.follow(bob.id, alice.id)
    public = await house.post(alice, "share me")
    again = await house.interactions.reblog(bob.id, public.id)
    assert (await house.interactions.reblog(bob.id, public.id)).id == again.id
    assert (await house.posts.visible(public.id, None)).reblogs_count == 1
    with pytest.raises(StatusRuleError):
        await house.interactions.reblog(bob.id, public.id, visibility=DIRECT)
    private = await house.post(alice, "followers", visibility=PRIVATE)
    with pytest.raises(Forbidden):
        await house.interactions.reblog(bob.id, private.id)
    assert (await house.interactions.reblog(alice.id, private.id)).reblog_of_id == private.id  # own
    direct = await house.post(alice, f"@{bob.username} hi", visibility=DIRECT)
    with pytest.raises(Forbidden):
        await house.interactions.reblog(bob.id, direct.id)
    unlisted = await house.interactions.reblog(bob.id, (await house.post(alice, "u")).id, visibility=UNLISTED)
    assert unlisted.visibility == UNLISTED
    after = await house.interactions.unreblog(bob.id, public.id)
    assert after.reblogs_count == 0
    assert [a for _, a in await house.interactions.reblogged_by(public.id, None, PageRequest())] == []


async def test_bookmarks_are_private_to_the_viewer_and_hide_what_they_cannot_see(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    status = await house.post(alice, "keep")
    await house.interactions.bookmark(bob.id, status.id)
    statuses, _, _ = await house.interactions.bookmarks(bob.id, PageRequest())
    assert [s.id for s in statuses] == [status.id]
    assert (await house.interactions.bookmarks(alice.id, PageRequest()))[0] == []
    await house.graph.block(alice.id, bob.id)
    assert (await house.interactions.bookmarks(bob.id, PageRequest()))[0] == []
    with pytest.raises(NotFoundError):
        await house.interactions.unbookmark(bob.id, status.id)


async def test_pins_are_the_authors_own_and_at_most_five(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    statuses = [await house.post(alice, f"pin {n}") for n in range(6)]
    with pytest.raises(StatusRuleError, match="Someone else's post cannot be pinned"):
        await house.interactions.pin(bob.id, statuses[0].id)
    for status in statuses[:5]:
        await house.interactions.pin(alice.id, status.id)
    await house.interactions.pin(alice.id, statuses[0].id)  # already pinned: fine
    with pytest.raises(StatusRuleError):
        await house.interactions.pin(alice.id, statuses[5].id)
    await house.interactions.unpin(alice.id, statuses[0].id)
    await house.interactions.pin(alice.id, statuses[5].id)
    await house.interactions.unpin(bob.id, statuses[5].id)  # not bob's pin: nothing changes, as in Mastodon
    assert statuses[5].id in await house.interactions.store.pinned_ids(alice.id)


async def test_only_participants_mute_a_conversation(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    root = await house.post(alice, "thread")
    reply = await house.post(bob, "answer", in_reply_to_id=root.id)
    await house.interactions.mute_conversation(bob.id, reply.id)
    await house.interactions.mute_conversation(alice.id, reply.id)
    assert root.id in await house.conversation_mutes.muted(bob.id, [root.id])
    with pytest.raises(StatusRuleError):
        await house.interactions.mute_conversation(carol.id, root.id)
    await house.interactions.unmute_conversation(bob.id, root.id)
    assert root.id not in await house.conversation_mutes.muted(bob.id, [root.id])
