"""GraphService: follows, follow requests, blocks, mutes and the counters they move."""

from __future__ import annotations

import pytest
from services_support import House

from rookery.workloads.domain.graph import GraphRuleError
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.services.social import NotFoundError


async def test_follow_and_unfollow_move_both_counters_once(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    rel = await house.graph.follow(alice.id, bob.id, notify=True)
    assert rel.following and rel.notifying and rel.showing_reblogs and not rel.requested
    await house.graph.follow(alice.id, bob.id, reblogs=False)  # only the options change
    assert not (await house.graph.relationship(alice.id, bob.id)).showing_reblogs
    assert (await house.account(alice.id)).following_count == 1
    assert (await house.account(bob.id)).followers_count == 1
    assert (await house.graph.relationship(bob.id, alice.id)).followed_by
    assert [account_id for _, account_id in await house.graph.followers(bob.id, PageRequest())] == [alice.id]
    await house.graph.unfollow(alice.id, bob.id)
    await house.graph.unfollow(alice.id, bob.id)  # twice changes nothing
    assert (await house.account(alice.id)).following_count == 0
    assert (await house.account(bob.id)).followers_count == 0


async def test_a_locked_account_approves_each_follower(house: House) -> None:
    alice, locked, other = await house.user(), await house.user(locked=True), await house.user()
    rel = await house.graph.follow(alice.id, locked.id)
    assert rel.requested and not rel.following
    assert (await house.graph.relationship(locked.id, alice.id)).requested_by
    assert [a for _, a in await house.graph.follow_requests(locked.id, PageRequest())] == [alice.id]
    assert (await house.account(locked.id)).followers_count == 0
    rel = await house.graph.authorize(locked.id, alice.id)
    assert rel.followed_by and not rel.requested_by
    assert (await house.account(locked.id)).followers_count == 1
    with pytest.raises(NotFoundError):  # nothing left to authorize
        await house.graph.authorize(locked.id, alice.id)
    await house.graph.follow(other.id, locked.id)
    await house.graph.reject(locked.id, other.id)
    assert not (await house.graph.relationship(other.id, locked.id)).requested
    assert (await house.account(locked.id)).followers_count == 1


async def test_rules_self_blocked_and_unknown_targets(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    with pytest.raises(GraphRuleError):
        await house.graph.follow(alice.id, alice.id)
    for action in (house.graph.block, house.graph.mute):
        with pytest.raises(GraphRuleError):
            await action(alice.id, alice.id)
    with pytest.raises(NotFoundError):
        await house.graph.follow(alice.id, 12345)
    await house.graph.block(bob.id, alice.id)
    with pytest.raises(GraphRuleError):  # across a block, either way
        await house.graph.follow(alice.id, bob.id)
    with pytest.raises(GraphRuleError):
        await house.graph.follow(bob.id, alice.id)
    assert (await house.graph.relationship(alice.id, bob.id)).blocked_by


async def test_a_block_ends_follows_both_ways_and_their_counts(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    await house.graph.follow(alice.id, bob.id)
    await house.graph.follow(bob.id, alice.id)
    rel = await house.graph.block(alice.id, bob.id)
    assert rel.blocking and not rel.following and not rel.followed_by
    for account in (alice, bob):
        fresh = await house.account(account.id)
        assert (fresh.followers_count, fresh.following_count) == (0, 0)
    assert [a for _, a in await house.graph.blocks(alice.id, PageRequest())] == [bob.id]
    rel = await house.graph.unblock(alice.id, bob.id)
    assert not rel.blocking and not rel.following  # the follows do not come back


async def test_mutes_with_and_without_notifications(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    rel = await house.graph.mute(alice.id, bob.id, notifications=False)
    assert rel.muting and not rel.muting_notifications
    assert (await house.graph.mute(alice.id, bob.id)).muting_notifications
    assert [a for _, a in await house.graph.mutes(alice.id, PageRequest())] == [bob.id]
    assert not (await house.graph.unmute(alice.id, bob.id)).muting
    relationships = await house.graph.relationships(alice.id, [bob.id, alice.id, bob.id])
    assert [r.id for r in relationships] == [bob.id, alice.id]  # once each, in the asked order
