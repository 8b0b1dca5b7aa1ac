"""Who may read and act: direct and followers-only posts, other people's posts, blocks, locked
accounts, mutes and token scopes."""

from __future__ import annotations

from api_support import Api, User
from social_support import follow, home_ids, ids, post, settle


async def readable(api: Api, viewer: User | None, status_id: str) -> bool:
    headers = viewer.headers if viewer else {}
    response = await api.client.get(f"/api/v1/statuses/{status_id}", headers=headers)
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


async def test_direct_and_private_posts_need_the_relationship(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")  # mentioned
    carol = await api.make_user("carol")  # follower
    eve = await api.make_user("eve")  # stranger
    await follow(api, carol, alice)
    public = await post(api, alice, "public root")
    direct = await post(api, alice, "psst @bob", visibility="direct", in_reply_to_id=public["id"])
    private = await post(api, alice, "followers only", visibility="private", in_reply_to_id=public["id"])
    await settle(api)
    assert [await readable(api, v, direct["id"]) for v in (alice, bob, carol, eve, None)] == [
        True, True, False, False, False,
    ]  # fmt: skip
    assert [await readable(api, v, private["id"]) for v in (alice, bob, carol, eve, None)] == [
        True, False, True, False, False,
    ]  # fmt: skip
    for path in ("context", "history", "favourited_by", "reblogged_by"):
        response = await api.client.get(f"/api/v1/statuses/{private['id']}/{path}", headers=eve.headers)
        assert response.status_code == 404, path
    context = await api.client.get(f"/api/v1/statuses/{public['id']}/context", headers=eve.headers)
    assert context.json()["descendants"] == []
    context = await api.client.get(f"/api/v1/statuses/{public['id']}/context", headers=carol.headers)
    assert [s["id"] for s in context.json()["descendants"]] == [private["id"]]
    for action in ("favourite", "reblog", "bookmark"):
        response = await api.client.post(f"/api/v1/statuses/{direct['id']}/{action}", headers=eve.headers)
        assert response.status_code == 404, action
    refused = await api.client.post(f"/api/v1/statuses/{private['id']}/reblog", headers=carol.headers)
    assert refused.status_code == 403  # followers-only posts can't be reblogged by others
    assert direct["id"] in await home_ids(api, bob)
    assert private["id"] in await home_ids(api, carol) and direct["id"] not in await home_ids(api, carol)
    assert not {direct["id"], private["id"]} & set(await home_ids(api, eve))
    assert not {direct["id"], private["id"]} & set(
        await ids(api, f"/api/v1/accounts/{alice.id}/statuses", eve)
    )
    assert await ids(api, "/api/v1/timelines/public", eve) == [public["id"]]
    many = await api.client.get("/api/v1/statuses", headers=eve.headers, params={"id[]": private["id"]})
    assert many.json() == []
    reply = await api.client.post(
        "/api/v1/statuses", headers=eve.headers, json={"status": "sneaky", "in_reply_to_id": private["id"]}
    )
    assert reply.status_code == 404


async def test_unfollowing_hides_private_posts_again(api: Api) -> None:
    alice = await api.make_user("alice")
    carol = await api.make_user("carol")
    await follow(api, carol, alice)
    private = await post(api, alice, "followers only", visibility="private")
    await settle(api)
    assert private["id"] in await home_ids(api, carol)
    await api.client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=carol.headers)
    assert private["id"] not in await home_ids(api, carol)
    assert not await readable(api, carol, private["id"])


