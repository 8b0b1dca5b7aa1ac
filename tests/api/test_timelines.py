"""Timelines over HTTP: home (hybrid fan-out), public, hashtag and account timelines, cursor
pagination with Link headers, and pagination while posts keep arriving."""

from __future__ import annotations

import asyncio
import re

import pytest
from api_support import Api
from social_support import follow, home_ids, ids, post, settle


def link_cursor(link: str, rel: str) -> str:
    match = re.search(r'<[^>]*[?&](max_id|min_id)=(\d+)[^>]*>; rel="' + rel + '"', link)
    assert match, link
    return match.group(2)


async def test_home_has_own_and_followed_posts(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    mine = await post(api, bob, "bob's own")
    assert await home_ids(api, bob) == [mine["id"]]  # the author sees it at once
    await follow(api, bob, alice)
    before = await post(api, alice, "alice before")  # merged in by the follow as well
    later = await post(api, alice, "alice later")
    await settle(api)
    assert await home_ids(api, bob) == [later["id"], before["id"], mine["id"]]
    response = await api.client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)
    assert response.status_code == 200
    await settle(api)
    assert await home_ids(api, bob) == [mine["id"]]


async def test_pagination_cursors_and_link_headers(api: Api) -> None:
    alice = await api.make_user("alice")
    posted = [(await post(api, alice, f"post {i}"))["id"] for i in range(25)]
    newest_first = posted[::-1]
    first = await api.client.get("/api/v1/timelines/home", headers=alice.headers, params={"limit": 10})
    assert [s["id"] for s in first.json()] == newest_first[:10]
    link = first.headers["link"]
    assert link.startswith("<http://testserver/api/v1/timelines/home?")
    assert link_cursor(link, "next") == newest_first[9] and link_cursor(link, "prev") == newest_first[0]
    assert "limit=10" in link
    second = await api.client.get(
        "/api/v1/timelines/home", headers=alice.headers, params={"limit": 10, "max_id": newest_first[9]}
    )
    assert [s["id"] for s in second.json()] == newest_first[10:20]
    # min_id: the page right after it, still newest first
    after = await ids(api, "/api/v1/timelines/home", alice, limit=3, min_id=posted[4])
    assert after == [posted[7], posted[6], posted[5]]
    # since_id: the newest ones above it
    since = await ids(api, "/api/v1/timelines/home", alice, limit=3, since_id=posted[4])
    assert since == newest_first[:3]
    assert len(await ids(api, "/api/v1/timelines/home", alice, limit=1000)) == 25  # clamped to 40
    assert len(await ids(api, "/api/v1/timelines/home", alice)) == 20  # default 20
    empty = await api.client.get(
        "/api/v1/timelines/home", headers=alice.headers, params={"max_id": posted[0]}
    )
    assert empty.json() == [] and "link" not in empty.headers


async def test_pagination_while_posts_arrive(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    await follow(api, bob, alice)
    existing = [(await post(api, alice, f"existing {i}"))["id"] for i in range(30)]
    await settle(api)

    async def keep_posting() -> None:
        for i in range(20):
            await post(api, alice, f"new {i}")
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_posting())
    seen: list[str] = []
    max_id = None
    while True:
        params = {"limit": 4, **({"max_id": max_id} if max_id else {})}
        page = await ids(api, "/api/v1/timelines/home", bob, **params)
        if not page:
            break
        seen.extend(page)
        max_id = page[-1]
        await asyncio.sleep(0)
    await writer
    assert len(seen) == len(set(seen)), "a status was served twice"
    assert set(existing) <= set(seen), "a status that existed at the start was skipped"
    assert seen == sorted(seen, key=int, reverse=True)


async def test_fan_out_on_both_sides_of_the_threshold(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(fanout_threshold=3) as api:
        small = await api.make_user("small")
        big = await api.make_user("big")
        followers = [await api.make_user(f"f{i}") for i in range(5)]
        for f in followers[:2]:
            await follow(api, f, small)
        for f in followers:
            await follow(api, f, big)
        await settle(api)
        small_post = await post(api, small, "from a small account")
        big_post = await post(api, big, "from a big account")
        await settle(api)
        timelines = api.container.social.stores.timelines
        for f in followers[:2]:
            assert await home_ids(api, f) == [big_post["id"], small_post["id"]]
            assert await timelines.contains(f.account_id, int(small_post["id"]))  # pushed
        for f in followers:
            assert big_post["id"] in await home_ids(api, f)
            assert not await timelines.contains(f.account_id, int(big_post["id"]))  # merged on read
        for f in followers[2:]:
            assert small_post["id"] not in await home_ids(api, f)
        assert await timelines.contains(big.account_id, int(big_post["id"]))  # the author's own


async def test_merged_on_read_posts_of_accounts_the_viewer_hides_stay_hidden(app_factory) -> None:  # type: ignore[no-untyped-def]
    """A celebrity's posts are merged into homes on read; its reblogs of a muted and of a blocked
    account are hidden as pushed entries are (their authors are asked about only once the merged
    entries are in: they are in no pushed entry and are no celebrity)."""
    async with app_factory(fanout_threshold=1) as api:
        big, viewer, other, muted, blocked = await api.make_users("big", "viewer", "other", "muted", "blocked")
        for fan in (viewer, other):
            await follow(api, fan, big)
        await settle(api)
        shared = []
        for author in (muted, blocked):
            original = await post(api, author, f"by {author.username}")
            reblog = await api.client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=big.headers)
            assert reblog.status_code == 200
            shared.insert(0, reblog.json()["id"])
        plain = await post(api, big, "for everyone")
        await settle(api)
        timelines = api.container.social.stores.timelines
        assert not await timelines.contains(viewer.account_id, int(plain["id"]))  # merged on read
        everything = [plain["id"], *shared]
        assert await home_ids(api, viewer) == everything
        mute = await api.client.post(f"/api/v1/accounts/{muted.account_id}/mute", headers=viewer.headers)
        block = await api.client.post(f"/api/v1/accounts/{blocked.account_id}/block", headers=viewer.headers)
        assert mute.status_code == block.status_code == 200
        assert await home_ids(api, viewer) == [plain["id"]]
        assert await home_ids(api, other) == everything  # only the viewer hides them


