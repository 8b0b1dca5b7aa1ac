"""SearchService over the SQLite FTS5 index: accounts, statuses by the read rules, hashtags,
followed hashtags."""

from __future__ import annotations

from services_support import House

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import PRIVATE, Status


async def test_accounts_are_found_as_they_are_written_and_leave_when_suspended(house: House) -> None:
    alice, bob = await house.user("alicewonder"), await house.user("bobbuilder")
    assert await house.search.accounts("alicewonder", viewer_id=None, limit=5) == [alice.id]
    assert await house.search.accounts("bobbuilder", viewer_id=alice.id, limit=5, following=True) == []
    await house.graph.follow(alice.id, bob.id)
    assert await house.search.accounts("bobbuilder", viewer_id=alice.id, limit=5, following=True) == [bob.id]
    await house.accounts.moderate(bob.id, suspended=True)
    assert await house.search.accounts("bobbuilder", viewer_id=None, limit=5) == []


async def test_statuses_are_found_by_text_and_filtered_by_the_read_rules(house: House) -> None:
    alice, bob, reader = await house.user(), await house.user(), await house.user()
    public = await house.post(alice, "aardvarks are wonderful")
    private = await house.post(alice, "aardvarks in private", visibility=PRIVATE)
    muted = await house.post(bob, "aardvarks from bob")
    reblog = await house.interactions.reblog(bob.id, public.id)
    await house.settle()  # the index consumer has indexed them (reading while it writes may miss one)
    await house.search.index_status(reblog)  # indexing again changes nothing; reblogs are skipped

    assert found(await house.search.statuses("aardvarks", viewer_id=alice.id, limit=10)) == {
        public.id,
        private.id,
        muted.id,
    }  # reblogs are not indexed
    await house.graph.mute(reader.id, bob.id)
    assert found(await house.search.statuses("aardvarks", viewer_id=reader.id, limit=10)) == {public.id}
    assert found(await house.search.statuses("aardvarks", viewer_id=None, limit=10, account_id=bob.id)) == {
        muted.id
    }
    await house.search.remove_statuses([public.id])
    assert found(await house.search.statuses("aardvarks", viewer_id=reader.id, limit=10)) == set()


async def test_hashtags_and_followed_hashtags(house: House) -> None:
    alice = await house.user()
    await house.post(alice, "#Birdwatching today")
    await house.settle()
    assert [t.lower() for t in await house.search.hashtags("birdw", limit=5)] == ["birdwatching"]
    assert await house.search.following_tags(alice.id, ["birdwatching"]) == set()
    await house.search.follow_tag(alice.id, "birdwatching")
    await house.search.follow_tag(alice.id, "birdwatching")  # twice is once
    assert await house.search.following_tags(alice.id, ["birdwatching", "other"]) == {"birdwatching"}
    assert [name for _, name in await house.search.followed_tags(alice.id, PageRequest())] == ["birdwatching"]
    assert await house.search.following_tags(None, ["birdwatching"]) == set()
    await house.search.unfollow_tag(alice.id, "birdwatching")
    assert await house.search.followed_tags(alice.id, PageRequest()) == []


def found(statuses: list[Status]) -> set[int]:
    return {s.id for s in statuses}
