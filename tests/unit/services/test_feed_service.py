"""FeedService: account, public and hashtag timelines, and the home timeline's read-time rules."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
from services_support import House, started_house

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import DIRECT, PRIVATE, UNLISTED
from rookery.workloads.services.feed import TimelinePage, entry_of


def ids(page: TimelinePage) -> list[int]:
    return [entry.status_id for entry in page.entries]


async def test_an_account_timeline_shows_what_the_viewer_may_see(house: House) -> None:
    alice, follower, stranger = await house.user(), await house.user(), await house.user()
    await house.graph.follow(follower.id, alice.id)
    public = await house.post(alice, "public")
    unlisted = await house.post(alice, "unlisted", visibility=UNLISTED)
    private = await house.post(alice, "private", visibility=PRIVATE)
    direct = await house.post(alice, f"@{stranger.username} direct", visibility=DIRECT)
    newest_first = [direct.id, private.id, unlisted.id, public.id]
    assert ids(await house.feed.account(alice.id, alice.id, PageRequest())) == newest_first
    assert ids(await house.feed.account(alice.id, follower.id, PageRequest())) == newest_first[1:]
    assert ids(await house.feed.account(alice.id, stranger.id, PageRequest())) == newest_first[2:]
    assert ids(await house.feed.account(alice.id, None, PageRequest())) == newest_first[2:]
    await house.graph.block(alice.id, stranger.id)
    assert ids(await house.feed.account(alice.id, stranger.id, PageRequest())) == []


async def test_account_timeline_filters_replies_reblogs_and_pins(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    other = await house.post(bob, "bob's")
    own = await house.post(alice, "own #tagged")
    reply = await house.post(alice, "a reply", in_reply_to_id=other.id)
    reblog = await house.interactions.reblog(alice.id, other.id)
    await house.interactions.pin(alice.id, own.id)
    assert ids(await house.feed.account(alice.id, None, PageRequest())) == [reblog.id, reply.id, own.id]
    page = await house.feed.account(alice.id, None, PageRequest(), exclude_replies=True, exclude_reblogs=True)
    assert ids(page) == [own.id]
    assert ids(await house.feed.account(alice.id, None, PageRequest(), pinned=True)) == [own.id]
    assert ids(await house.feed.account(alice.id, None, PageRequest(max_id=own.id + 1), pinned=True)) == []
    assert ids(await house.feed.account(alice.id, None, PageRequest(), tagged="TAGGED")) == [own.id]
    await house.graph.block(bob.id, alice.id)  # a reblog of what the viewer cannot see leaves
    assert ids(await house.feed.account(alice.id, bob.id, PageRequest())) == []


async def test_public_timeline_has_public_originals_only_and_pages_with_cursors(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    first = await house.post(alice, "one")
    await house.post(alice, "quiet", visibility=UNLISTED)
    await house.post(bob, "a reply", in_reply_to_id=first.id)
    await house.interactions.reblog(bob.id, first.id)
    second = await house.post(bob, "two")
    page = await house.feed.public(None, PageRequest(limit=1))
    assert ids(page) == [second.id]
    assert page.next_max_id == second.id
    assert ids(await house.feed.public(None, PageRequest(max_id=page.next_max_id))) == [first.id]
    assert ids(await house.feed.public(None, PageRequest(), remote=True)) == []
    assert ids(await house.feed.public(None, PageRequest(), local=True)) == [second.id, first.id]
    await house.graph.mute(alice.id, bob.id)
    assert ids(await house.feed.public(alice.id, PageRequest())) == [first.id]


async def test_hashtag_timeline_any_all_and_none(house: House) -> None:
    alice = await house.user()
    cats = await house.post(alice, "#cats")
    both = await house.post(alice, "#cats #dogs")
    dogs = await house.post(alice, "#Dogs")
    await house.post(alice, "#cats hidden", visibility=PRIVATE)
    assert ids(await house.feed.hashtag("CATS", None, PageRequest())) == [both.id, cats.id]
    assert ids(await house.feed.hashtag("cats", None, PageRequest(), any_tags=["dogs"])) == [
        dogs.id,
        both.id,
        cats.id,
    ]
    assert ids(await house.feed.hashtag("cats", None, PageRequest(), all_tags=["dogs"])) == [both.id]
    assert ids(await house.feed.hashtag("cats", None, PageRequest(), none_tags=["dogs"])) == [cats.id]
    assert ids(await house.feed.hashtag("cats", None, PageRequest(), remote=True)) == []


async def test_home_hides_blocked_and_muted_authors_at_read_time(house: House) -> None:
    alice, bob = await house.user(), await house.user()
    own = await house.post(alice, "mine")
    await house.feed.deliver_to_author(own)
    assert ids(await house.feed.home(alice.id, PageRequest())) == [own.id]
    await house.graph.follow(alice.id, bob.id)
    theirs = await house.post(bob, "theirs")
    await house.feed.timelines.push([alice.id], entry_of(theirs))  # as the fan-out consumer does
    assert ids(await house.feed.home(alice.id, PageRequest())) == [theirs.id, own.id]
    await house.graph.mute(alice.id, bob.id)
    assert ids(await house.feed.home(alice.id, PageRequest())) == [own.id]



async def test_the_fan_out_consumer_fills_and_empties_followers_homes(house: House) -> None:
    alice, bob, carol = await house.user(), await house.user(), await house.user()
    await house.graph.follow(bob.id, alice.id)
    status = await house.post(alice, "to my followers")
    await house.settle()
    assert ids(await house.feed.home(bob.id, PageRequest())) == [status.id]
    assert ids(await house.feed.home(carol.id, PageRequest())) == []
    await house.graph.follow(carol.id, alice.id)  # a new follow merges the author's recent posts in
    await house.settle()
    assert ids(await house.feed.home(carol.id, PageRequest())) == [status.id]
    await house.posts.delete(alice.id, status.id)
    await house.settle()
    assert ids(await house.feed.home(bob.id, PageRequest())) == []


async def test_an_account_or_public_page_reads_the_viewers_relations_once(
    house: House, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relations read for the account (or for the page's authors) also decide what the viewer
    may see: one graph read per page, not one per filtering step; the page is the same."""
    alice, follower, muted = await house.user(), await house.user(), await house.user()
    await house.graph.follow(follower.id, alice.id)
    await house.graph.mute(follower.id, muted.id)
    shown = [await house.post(alice, "public"), await house.post(alice, "private", visibility=PRIVATE)]
    await house.post(muted, "muted")
    graph = house.feed.posts.graph
    asked: list[tuple[int, list[int]]] = []
    read = graph.viewer_relations

    async def counted(viewer_id: int, others: list[int]) -> Any:
        asked.append((viewer_id, list(others)))
        return await read(viewer_id, others)

    monkeypatch.setattr(graph, "viewer_relations", counted)
    assert ids(await house.feed.account(alice.id, follower.id, PageRequest())) == [s.id for s in shown[::-1]]
    assert asked == [(follower.id, [alice.id])]
    asked.clear()
    assert ids(await house.feed.public(follower.id, PageRequest())) == [shown[0].id]
    assert len(asked) == 1


