"""Conversation mutes over HTTP: POST /api/v1/statuses/:id/mute and /unmute, ``muted`` on the
Status, and no notifications from a muted thread (mentions, favourites, reblogs, edits)."""

from __future__ import annotations

from typing import Any

from api_support import Api, User
from social_support import follow, post, settle


async def notified(api: Api, user: User) -> list[tuple[str, str]]:
    response = await api.client.get("/api/v1/notifications", headers=user.headers)
    assert response.status_code == 200, response.text
    return [(n["type"], n["status"]["id"]) for n in response.json() if "status" in n]


async def act(api: Api, user: User, status_id: str, action: str) -> Any:
    return await api.client.post(f"/api/v1/statuses/{status_id}/{action}", headers=user.headers)


async def test_mute_silences_the_thread_until_unmuted(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    root = await post(api, alice, "a thread")
    reply = await post(api, bob, "@alice first", in_reply_to_id=root["id"])
    await settle(api)
    assert await notified(api, alice) == [("mention", reply["id"])]

    muted = await act(api, alice, reply["id"], "mute")  # any status of the thread mutes all of it
    assert muted.status_code == 200, muted.text
    assert muted.json()["id"] == reply["id"] and muted.json()["muted"] is True
    for status_id in (root["id"], reply["id"]):
        got = await api.client.get(f"/api/v1/statuses/{status_id}", headers=alice.headers)
        assert got.json()["muted"] is True
    other = await post(api, alice, "another thread")
    assert (await api.client.get(f"/api/v1/statuses/{other['id']}", headers=alice.headers)).json()["muted"] is False
    seen_by_bob = await api.client.get(f"/api/v1/statuses/{root['id']}", headers=bob.headers)
    assert seen_by_bob.json()["muted"] is False  # per viewer

    deeper = await post(api, bob, "@alice second", in_reply_to_id=reply["id"])
    await act(api, bob, root["id"], "favourite")
    await act(api, bob, root["id"], "reblog")
    await act(api, bob, other["id"], "favourite")  # outside the muted thread: notified
    await settle(api)
    assert await notified(api, alice) == [("favourite", other["id"]), ("mention", reply["id"])]
    home = await api.client.get("/api/v1/timelines/home", headers=alice.headers)
    by_id = {s["id"]: s for s in home.json()}
    assert by_id[root["id"]]["muted"] is True and by_id[other["id"]]["muted"] is False

    again = await act(api, alice, root["id"], "mute")  # idempotent
    assert again.status_code == 200 and again.json()["muted"] is True
    unmuted = await act(api, alice, deeper["id"], "unmute")
    assert unmuted.status_code == 200, unmuted.text
    assert unmuted.json()["muted"] is False
    third = await post(api, bob, "@alice third", in_reply_to_id=deeper["id"])
    await settle(api)
    assert (await notified(api, alice))[0] == ("mention", third["id"])
    assert (await api.client.get(f"/api/v1/statuses/{root['id']}", headers=alice.headers)).json()["muted"] is False


async def test_status_notifications_of_a_muted_thread_are_skipped(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    await follow(api, alice, bob)
    subscribed = await api.client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers, json={"notify": True}
    )
    assert subscribed.status_code == 200, subscribed.text
    root = await post(api, bob, "@alice look")
    await settle(api)
    assert (await act(api, alice, root["id"], "mute")).status_code == 200
    await post(api, bob, "self reply", in_reply_to_id=root["id"])  # a subscriber's "status" type
    fresh = await post(api, bob, "new topic")
    await settle(api)
    assert await notified(api, alice) == [("status", fresh["id"]), ("mention", root["id"])]


async def test_only_participants_may_mute(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    carol = await api.make_user("carol")
    root = await post(api, alice, "alice and @bob")
    reply = await post(api, bob, "a reply", in_reply_to_id=root["id"])
    refused = await act(api, carol, reply["id"], "mute")
    assert refused.status_code == 422
    assert "part of" in refused.json()["error"]
    # bob wrote the reply and is mentioned in the root: either status of the thread works
    assert (await act(api, bob, root["id"], "mute")).status_code == 200
    assert (await act(api, alice, reply["id"], "mute")).status_code == 200  # the root's author


async def test_unknown_invisible_and_bad_ids(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    hidden = await post(api, alice, "followers only", visibility="private")
    for action in ("mute", "unmute"):
        assert (await act(api, bob, hidden["id"], action)).status_code == 404
        assert (await act(api, bob, "123456789", action)).status_code == 404
        bad = await act(api, bob, "not-an-id", action)
        assert bad.status_code == 404 and "error" in bad.json()
    anonymous = await api.client.post(f"/api/v1/statuses/{hidden['id']}/mute")
    assert anonymous.status_code == 401


async def test_scope_write_mutes(api: Api) -> None:
    alice = await api.make_user("alice")
    reader = await api.make_user("reader", scopes="read write:statuses")
    root = await post(api, alice, "hi @reader")
    refused = await act(api, reader, root["id"], "mute")
    assert refused.status_code == 403 and "error" in refused.json()
    follow_scoped = await api.make_user("follower", scopes="read follow")
    mentioned = await post(api, alice, "hi @follower")
    assert (await act(api, follow_scoped, mentioned["id"], "mute")).status_code == 200