async def test_reblogs_of_a_seen_status_collapse(api: Api) -> None:
    alice, bob, carol, dave = await api.make_users("alice", "bob", "carol", "dave")
    for target in (alice, bob, carol):
        await follow(api, dave, target)
    original = await post(api, alice, "worth sharing")
    for sharer in (bob, carol):
        response = await api.client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=sharer.headers)
        assert response.status_code == 200
    await settle(api)
    timeline = (await api.client.get("/api/v1/timelines/home", headers=dave.headers)).json()
    shown = [s["reblog"]["id"] if s["reblog"] else s["id"] for s in timeline]
    assert shown == [original["id"]]


async def test_public_timeline(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    public = await post(api, alice, "public")
    await post(api, alice, "unlisted", visibility="unlisted")
    await post(api, alice, "private", visibility="private")
    await post(api, alice, "direct", visibility="direct")
    await post(api, bob, "a reply to someone else", in_reply_to_id=public["id"])
    await api.client.post(f"/api/v1/statuses/{public['id']}/reblog", headers=bob.headers)
    thread = await post(api, alice, "a self-reply continues a thread", in_reply_to_id=public["id"])
    assert await ids(api, "/api/v1/timelines/public") == [thread["id"], public["id"]]
    assert await ids(api, "/api/v1/timelines/public", local="true") == [thread["id"], public["id"]]
    assert await ids(api, "/api/v1/timelines/public", remote="true") == []


async def test_hashtag_timeline(api: Api) -> None:
    alice = await api.make_user("alice")
    cats = await post(api, alice, "#cats are great")
    both = await post(api, alice, "#Cats and #dogs")
    dogs = await post(api, alice, "#dogs only")
    await post(api, alice, "#cats but private", visibility="private")
    assert await ids(api, "/api/v1/timelines/tag/cats") == [both["id"], cats["id"]]
    assert await ids(api, "/api/v1/timelines/tag/CATS", **{"any[]": "dogs"}) == [
        dogs["id"],
        both["id"],
        cats["id"],
    ]
    assert await ids(api, "/api/v1/timelines/tag/cats", **{"all[]": "dogs"}) == [both["id"]]
    assert await ids(api, "/api/v1/timelines/tag/cats", **{"none[]": "dogs"}) == [cats["id"]]


@pytest.mark.parametrize("param", ["exclude_replies", "exclude_reblogs", "pinned", "tagged"])
async def test_account_timeline_filters(api: Api, param: str) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    other = await post(api, bob, "bob's")
    plain = await post(api, alice, "plain #tagged")
    reply = await post(api, alice, "a reply", in_reply_to_id=other["id"])
    response = await api.client.post(f"/api/v1/statuses/{other['id']}/reblog", headers=alice.headers)
    reblog = response.json()
    await api.client.post(f"/api/v1/statuses/{plain['id']}/pin", headers=alice.headers)
    path = f"/api/v1/accounts/{alice.id}/statuses"
    assert await ids(api, path) == [reblog["id"], reply["id"], plain["id"]]
    expected = {
        "exclude_replies": [reblog["id"], plain["id"]],
        "exclude_reblogs": [reply["id"], plain["id"]],
        "pinned": [plain["id"]],
        "tagged": [plain["id"]],
    }[param]
    value = "tagged" if param == "tagged" else "true"
    assert await ids(api, path, **{param: value}) == expected


async def test_follow_without_reblogs_hides_their_reblogs(api: Api) -> None:
    alice, bob, reader = await api.make_users("alice", "bob", "reader")
    response = await api.client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=reader.headers, json={"reblogs": False}
    )
    assert response.json()["showing_reblogs"] is False
    original = await post(api, alice, "from someone the reader does not follow")
    await api.client.post(f"/api/v1/statuses/{original['id']}/reblog", headers=bob.headers)
    own = await post(api, bob, "bob's own post")
    await settle(api)
    assert await home_ids(api, reader) == [own["id"]]
    await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=reader.headers, json={"reblogs": True})
    timeline = (await api.client.get("/api/v1/timelines/home", headers=reader.headers)).json()
    assert [s["reblog"]["id"] if s["reblog"] else s["id"] for s in timeline] == [own["id"], original["id"]]


async def test_an_author_back_under_the_threshold_keeps_earlier_posts_in_homes(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(fanout_threshold=1) as api:
        author = await api.make_user("author")
        first, second = await api.make_user("first"), await api.make_user("second")
        for f in (first, second):
            await follow(api, f, author)
        # the follows' backfill first: one handled after the post (batched with it) would copy it in
        await settle(api)
        merged = await post(api, author, "posted while above the threshold")
        await settle(api)
        assert not await api.container.social.stores.timelines.contains(first.account_id, int(merged["id"]))
        await api.client.post(f"/api/v1/accounts/{author.id}/unfollow", headers=second.headers)
        pushed = await post(api, author, "posted back under it")
        await settle(api)
        assert await home_ids(api, first) == [pushed["id"], merged["id"]]
        assert await api.container.social.stores.timelines.contains(first.account_id, int(merged["id"]))
