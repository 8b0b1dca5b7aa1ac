"""Lists over HTTP: CRUD, members (only followed accounts; gone on unfollow or block), the lists an
account is in, the list timeline (members only, home filters, replies policy, cursor pages with
Link headers), the `list` stream, scopes, someone else's list and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from api_support import Api, User
from social_support import follow, ids, post, settle

from rookery.workloads.domain.oauth import AuthContext
from rookery.workloads.services.streaming import Connection, StreamRejected, resolve_stream


async def make_list(api: Api, owner: User, title: str = "Friends", **fields: Any) -> dict[str, Any]:
    response = await api.client.post("/api/v1/lists", headers=owner.headers, json={"title": title, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def add(api: Api, owner: User, list_id: str, *members: User) -> None:
    response = await api.client.post(
        f"/api/v1/lists/{list_id}/accounts",
        headers=owner.headers,
        json={"account_ids": [m.id for m in members]},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {}


async def member_ids(api: Api, owner: User, list_id: str, **params: Any) -> list[str]:
    return await ids(api, f"/api/v1/lists/{list_id}/accounts", owner, **params)


async def timeline(api: Api, owner: User, list_id: str, **params: Any) -> list[str]:
    return await ids(api, f"/api/v1/timelines/list/{list_id}", owner, **params)


async def test_create_read_update_delete(api: Api) -> None:
    alice = await api.make_user("alice")
    assert (await api.client.get("/api/v1/lists", headers=alice.headers)).json() == []
    created = await make_list(api, alice, "  Friends  ")
    assert created["title"] == "Friends"
    assert created["replies_policy"] == "list" and created["exclusive"] is False
    work = await make_list(api, alice, "Work", replies_policy="none", exclusive=True)
    assert work["replies_policy"] == "none" and work["exclusive"] is True
    listed = (await api.client.get("/api/v1/lists", headers=alice.headers)).json()
    assert [entry["id"] for entry in listed] == [created["id"], work["id"]]
    one = await api.client.get(f"/api/v1/lists/{created['id']}", headers=alice.headers)
    assert one.status_code == 200 and one.json() == created
    changed = await api.client.put(
        f"/api/v1/lists/{created['id']}",
        headers=alice.headers,
        data={"title": "Close friends", "replies_policy": "list", "exclusive": "true"},  # form, as Mastodon.py
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "id": created["id"],
        "title": "Close friends",
        "replies_policy": "list",
        "exclusive": True,
    }
    only_policy = await api.client.put(
        f"/api/v1/lists/{created['id']}", headers=alice.headers, json={"replies_policy": "followed"}
    )
    assert only_policy.json()["title"] == "Close friends" and only_policy.json()["replies_policy"] == "followed"
    deleted = await api.client.delete(f"/api/v1/lists/{created['id']}", headers=alice.headers)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert (await api.client.get(f"/api/v1/lists/{created['id']}", headers=alice.headers)).status_code == 404
    assert [e["id"] for e in (await api.client.get("/api/v1/lists", headers=alice.headers)).json()] == [work["id"]]


async def test_bad_input_is_a_clear_4xx(api: Api) -> None:
    alice = await api.make_user("alice")
    h = alice.headers
    cases = [
        ({}, "Title can't be blank"),
        ({"title": "   "}, "Title can't be blank"),
        ({"title": "x" * 257}, "too long"),
        ({"title": "ok", "replies_policy": "everyone"}, "Replies policy must be one of"),
        ({"title": "ok", "exclusive": "maybe"}, "exclusive must be a boolean"),
        ({"title": ["a", "b"]}, "title must be a string"),
    ]
    for body, message in cases:
        response = await api.client.post("/api/v1/lists", headers=h, json=body)
        assert response.status_code == 422, (body, response.text)
        assert message in response.json()["error"], (body, response.text)
    bad_json = await api.client.post(
        "/api/v1/lists", headers={**h, "Content-Type": "application/json"}, content=b"{nope"
    )
    assert bad_json.status_code == 400 and "error" in bad_json.json()
    created = await make_list(api, alice)
    for path in ("/api/v1/lists/abc", "/api/v1/lists/-1", "/api/v1/lists/99999999999999999999", "/api/v1/lists/42"):
        for method in ("GET", "PUT", "DELETE"):
            response = await api.client.request(method, path, headers=h, json={"title": "x"})
            assert response.status_code == 404 and response.json() == {"error": "Record not found"}, (method, path)
    for path in ("/api/v1/lists/abc/accounts", "/api/v1/timelines/list/abc", "/api/v1/timelines/list/42"):
        assert (await api.client.get(path, headers=h)).status_code == 404
    blank = await api.client.put(f"/api/v1/lists/{created['id']}", headers=h, json={"title": ""})
    assert blank.status_code == 422 and "Title can't be blank" in blank.json()["error"]
    cursor = await api.client.get(f"/api/v1/timelines/list/{created['id']}", headers=h, params={"max_id": "x"})
    assert cursor.status_code == 422 and "max_id" in cursor.json()["error"]
    assert (await api.client.get("/api/v1/accounts/abc/lists", headers=h)).status_code == 404
    assert (await api.client.get("/api/v1/accounts/123456/lists", headers=h)).status_code == 404


async def test_at_most_fifty_lists(api: Api) -> None:
    alice = await api.make_user("alice")
    for n in range(50):
        await make_list(api, alice, f"list {n}")
    refused = await api.client.post("/api/v1/lists", headers=alice.headers, json={"title": "one more"})
    assert refused.status_code == 422 and "more than 50 lists" in refused.json()["error"]


async def test_someone_elses_list_is_not_found(api: Api) -> None:
    alice, mallory, bob = await api.make_users("alice", "mallory", "bob")
    await follow(api, alice, bob)
    await follow(api, mallory, bob)
    owned = await make_list(api, alice)
    await add(api, alice, owned["id"], bob)
    m = mallory.headers
    base = f"/api/v1/lists/{owned['id']}"
    assert (await api.client.get(base, headers=m)).status_code == 404
    assert (await api.client.put(base, headers=m, json={"title": "mine"})).status_code == 404
    assert (await api.client.delete(base, headers=m)).status_code == 404
    assert (await api.client.get(f"{base}/accounts", headers=m)).status_code == 404
    assert (await api.client.post(f"{base}/accounts", headers=m, json={"account_ids": [bob.id]})).status_code == 404
    assert (await api.client.delete(f"{base}/accounts", headers=m, params={"account_ids[]": bob.id})).status_code == 404
    assert (await api.client.get(f"/api/v1/timelines/list/{owned['id']}", headers=m)).status_code == 404
    assert (await api.client.get("/api/v1/lists", headers=m)).json() == []
    assert (await api.client.get(f"/api/v1/accounts/{bob.id}/lists", headers=m)).json() == []
    # nothing changed for the owner
    assert (await api.client.get(base, headers=alice.headers)).json()["title"] == "Friends"
    assert await member_ids(api, alice, owned["id"]) == [bob.id]


async def test_scopes(api: Api) -> None:
    reader = await api.make_user("reader", scopes="read:lists")
    writer = await api.make_user("writer", scopes="write:lists")
    broad = await api.make_user("broad", scopes="read write")
    statuses_only = await api.make_user("statuses", scopes="read:statuses write:statuses")
    assert (await api.client.get("/api/v1/lists")).status_code == 401
    assert (await api.client.get("/api/v1/lists", headers=reader.headers)).status_code == 200
    assert (await api.client.post("/api/v1/lists", headers=reader.headers, json={"title": "x"})).status_code == 403
    assert (await api.client.post("/api/v1/lists", headers=writer.headers, json={"title": "x"})).status_code == 200
    assert (await api.client.get("/api/v1/lists", headers=writer.headers)).status_code == 403
    created = await make_list(api, broad)
    assert (await api.client.get("/api/v1/lists", headers=broad.headers)).json()[0]["id"] == created["id"]
    for method, path in (("GET", "/api/v1/lists"), ("POST", "/api/v1/lists")):
        response = await api.client.request(method, path, headers=statuses_only.headers, json={"title": "x"})
        assert response.status_code == 403 and "error" in response.json()
    app_token = await api.app_token("read write")
    app_only = await api.client.get("/api/v1/lists", headers={"Authorization": f"Bearer {app_token}"})
    assert app_only.status_code == 422 and "error" in app_only.json()


async def test_members_only_followed_accounts(api: Api) -> None:
    alice, bob, carol, dave = await api.make_users("alice", "bob", "carol", "dave")
    locked = await api.make_user("locked", locked=True)
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    await follow(api, alice, locked)  # only requested
    friends = await make_list(api, alice)
    other = await make_list(api, alice, "Other")
    path = f"/api/v1/lists/{friends['id']}/accounts"
    await add(api, alice, friends["id"], bob, carol)
    await add(api, alice, friends["id"], bob)  # again: still once
    await add(api, alice, other["id"], bob)
    assert await member_ids(api, alice, friends["id"]) == [carol.id, bob.id]  # highest id first
    for who in (dave, locked, alice):
        response = await api.client.post(path, headers=alice.headers, json={"account_ids": [bob.id, who.id]})
        assert response.status_code == 422 and "must follow" in response.json()["error"], response.text
    unknown = await api.client.post(path, headers=alice.headers, json={"account_ids": ["123456789"]})
    assert unknown.status_code == 404
    bodies: list[dict[str, Any]] = [{"account_ids": ["x"]}, {"account_ids": []}, {}, {"account_ids": [{"id": 1}]}]
    for body in bodies:
        response = await api.client.post(path, headers=alice.headers, json=body)
        assert response.status_code == 422 and "error" in response.json(), (body, response.text)
    assert await member_ids(api, alice, friends["id"]) == [carol.id, bob.id]  # all or nothing
    lists_of_bob = (await api.client.get(f"/api/v1/accounts/{bob.id}/lists", headers=alice.headers)).json()
    assert [entry["id"] for entry in lists_of_bob] == [friends["id"], other["id"]]
    assert (await api.client.get(f"/api/v1/accounts/{dave.id}/lists", headers=alice.headers)).json() == []
    # pages: cursors are account ids, Link headers point onward
    first = await api.client.get(path, headers=alice.headers, params={"limit": 1})
    assert [a["id"] for a in first.json()] == [carol.id]
    assert 'rel="next"' in first.headers["link"] and f"max_id={carol.id}" in first.headers["link"]
    assert await member_ids(api, alice, friends["id"], max_id=carol.id) == [bob.id]
    assert await member_ids(api, alice, friends["id"], min_id=bob.id) == [carol.id]
    everyone = await api.client.get(path, headers=alice.headers, params={"limit": 0})
    assert [a["id"] for a in everyone.json()] == [carol.id, bob.id] and "link" not in everyone.headers
    # remove: form body, as Mastodon.py sends it with DELETE
    removed = await api.client.request("DELETE", path, headers=alice.headers, data={"account_ids[]": [bob.id]})
    assert removed.status_code == 200 and removed.json() == {}
    assert await member_ids(api, alice, friends["id"]) == [carol.id]
    assert await member_ids(api, alice, other["id"]) == [bob.id]
    # deleting a list takes its members with it
    await api.client.delete(f"/api/v1/lists/{other['id']}", headers=alice.headers)
    assert (await api.client.get(f"/api/v1/accounts/{bob.id}/lists", headers=alice.headers)).json() == []


async def test_unfollow_and_block_take_accounts_out_of_lists(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    await follow(api, bob, alice)
    friends = await make_list(api, alice)
    bobs = await make_list(api, bob, "Bob's")
    await add(api, alice, friends["id"], bob, carol)
    await add(api, bob, bobs["id"], alice)
    await api.client.post(f"/api/v1/accounts/{carol.id}/unfollow", headers=alice.headers)
    await settle(api)
    assert await member_ids(api, alice, friends["id"]) == [bob.id]
    assert (await api.client.get(f"/api/v1/accounts/{carol.id}/lists", headers=alice.headers)).json() == []
    await api.client.post(f"/api/v1/accounts/{bob.id}/block", headers=alice.headers)  # ends follows both ways
    await settle(api)
    assert await member_ids(api, alice, friends["id"]) == []
    assert await member_ids(api, bob, bobs["id"]) == []
    await api.client.post(f"/api/v1/accounts/{bob.id}/unblock", headers=alice.headers)
    await follow(api, alice, bob)  # following again does not bring the old membership back
    await settle(api)
    assert await member_ids(api, alice, friends["id"]) == []


async def test_list_timeline_shows_members_with_home_filters(api: Api) -> None:
    alice, bob, carol, erin = await api.make_users("alice", "bob", "carol", "erin")
    for other in (bob, carol, erin):
        await follow(api, alice, other)
    friends = await make_list(api, alice)
    await add(api, alice, friends["id"], bob, carol)
    by_bob = await post(api, bob, "public by bob")
    by_carol = await post(api, carol, "followers only by carol", visibility="private")
    await post(api, erin, "erin is not in the list")
    await post(api, bob, "@alice direct", visibility="direct")
    by_erin = await post(api, erin, "erin again")
    reblog = (await api.client.post(f"/api/v1/statuses/{by_erin['id']}/reblog", headers=bob.headers)).json()
    unlisted = await post(api, carol, "unlisted by carol", visibility="unlisted")
    assert await timeline(api, alice, friends["id"]) == [unlisted["id"], reblog["id"], by_carol["id"], by_bob["id"]]
    # pages with Link headers
    first = await api.client.get(f"/api/v1/timelines/list/{friends['id']}", headers=alice.headers, params={"limit": 2})
    assert [s["id"] for s in first.json()] == [unlisted["id"], reblog["id"]]
    link = first.headers["link"]
    assert f"max_id={reblog['id']}" in link and f"min_id={unlisted['id']}" in link
    assert await timeline(api, alice, friends["id"], max_id=reblog["id"]) == [by_carol["id"], by_bob["id"]]
    assert await timeline(api, alice, friends["id"], since_id=by_carol["id"], limit=1) == [unlisted["id"]]
    assert await timeline(api, alice, friends["id"], min_id=by_carol["id"], limit=1) == [reblog["id"]]
    # muting a member hides their posts here as on home; reblogs-off hides the member's reblogs
    await api.client.post(f"/api/v1/accounts/{carol.id}/mute", headers=alice.headers)
    await api.client.post(f"/api/v1/accounts/{bob.id}/follow", headers=alice.headers, json={"reblogs": False})
    assert await timeline(api, alice, friends["id"]) == [by_bob["id"]]
    # an unfollowed member is left out at once (the membership itself goes with the lists consumer)
    await api.client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=alice.headers)
    assert await timeline(api, alice, friends["id"]) == []


async def test_replies_policy(api: Api) -> None:
    alice, bob, carol, erin, frank = await api.make_users("alice", "bob", "carol", "erin", "frank")
    for other in (bob, carol, erin):
        await follow(api, alice, other)
    friends = await make_list(api, alice)
    await add(api, alice, friends["id"], bob, carol)
    roots = {who.username: await post(api, who, f"root by {who.username}") for who in (alice, bob, carol, erin, frank)}
    replies = {name: await post(api, bob, f"@{name} reply", in_reply_to_id=root["id"]) for name, root in roots.items()}
    expected = {
        "followed": {"alice", "bob", "carol", "erin"},
        "list": {"alice", "bob", "carol"},
        "none": {"alice", "bob"},
    }
    for policy, shown in expected.items():
        response = await api.client.put(
            f"/api/v1/lists/{friends['id']}", headers=alice.headers, json={"replies_policy": policy}
        )
        assert response.status_code == 200
        seen = set(await timeline(api, alice, friends["id"], limit=40))
        assert {name for name, reply in replies.items() if reply["id"] in seen} == shown, policy


async def test_list_stream_delivers_members_posts_to_the_owner(api: Api) -> None:
    alice, bob, erin, mallory = await api.make_users("alice", "bob", "erin", "mallory")
    await follow(api, alice, bob)
    await follow(api, alice, erin)
    friends = await make_list(api, alice)
    await add(api, alice, friends["id"], bob)
    hub = api.container_of("feed").streaming_hub  # [split]: the feed role serves the streams

    def ctx_of(user: User, scopes: str = "read") -> AuthContext:
        return AuthContext(user.account_id, None, frozenset(scopes.split()), "test-" + user.username)

    spec = resolve_stream("list", ctx_of(alice), list_id=friends["id"])
    assert spec.name == ("list", friends["id"])
    intruder = Connection(ctx_of(mallory), 10)
    with pytest.raises(StreamRejected) as refused:
        await hub.add(intruder, resolve_stream("list", ctx_of(mallory), list_id=friends["id"]))
    assert refused.value.status == 404
    for bad, status in ((None, 400), ("abc", 400)):
        with pytest.raises(StreamRejected) as caught:
            resolve_stream("list", ctx_of(alice), list_id=bad)
        assert caught.value.status == status
    with pytest.raises(StreamRejected) as anonymous:
        resolve_stream("list", None, list_id=friends["id"])
    assert anonymous.value.status == 401
    with pytest.raises(StreamRejected) as scope:
        resolve_stream("list", ctx_of(alice, "read:notifications"), list_id=friends["id"])
    assert scope.value.status == 403
    owner = Connection(ctx_of(alice), 50)
    await hub.add(owner, spec)
    try:
        await post(api, erin, "not a member")
        await post(api, bob, "@alice only you", visibility="direct")
        by_bob = await post(api, bob, "hello list")
        await settle(api)
        text, event, payload = await asyncio.wait_for(owner.queue.get(), 10)
        frame = orjson.loads(text)
        assert frame["stream"] == ["list", friends["id"]] and event == "update"
        assert orjson.loads(payload)["id"] == by_bob["id"]
        await asyncio.sleep(0.2)
        assert owner.queue.empty()  # nothing by erin, nor bob's direct post
    finally:
        await hub.detach(owner)