async def test_nobody_edits_or_deletes_anothers_post(api: Api) -> None:
    """Mastodon finds an edit's or a delete's status among the caller's own: anyone else's is 404
    "Record not found" (never 403, which would tell it exists), checked before the body is read.
    Pinning someone else's post breaks a rule (422); unpinning one is a no-op answered 200."""
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    status = await post(api, alice, "mine")
    pinned = await api.client.post(f"/api/v1/statuses/{status['id']}/pin", headers=alice.headers)
    assert pinned.status_code == 200
    not_found = {"error": "Record not found"}
    for body in ({"status": "x"}, {"status": "x" * 600}, {"status": "x", "visibility": "nope"}):
        edit = await api.client.put(f"/api/v1/statuses/{status['id']}", headers=bob.headers, json=body)
        assert (edit.status_code, edit.json()) == (404, not_found), body
    delete = await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=bob.headers)
    assert (delete.status_code, delete.json()) == (404, not_found)
    pin = await api.client.post(f"/api/v1/statuses/{status['id']}/pin", headers=bob.headers)
    assert (pin.status_code, pin.json()) == (422, {"error": "Validation failed: Someone else's post cannot be pinned"})
    unpin = await api.client.post(f"/api/v1/statuses/{status['id']}/unpin", headers=bob.headers)
    assert unpin.status_code == 200 and unpin.json()["id"] == status["id"]
    assert "pinned" not in unpin.json()  # only the author sees whether it is pinned
    # nothing changed: the text, the edit history, the author's pin
    fetched = await api.client.get(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert fetched.json()["content"] == "<p>mine</p>" and fetched.json()["edited_at"] is None
    assert fetched.json()["pinned"] is True
    history = await api.client.get(f"/api/v1/statuses/{status['id']}/history")
    assert len(history.json()) == 1
    # a status bob may not even see answers the same
    hidden = await post(api, alice, "just for me", visibility="direct")
    for method in ("PUT", "DELETE"):
        response = await api.client.request(
            method, f"/api/v1/statuses/{hidden['id']}", headers=bob.headers, json={"status": "x"}
        )
        assert (response.status_code, response.json()) == (404, not_found), method


async def test_a_blockers_content_is_invisible(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    await follow(api, bob, alice)
    status = await post(api, alice, "before the block")
    await settle(api)
    assert status["id"] in await home_ids(api, bob)
    await api.client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)
    await settle(api)
    assert not await readable(api, bob, status["id"])
    assert await home_ids(api, bob) == []
    assert await ids(api, f"/api/v1/accounts/{alice.id}/statuses", bob) == []
    assert await ids(api, "/api/v1/timelines/public", bob) == []
    assert await ids(api, "/api/v1/timelines/public") == [status["id"]]
    for action in ("favourite", "reblog"):
        response = await api.client.post(f"/api/v1/statuses/{status['id']}/{action}", headers=bob.headers)
        assert response.status_code == 404
    # and the blocker does not see the blocked either
    theirs = await post(api, bob, "from the blocked side")
    assert not await readable(api, alice, theirs["id"])


async def test_locked_accounts_need_approval(api: Api) -> None:
    alice = await api.make_user("alice", locked=True)
    bob = await api.make_user("bob")
    private = await post(api, alice, "for approved followers", visibility="private")
    await follow(api, bob, alice)
    await settle(api)
    assert not await readable(api, bob, private["id"])
    assert private["id"] not in await home_ids(api, bob)
    await api.client.post(f"/api/v1/follow_requests/{bob.id}/authorize", headers=alice.headers)
    await settle(api)
    assert await readable(api, bob, private["id"])
    assert private["id"] in await home_ids(api, bob)


async def test_muted_accounts_vanish_from_home(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    from_bob = await post(api, bob, "bob speaks")
    from_carol = await post(api, carol, "carol speaks")
    reblog = (
        await api.client.post(f"/api/v1/statuses/{from_bob['id']}/reblog", headers=carol.headers)
    ).json()
    await settle(api)
    assert await home_ids(api, alice) == [from_carol["id"], from_bob["id"]]  # the reblog collapsed
    await api.client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)
    assert await home_ids(api, alice) == [from_carol["id"]]  # bob's post and carol's reblog of it
    assert reblog["id"] not in await home_ids(api, alice)
    await api.client.post(f"/api/v1/accounts/{bob.id}/unmute", headers=alice.headers)
    assert from_bob["id"] in await home_ids(api, alice)


async def test_scopes_are_enforced(api: Api) -> None:
    reader = await api.make_user("reader", scopes="read")
    writer = await api.make_user("writer", scopes="write")
    status = await post(api, writer, "hello")
    denied = await api.client.post("/api/v1/statuses", headers=reader.headers, json={"status": "nope"})
    assert denied.status_code == 403
    denied = await api.client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=reader.headers)
    assert denied.status_code == 403
    assert (await api.client.get("/api/v1/timelines/home", headers=writer.headers)).status_code == 403
    assert (await api.client.get("/api/v1/timelines/home")).status_code == 401
    app_token = await api.app_token("read write")
    only_app = await api.client.get(
        "/api/v1/timelines/home", headers={"Authorization": f"Bearer {app_token}"}
    )
    assert only_app.status_code == 422
    assert (await api.client.get("/api/v1/notifications", headers=reader.headers)).status_code == 200