async def test_a_home_page_asks_about_celebrities_and_its_entries_in_one_relations_read(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The celebrities (merged in on read when followed) and the pushed entries' accounts are asked
    about together; only accounts that the merged entries add (a celebrity's reblog of someone
    else) take a second read, and the rules still apply to them."""
    async with started_house(tmp_path, fanout_threshold=1) as house:
        big, viewer, friend, muted = [await house.user() for _ in range(4)]
        for follower, followed in ((viewer, big), (viewer, friend), (friend, big)):
            await house.graph.follow(follower.id, followed.id)  # big has two followers: a celebrity
        await house.graph.mute(viewer.id, muted.id)
        pushed = await house.post(friend, "pushed to the viewer's home")
        shared = await house.interactions.reblog(big.id, (await house.post(muted, "by the muted one")).id)
        merged = await house.post(big, "merged on read")
        await house.settle()
        assert big.id in await house.feed.celebrities()
        graph = house.feed.graph
        asked: list[list[int]] = []
        read = graph.viewer_relations

        async def counted(viewer_id: int, others: list[int]) -> Any:
            asked.append(list(others))
            return await read(viewer_id, others)

        monkeypatch.setattr(graph, "viewer_relations", counted)
        assert ids(await house.feed.home(viewer.id, PageRequest())) == [merged.id, pushed.id]  # the reblog hidden
        assert [sorted(batch) for batch in asked] == [sorted({friend.id, big.id}), [muted.id]]
        assert shared.id not in ids(await house.feed.home(viewer.id, PageRequest()))
        asked.clear()
        await house.graph.unmute(viewer.id, muted.id)
        assert ids(await house.feed.home(viewer.id, PageRequest())) == [merged.id, shared.id, pushed.id]
        assert len(asked) == 2
