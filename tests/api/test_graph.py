"""Follows, follow requests, blocks and mutes over HTTP, with relationships and counters."""

from __future__ import annotations

from typing import Any

from api_support import Api, User
from social_support import follow


async def relationship(api: Api, viewer: User, other: User) -> dict[str, Any]:
    response = await api.client.get(
        "/api/v1/accounts/relationships", headers=viewer.headers, params={"id[]": other.id}
    )
    assert response.status_code == 200, response.text
    return dict(response.json()[0])


async def counts(api: Api, user: User) -> tuple[int, int]:
    account = (await api.client.get(f"/api/v1/accounts/{user.id}")).json()
    return account["followers_count"], account["following_count"]


async def test_follow_and_unfollow(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    rel = await follow(api, bob, alice)
    assert rel["id"] == alice.id and rel["following"] is True and rel["showing_reblogs"] is True
    assert rel["requested"] is False and rel["followed_by"] is False
    assert (await relationship(api, alice, bob))["followed_by"] is True
    assert await counts(api, alice) == (1, 0) and await counts(api, bob) == (0, 1)
    await follow(api, bob, alice)  # again: no double count
    assert await counts(api, alice) == (1, 0)
    followers = await api.client.get(f"/api/v1/accounts/{alice.id}/followers")
    assert [a["id"] for a in followers.json()] == [bob.id]
    following = await api.client.get(f"/api/v1/accounts/{bob.id}/following")
    assert [a["id"] for a in following.json()] == [alice.id]
    rel = (await api.client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bob.headers)).json()
    assert rel["following"] is False
    assert await counts(api, alice) == (0, 0) and await counts(api, bob) == (0, 0)


async def test_follow_options(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    response = await api.client.post(
        f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers, json={"reblogs": False, "notify": True}
    )
    assert response.json()["showing_reblogs"] is False and response.json()["notifying"] is True


async def test_locked_account_approves_followers(api: Api) -> None:
    alice = await api.make_user("alice", locked=True)
    bob = await api.make_user("bob")
    carol = await api.make_user("carol")
    rel = await follow(api, bob, alice)
    assert rel["following"] is False and rel["requested"] is True
    await follow(api, carol, alice)
    requests = await api.client.get("/api/v1/follow_requests", headers=alice.headers)
    assert [a["id"] for a in requests.json()] == [carol.id, bob.id]
    assert (await relationship(api, alice, bob))["requested_by"] is True
    assert await counts(api, alice) == (0, 0)
    authorized = await api.client.post(f"/api/v1/follow_requests/{bob.id}/authorize", headers=alice.headers)
    assert authorized.status_code == 200 and authorized.json()["followed_by"] is True
    assert (await relationship(api, bob, alice))["following"] is True
    rejected = await api.client.post(f"/api/v1/follow_requests/{carol.id}/reject", headers=alice.headers)
    assert rejected.status_code == 200 and rejected.json()["requested_by"] is False
    assert (await relationship(api, carol, alice))["following"] is False
    assert (await api.client.get("/api/v1/follow_requests", headers=alice.headers)).json() == []
    assert await counts(api, alice) == (1, 0)
    missing = await api.client.post(f"/api/v1/follow_requests/{carol.id}/authorize", headers=alice.headers)
    assert missing.status_code == 404


async def test_block_removes_follows_both_ways(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    await follow(api, bob, alice)
    await follow(api, alice, bob)
    rel = (await api.client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)).json()
    assert rel["blocking"] is True and rel["following"] is False and rel["followed_by"] is False
    assert (await relationship(api, bob, alice))["blocked_by"] is True
    assert await counts(api, alice) == (0, 0) and await counts(api, bob) == (0, 0)
    refused = await api.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    assert refused.status_code == 422
    blocks = await api.client.get("/api/v1/blocks", headers=alice.headers)
    assert [a["id"] for a in blocks.json()] == [bob.id]
    rel = (await api.client.post(f"/api/v1/accounts/{bob.id}/unblock", headers=alice.headers)).json()
    assert rel["blocking"] is False
    assert (await api.client.get("/api/v1/blocks", headers=alice.headers)).json() == []


async def test_mute_with_and_without_notifications(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    rel = (await api.client.post(f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers)).json()
    assert rel["muting"] is True and rel["muting_notifications"] is True
    rel = (
        await api.client.post(
            f"/api/v1/accounts/{bob.id}/mute", headers=alice.headers, json={"notifications": False}
        )
    ).json()
    assert rel["muting"] is True and rel["muting_notifications"] is False
    mutes = await api.client.get("/api/v1/mutes", headers=alice.headers)
    assert [a["id"] for a in mutes.json()] == [bob.id]
    rel = (await api.client.post(f"/api/v1/accounts/{bob.id}/unmute", headers=alice.headers)).json()
    assert rel["muting"] is False


async def test_self_actions_and_unknown_accounts(api: Api) -> None:
    alice = await api.make_user("alice")
    for action in ("follow", "block", "mute"):
        response = await api.client.post(f"/api/v1/accounts/{alice.id}/{action}", headers=alice.headers)
        assert response.status_code == 422, action
        assert "error" in response.json()
    for action in ("follow", "unfollow", "block", "unblock", "mute", "unmute"):
        response = await api.client.post(f"/api/v1/accounts/999999/{action}", headers=alice.headers)
        assert response.status_code == 404, action


async def test_followers_pagination(api: Api) -> None:
    alice = await api.make_user("alice")
    fans = [await api.make_user(f"fan{i}") for i in range(5)]
    for fan in fans:
        await follow(api, fan, alice)
    first = await api.client.get(f"/api/v1/accounts/{alice.id}/followers", params={"limit": 2})
    assert [a["id"] for a in first.json()] == [fans[4].id, fans[3].id]
    next_url = first.headers["link"].split(";")[0].strip("<>").replace("http://testserver", "")
    second = await api.client.get(next_url)
    assert [a["id"] for a in second.json()] == [fans[2].id, fans[1].id]
