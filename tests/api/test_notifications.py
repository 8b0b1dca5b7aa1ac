"""Notifications over HTTP: each type, the filters, get, dismiss, clear; mutes and blocks."""

from __future__ import annotations

from api_support import Api, User
from social_support import follow, post, settle


async def notifications(api: Api, user: User, **params: object) -> list[dict]:  # type: ignore[type-arg]
    response = await api.client.get("/api/v1/notifications", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_every_type(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    locked = await api.make_user("locked", locked=True)
    # settled after each act whose order is asserted: the notify consumer reads several streams
    # (and partitions), each in its own order, and numbers a notification when it makes it
    await follow(api, bob, alice)
    await settle(api)
    status = await post(api, alice, "hello")
    reply = await post(api, bob, "@alice nice", in_reply_to_id=status["id"])
    await settle(api)
    await api.client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bob.headers)
    await settle(api)
    await api.client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    await follow(api, alice, locked)
    await settle(api)
    got = await notifications(api, alice)
    assert [(n["type"], n["account"]["id"]) for n in got] == [
        ("reblog", bob.id),
        ("favourite", bob.id),
        ("mention", bob.id),
        ("follow", bob.id),
    ]
    assert got[2]["status"]["id"] == reply["id"] and got[0]["status"]["id"] == status["id"]
    assert "status" not in got[3]
    requests = await notifications(api, locked)
    assert [(n["type"], n["account"]["id"]) for n in requests] == [("follow_request", alice.id)]
    # an edit of a status bob reblogged notifies bob
    await api.client.put(f"/api/v1/statuses/{status['id']}", headers=alice.headers, json={"status": "edited"})
    await settle(api)
    updates = await notifications(api, bob, **{"types[]": "update"})
    assert [(n["type"], n["status"]["id"]) for n in updates] == [("update", status["id"])]


async def test_filters_get_dismiss_clear(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    for follower in (bob, carol):  # one after the other (see test_every_type)
        await follow(api, follower, alice)
        await settle(api)
    await post(api, bob, "hey @alice")
    await settle(api)
    assert [n["type"] for n in await notifications(api, alice)] == ["mention", "follow", "follow"]
    only = await notifications(api, alice, **{"types[]": "follow"})
    assert [n["account"]["id"] for n in only] == [carol.id, bob.id]
    excluded = await notifications(api, alice, **{"exclude_types[]": "follow"})
    assert [n["type"] for n in excluded] == ["mention"]
    from_bob = await notifications(api, alice, account_id=bob.id)
    assert [n["type"] for n in from_bob] == ["mention", "follow"]
    page = await api.client.get("/api/v1/notifications", headers=alice.headers, params={"limit": 1})
    assert 'rel="next"' in page.headers["link"]
    first = page.json()[0]
    one = await api.client.get(f"/api/v1/notifications/{first['id']}", headers=alice.headers)
    assert one.json()["id"] == first["id"]
    assert (
        await api.client.get(f"/api/v1/notifications/{first['id']}", headers=bob.headers)
    ).status_code == 404
    dismissed = await api.client.post(f"/api/v1/notifications/{first['id']}/dismiss", headers=alice.headers)
    assert dismissed.status_code == 200
    assert len(await notifications(api, alice)) == 2
    assert (await api.client.post("/api/v1/notifications/clear", headers=alice.headers)).status_code == 200
    assert await notifications(api, alice) == []


async def test_muted_and_blocked_accounts_produce_none(api: Api) -> None:
    alice, muted, quiet, blocked = await api.make_users("alice", "muted", "quiet", "blocked")
    await api.client.post(f"/api/v1/accounts/{muted.id}/mute", headers=alice.headers)
    await api.client.post(
        f"/api/v1/accounts/{quiet.id}/mute", headers=alice.headers, json={"notifications": False}
    )
    await api.client.post(f"/api/v1/accounts/{blocked.id}/block", headers=alice.headers)
    for sender in (muted, quiet, blocked):
        await post(api, sender, "hi @alice")
    await settle(api)
    got = await notifications(api, alice)
    assert [(n["type"], n["account"]["id"]) for n in got] == [("mention", quiet.id)]


async def test_deleted_status_takes_its_notifications(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    mention = await post(api, bob, "hi @alice")
    await settle(api)
    assert len(await notifications(api, alice)) == 1
    await api.client.delete(f"/api/v1/statuses/{mention['id']}", headers=bob.headers)
    assert await notifications(api, alice) == []


async def test_follow_with_notify_brings_status_notifications(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    subscribed = await api.client.post(
        f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers, json={"notify": True}
    )
    assert subscribed.status_code == 200 and subscribed.json()["notifying"] is True
    await follow(api, carol, alice)  # follows without notify: hears nothing of alice's posts
    original = await post(api, alice, "a new post")
    await post(api, alice, "a thread continues", in_reply_to_id=original["id"])  # a self-reply counts
    other = await post(api, carol, "carol's post")
    await post(api, alice, "@carol a reply to someone else", in_reply_to_id=other["id"])
    await post(api, alice, "@bob just us", visibility="direct")
    await post(api, alice, "@bob mentioned anyway")
    await api.client.post(f"/api/v1/statuses/{other['id']}/reblog", headers=alice.headers)
    await settle(api)
    got = [(n["type"], n["status"]["content"]) for n in await notifications(api, bob)]
    assert [t for t, _ in got] == ["mention", "mention", "status", "status"]
    assert "a thread continues" in got[2][1] and "a new post" in got[3][1]
    assert [n["type"] for n in await notifications(api, carol, **{"types[]": "status"})] == []
    # notify turned off again: no more
    await api.client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers, json={"notify": False})
    await post(api, alice, "quiet now")
    await settle(api)
    assert len(await notifications(api, bob, **{"types[]": "status"})) == 2
