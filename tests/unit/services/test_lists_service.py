"""ListsService: a list is its owner's alone, members must be followed, the timeline's rules."""

from __future__ import annotations

import pytest
from services_support import House

from rookery.workloads.domain.lists import ListRuleError
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.services.feed import TimelinePage
from rookery.workloads.services.lists import NotFollowed
from rookery.workloads.services.social import NotFoundError


async def test_lists_are_their_owners_alone(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    created = await house.lists.create(alice.id, "  Friends  ", replies_policy="followed")
    assert (created.title, created.replies_policy, created.exclusive) == ("Friends", "followed", False)
    assert [x.id for x in await house.lists.lists(alice.id)] == [created.id]
    for call in (
        house.lists.get(bob.id, created.id),
        house.lists.update(bob.id, created.id, title="mine"),
        house.lists.delete(bob.id, created.id),
        house.lists.members(bob.id, created.id, PageRequest()),
    ):
        with pytest.raises(NotFoundError):
            await call
    updated = await house.lists.update(alice.id, created.id, title="Close friends", exclusive=True)
    assert (updated.title, updated.exclusive, updated.replies_policy) == ("Close friends", True, "followed")
    await house.lists.delete(alice.id, created.id)
    assert await house.lists.lists(alice.id) == []


async def test_titles_and_replies_policies_are_checked(house: House) -> None:
    alice = await house.user()
    with pytest.raises(ListRuleError):
        await house.lists.create(alice.id, "   ")
    with pytest.raises(ListRuleError):
        await house.lists.create(alice.id, "x" * 257)
    with pytest.raises(ListRuleError):
        await house.lists.create(alice.id, "ok", replies_policy="everyone")
    assert await house.lists.lists(alice.id) == []


async def test_members_must_exist_and_be_followed_all_or_nothing(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    friends = await house.lists.create(alice.id, "Friends")
    await house.graph.follow(alice.id, bob.id)
    with pytest.raises(NotFollowed):
        await house.lists.add(alice.id, friends.id, [bob.id, carol.id])
    with pytest.raises(NotFoundError):
        await house.lists.add(alice.id, friends.id, [bob.id, 424242])
    assert await house.lists.members(alice.id, friends.id, PageRequest()) == []
    await house.lists.add(alice.id, friends.id, [bob.id, bob.id])
    assert await house.lists.members(alice.id, friends.id, PageRequest()) == [bob.id]
    assert [x.id for x in await house.lists.lists_with(alice.id, bob.id)] == [friends.id]
    await house.lists.forget(alice.id, bob.id)  # what the lists consumer does on Unfollowed
    assert await house.lists.members(alice.id, friends.id, PageRequest()) == []
    with pytest.raises(NotFoundError):
        await house.lists.lists_with(alice.id, 424242)


async def test_the_timeline_merges_followed_members_and_applies_the_replies_policy(house: House) -> None:
    alice, bob, carol, dave = await house.user(), await house.user(), await house.user(), await house.user()
    for account in (bob, carol):
        await house.graph.follow(alice.id, account.id)
    only_list = await house.lists.create(alice.id, "Members", replies_policy="list")
    nobody = await house.lists.create(alice.id, "No replies", replies_policy="none")
    for timeline_list in (only_list, nobody):
        await house.lists.add(alice.id, timeline_list.id, [bob.id])
    post = await house.post(bob, "bob posts")
    to_dave = await house.post(bob, "to dave", in_reply_to_id=(await house.post(dave, "dave")).id)
    await house.post(carol, "carol is not a member")

    assert ids(await house.lists.timeline(alice.id, only_list.id, PageRequest())) == [post.id]
    assert to_dave.id not in ids(await house.lists.timeline(alice.id, nobody.id, PageRequest()))
    self_reply = await house.post(bob, "more", in_reply_to_id=post.id)
    assert ids(await house.lists.timeline(alice.id, nobody.id, PageRequest()))[0] == self_reply.id
    await house.graph.unfollow(alice.id, bob.id)  # a member no longer followed adds nothing
    assert ids(await house.lists.timeline(alice.id, only_list.id, PageRequest())) == []
    with pytest.raises(NotFoundError):
        await house.lists.timeline(bob.id, only_list.id, PageRequest())


def ids(page: TimelinePage) -> list[int]:
    return [entry.status_id for entry in page.entries]


async def test_unfollowing_takes_the_account_out_of_the_followers_lists(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    await house.graph.follow(alice.id, bob.id)
    friends = await house.lists.create(alice.id, "Friends")
    await house.lists.add(alice.id, friends.id, [bob.id])
    await house.graph.unfollow(alice.id, bob.id)
    await house.settle()  # the lists consumer has handled Unfollowed
    assert await house.lists.members(alice.id, friends.id, PageRequest()) == []
