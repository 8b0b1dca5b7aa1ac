"""Chats over HTTP: direct and group chats, roles, messages with cursor pagination, read markers,
blocks, existence hiding for non-members, events on the messages stream and realtime delivery."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import orjson
import pytest
from api_support import Api, User


async def chat(api: Api, user: User, account_ids: list[str], title: str | None = None) -> Any:
    body: dict[str, Any] = {"account_ids": account_ids}
    if title is not None:
        body["title"] = title
    return await api.client.post("/api/v1/chats", headers=user.headers, json=body)


async def say(api: Api, user: User, chat_id: str, text: str) -> Any:
    return await api.client.post(
        f"/api/v1/chats/{chat_id}/messages", headers=user.headers, json={"text": text}
    )


def links(response: Any) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))}


async def test_direct_chat_is_one_per_pair(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    first = await chat(api, alice, [bob.id])
    assert first.status_code == 201, first.text
    entity = first.json()
    assert entity["type"] == "direct" and entity["title"] is None
    assert sorted(m["account"]["username"] for m in entity["members"]) == ["alice", "bob"]
    assert entity["unread_count"] == 0 and entity["last_message"] is None
    again = await chat(api, alice, [bob.id])
    assert again.status_code == 200 and again.json()["id"] == entity["id"]
    reverse = await chat(api, bob, [alice.id, bob.id])  # naming yourself is ignored
    assert reverse.status_code == 200 and reverse.json()["id"] == entity["id"]


async def test_group_chat_roles_and_membership(api: Api) -> None:
    owner, admin, member, extra, outsider = [
        await api.make_user(n) for n in ("owner", "admin", "member", "extra", "outsider")
    ]
    created = await chat(api, owner, [admin.id, member.id], title="Team")
    assert created.status_code == 201, created.text
    group = created.json()
    chat_id = group["id"]
    assert group["type"] == "group" and group["title"] == "Team" and group["owner_id"] == owner.id
    roles = {m["account"]["id"]: m["role"] for m in group["members"]}
    assert roles == {owner.id: "owner", admin.id: "member", member.id: "member"}

    # only the owner makes admins; the member cannot add anyone
    made_admin = await api.client.post(
        f"/api/v1/chats/{chat_id}/members",
        headers=owner.headers,
        json={"account_ids": [admin.id], "role": "admin"},
    )
    assert made_admin.status_code == 200  # already a member: nothing changes, no error
    # re-add as admin is not a promotion; promote by removing and adding back
    await api.client.request(
        "DELETE", f"/api/v1/chats/{chat_id}/members", headers=owner.headers, json={"account_ids": [admin.id]}
    )
    promoted = await api.client.post(
        f"/api/v1/chats/{chat_id}/members",
        headers=owner.headers,
        json={"account_ids": [admin.id], "role": "admin"},
    )
    assert {m["account"]["id"]: m["role"] for m in promoted.json()["members"]}[admin.id] == "admin"
    denied = await api.client.post(
        f"/api/v1/chats/{chat_id}/members", headers=member.headers, json={"account_ids": [extra.id]}
    )
    assert denied.status_code == 403
    admin_adds_admin = await api.client.post(
        f"/api/v1/chats/{chat_id}/members",
        headers=admin.headers,
        json={"account_ids": [extra.id], "role": "admin"},
    )
    assert admin_adds_admin.status_code == 403
    added = await api.client.post(
        f"/api/v1/chats/{chat_id}/members", headers=admin.headers, json={"account_ids": [extra.id]}
    )
    assert added.status_code == 200 and len(added.json()["members"]) == 4

    # renaming: owner/admin yes, member no
    assert (
        await api.client.patch(f"/api/v1/chats/{chat_id}", headers=member.headers, json={"title": "Mine"})
    ).status_code == 403
    renamed = await api.client.patch(
        f"/api/v1/chats/{chat_id}", headers=admin.headers, json={"title": "Renamed"}
    )
    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed"

    # removal: a member cannot remove the admin; the admin cannot remove the owner; anyone can leave
    kick_admin = await api.client.request(
        "DELETE", f"/api/v1/chats/{chat_id}/members", headers=member.headers, json={"account_ids": [admin.id]}
    )
    assert kick_admin.status_code == 403
    kick_owner = await api.client.request(
        "DELETE", f"/api/v1/chats/{chat_id}/members", headers=admin.headers, json={"account_ids": [owner.id]}
    )
    assert kick_owner.status_code == 403
    left = await api.client.request(
        "DELETE", f"/api/v1/chats/{chat_id}/members", headers=extra.headers, json={"account_ids": [extra.id]}
    )
    assert left.status_code == 200 and left.json() == {}
    assert (await api.client.get(f"/api/v1/chats/{chat_id}", headers=extra.headers)).status_code == 404

    # the owner leaves: the admin inherits the group
    await api.client.request(
        "DELETE", f"/api/v1/chats/{chat_id}/members", headers=owner.headers, json={"account_ids": [owner.id]}
    )
    after = (await api.client.get(f"/api/v1/chats/{chat_id}", headers=admin.headers)).json()
    assert after["owner_id"] == admin.id
    assert {m["account"]["id"]: m["role"] for m in after["members"]} == {
        admin.id: "owner",
        member.id: "member",
    }

    # deleting: members may not, the owner may; afterwards it is gone for everyone
    assert (await api.client.delete(f"/api/v1/chats/{chat_id}", headers=member.headers)).status_code == 403
    assert (await api.client.delete(f"/api/v1/chats/{chat_id}", headers=admin.headers)).status_code == 200
    assert (await api.client.get(f"/api/v1/chats/{chat_id}", headers=member.headers)).status_code == 404
    assert (await api.client.get(f"/api/v1/chats/{chat_id}", headers=outsider.headers)).status_code == 404


async def test_non_members_cannot_see_or_touch_a_chat(api: Api) -> None:
    alice, bob, eve = [await api.make_user(n) for n in ("alice", "bob", "eve")]
    chat_id = (await chat(api, alice, [bob.id])).json()["id"]
    await say(api, alice, chat_id, "secret plans")
    base = f"/api/v1/chats/{chat_id}"
    attempts = [
        ("GET", base, None),
        ("PATCH", base, {"title": "x"}),
        ("DELETE", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"text": "let me in"}),
        ("POST", f"{base}/members", {"account_ids": [eve.id]}),
        ("DELETE", f"{base}/members", {"account_ids": [alice.id]}),
        ("POST", f"{base}/read", {"last_read_id": "1"}),
    ]
    for method, path, body in attempts:
        response = await api.client.request(method, path, headers=eve.headers, json=body)
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json() == {"error": "Record not found"}
        assert b"secret" not in response.content
    # and an id that does not exist answers exactly the same
    ghost = await api.client.get("/api/v1/chats/12345", headers=eve.headers)
    assert ghost.status_code == 404 and ghost.json() == {"error": "Record not found"}
    assert (await api.client.get("/api/v1/chats/not-a-number", headers=eve.headers)).status_code == 404
    assert (await api.client.get("/api/v1/chats", headers=eve.headers)).json() == []
    # nothing changed for the members
    messages = (await api.client.get(f"{base}/messages", headers=bob.headers)).json()
    assert [m["text"] for m in messages] == ["secret plans"]
    # no token at all: 401; a token without the conversations scopes: 403
    assert (await api.client.get(base)).status_code == 401
    narrow = await api.make_user("narrow", scopes="read:statuses write:statuses")
    assert (await api.client.get("/api/v1/chats", headers=narrow.headers)).status_code == 403


async def test_messages_paginate_with_cursors_and_link_headers(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    chat_id = (await chat(api, alice, [bob.id])).json()["id"]
    sent = []
    for n in range(7):
        response = await say(api, alice if n % 2 == 0 else bob, chat_id, f"m{n}")
        assert response.status_code == 200, response.text
        sent.append(response.json())
    assert sent[0]["account"]["username"] == "alice" and sent[1]["account"]["username"] == "bob"
    ids = [m["id"] for m in sent]
    assert ids == sorted(ids, key=int)

    page = await api.client.get(f"/api/v1/chats/{chat_id}/messages?limit=3", headers=alice.headers)
    assert [m["text"] for m in page.json()] == ["m6", "m5", "m4"]
    seen = [m["text"] for m in page.json()]
    while "next" in links(page):
        page = await api.client.get(
            links(page)["next"].removeprefix("http://testserver"), headers=alice.headers
        )
        seen += [m["text"] for m in page.json()]
    assert seen == [f"m{n}" for n in range(6, -1, -1)]

    since = await api.client.get(
        f"/api/v1/chats/{chat_id}/messages?since_id={ids[2]}&limit=2", headers=bob.headers
    )
    assert [m["text"] for m in since.json()] == ["m6", "m5"]  # the newest ones after since_id
    after = await api.client.get(
        f"/api/v1/chats/{chat_id}/messages?min_id={ids[2]}&limit=2", headers=bob.headers
    )
    assert [m["text"] for m in after.json()] == ["m4", "m3"]  # the ones right after min_id, newest first
    prev = links(after)["prev"]
    assert f"min_id={ids[4]}" in prev
    older = await api.client.get(f"/api/v1/chats/{chat_id}/messages?max_id={ids[2]}", headers=bob.headers)
    assert [m["text"] for m in older.json()] == ["m1", "m0"]
    bad = await api.client.get(f"/api/v1/chats/{chat_id}/messages?max_id=abc", headers=bob.headers)
    assert bad.status_code == 422

    # the chat list is ordered by activity and pages the same way
    other = await api.make_user("carol")
    second = (await chat(api, alice, [other.id])).json()["id"]
    listed = await api.client.get("/api/v1/chats", headers=alice.headers)
    assert [c["id"] for c in listed.json()] == [second, chat_id]
    await say(api, bob, chat_id, "bump")
    listed = await api.client.get("/api/v1/chats?limit=1", headers=alice.headers)
    assert [c["id"] for c in listed.json()] == [chat_id]
    rest = await api.client.get(
        links(listed)["next"].removeprefix("http://testserver"), headers=alice.headers
    )
    assert [c["id"] for c in rest.json()] == [second]


async def test_read_markers_and_unread_counts(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    chat_id = (await chat(api, alice, [bob.id])).json()["id"]
    ids = [(await say(api, alice, chat_id, f"hello {n}")).json()["id"] for n in range(3)]
    bob_view = (await api.client.get(f"/api/v1/chats/{chat_id}", headers=bob.headers)).json()
    assert bob_view["unread_count"] == 3 and bob_view["last_message"]["text"] == "hello 2"
    alice_view = (await api.client.get(f"/api/v1/chats/{chat_id}", headers=alice.headers)).json()
    assert alice_view["unread_count"] == 0  # your own messages are read
    marked = await api.client.post(
        f"/api/v1/chats/{chat_id}/read", headers=bob.headers, json={"last_read_id": ids[1]}
    )
    assert (
        marked.status_code == 200
        and marked.json()["unread_count"] == 1
        and marked.json()["last_read_id"] == ids[1]
    )
    backwards = await api.client.post(
        f"/api/v1/chats/{chat_id}/read", headers=bob.headers, json={"last_read_id": ids[0]}
    )
    assert backwards.json()["unread_count"] == 1  # markers never move back
    beyond = await api.client.post(
        f"/api/v1/chats/{chat_id}/read", headers=bob.headers, json={"last_read_id": str(int(ids[2]) * 2)}
    )
    assert beyond.json()["unread_count"] == 0 and beyond.json()["last_read_id"] == ids[2]
    missing = await api.client.post(f"/api/v1/chats/{chat_id}/read", headers=bob.headers, json={})
    assert missing.status_code == 422


async def test_blocks_are_respected(api: Api) -> None:
    alice, mallory, bob = [await api.make_user(n) for n in ("alice", "mallory", "bob")]
    existing = (await chat(api, alice, [mallory.id])).json()["id"]
    group = (await chat(api, alice, [bob.id], title="friends")).json()["id"]
    blocked = await api.client.post(f"/api/v1/accounts/{mallory.id}/block", headers=alice.headers)
    assert blocked.status_code == 200, blocked.text

    # the blocked one cannot open a chat with the blocker, nor the blocker with them
    assert (await chat(api, mallory, [alice.id])).status_code == 403
    assert (await chat(api, alice, [mallory.id])).status_code == 403
    assert (await chat(api, mallory, [alice.id, bob.id], title="sneaky")).status_code == 403
    # nor be added to the blocker's group, nor write into the direct chat they had
    add = await api.client.post(
        f"/api/v1/chats/{group}/members", headers=alice.headers, json={"account_ids": [mallory.id]}
    )
    assert add.status_code == 403
    assert (await say(api, mallory, existing, "hi again")).status_code == 403
    assert (await say(api, alice, existing, "go away")).status_code == 403
    members = (await api.client.get(f"/api/v1/chats/{group}", headers=alice.headers)).json()["members"]
    assert mallory.id not in {m["account"]["id"] for m in members}
    # unblocking restores it
    await api.client.post(f"/api/v1/accounts/{mallory.id}/unblock", headers=alice.headers)
    assert (await say(api, mallory, existing, "sorry")).status_code == 200


async def test_bad_input_gets_clear_errors(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    cases = [
        ({"account_ids": []}, 422),
        ({"account_ids": [alice.id]}, 422),  # only yourself
        ({"account_ids": ["999999999"]}, 422),  # unknown account
        ({"account_ids": ["abc"]}, 422),
        ({"account_ids": "nope"}, 422),
        ({"account_ids": [bob.id], "title": "x" * 101}, 422),
        ({}, 422),
    ]
    for body, status in cases:
        response = await api.client.post("/api/v1/chats", headers=alice.headers, json=body)
        assert response.status_code == status, (body, response.text)
        assert "error" in response.json()
    broken = await api.client.post(
        "/api/v1/chats", headers={**alice.headers, "Content-Type": "application/json"}, content=b"{not json"
    )
    assert broken.status_code == 400
    assert (await api.client.get("/api/v1/chats", headers=alice.headers)).json() == []

    chat_id = (await chat(api, alice, [bob.id])).json()["id"]
    for body in ({"text": ""}, {"text": "   "}, {"text": "x" * 5001}, {}, {"text": ["a"]}):
        response = await api.client.post(
            f"/api/v1/chats/{chat_id}/messages", headers=alice.headers, json=body
        )
        assert response.status_code == 422, (body, response.text)
    direct_add = await api.client.post(
        f"/api/v1/chats/{chat_id}/members", headers=alice.headers, json={"account_ids": [alice.id]}
    )
    assert direct_add.status_code == 422
    rename_direct = await api.client.patch(
        f"/api/v1/chats/{chat_id}", headers=alice.headers, json={"title": "x"}
    )
    assert rename_direct.status_code == 422
    assert (await api.client.get(f"/api/v1/chats/{chat_id}/messages", headers=alice.headers)).json() == []


@pytest.mark.parametrize("api_mode", ["embedded"], indirect=True)  # reads the embedded event log
async def test_messages_go_to_the_messages_stream(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    chat_id = (await chat(api, alice, [bob.id])).json()["id"]
    message = (await say(api, alice, chat_id, "over the bus")).json()
    bus = api.container.bus
    for _ in range(100):
        events = await bus.read("messages")
        created = [e for e in events if e.type == "ChatMessageCreated"]
        if created:
            break
        await asyncio.sleep(0.05)
    assert [e.payload["message_id"] for e in created] == [message["id"]]
    assert created[0].key == chat_id
    assert sorted(created[0].payload["members"]) == sorted([alice.id, bob.id])
    assert "ChatCreated" in {e.type for e in events}


# the realtime port: in-process pub/sub embedded, Redis pub/sub in production mode
async def test_members_get_chat_message_on_their_realtime_channel(app_factory: Any) -> None:
    async with app_factory() as api:
        alice, bob, eve = [await api.make_user(n) for n in ("alice", "bob", "eve")]
        chat_id = (await chat(api, alice, [bob.id])).json()["id"]
        realtime = api.container.infra.realtime
        got: list[tuple[str, bytes]] = []

        async def listen() -> None:
            async for item in realtime.subscribe([f"user:{bob.id}", f"user:{eve.id}"]):
                got.append(item)

        task = asyncio.create_task(listen())
        try:
            for attempt in range(100):  # the subscription goes live asynchronously
                await say(api, alice, chat_id, f"ping {attempt}")
                await asyncio.sleep(0.05)
                if got:
                    break
            channel, raw = got[0]
            assert channel.endswith(f"user:{bob.id}")
            frame = orjson.loads(raw)
            assert frame["event"] == "chat.message"
            payload = orjson.loads(frame["payload"])
            assert payload["chat_id"] == chat_id and payload["text"].startswith("ping")
            assert payload["account"]["username"] == "alice"
            assert all(not ch.endswith(f"user:{eve.id}") for ch, _ in got)  # not a member
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_paging_back_stays_exact_while_messages_arrive(api: Api) -> None:
    alice, bob = await api.make_user("alice"), await api.make_user("bob")
    chat_id = (await chat(api, alice, [bob.id])).json()["id"]
    for n in range(30):
        await say(api, alice, chat_id, f"old {n}")
    stop = asyncio.Event()

    async def chatter() -> None:
        n = 0
        while not stop.is_set():
            await say(api, bob, chat_id, f"new {n}")
            n += 1
            await asyncio.sleep(0)

    writer = asyncio.create_task(chatter())
    try:
        first = await api.client.get(f"/api/v1/chats/{chat_id}/messages?limit=5", headers=alice.headers)
        seen = [m["id"] for m in first.json()]
        page = first
        while "next" in links(page):
            page = await api.client.get(
                links(page)["next"].removeprefix("http://testserver"), headers=alice.headers
            )
            seen += [m["id"] for m in page.json()]
    finally:
        stop.set()
        await writer
    assert seen == sorted(seen, key=int, reverse=True) and len(seen) == len(set(seen))
    texts = [
        m["text"]
        for m in (
            await api.client.get(f"/api/v1/chats/{chat_id}/messages?limit=40", headers=alice.headers)
        ).json()
    ]
    olds = [t for t in texts if t.startswith("old")]
    assert olds == [f"old {n}" for n in range(29, 29 - len(olds), -1)]
    # everything older than the first page was seen exactly once, none skipped
    all_ids = []
    cursor = ""
    while True:
        batch = (
            await api.client.get(f"/api/v1/chats/{chat_id}/messages?limit=40{cursor}", headers=alice.headers)
        ).json()
        if not batch:
            break
        all_ids += [m["id"] for m in batch]
        cursor = f"&max_id={batch[-1]['id']}"
    oldest_first_page = int(seen[len(first.json()) - 1])
    assert [i for i in all_ids if int(i) < oldest_first_page] == seen[len(first.json()) :]


async def test_members_can_be_removed_with_query_parameters(api: Api) -> None:
    owner, member = await api.make_user("owner"), await api.make_user("member")
    chat_id = (await chat(api, owner, [member.id], title="g")).json()["id"]
    removed = await api.client.delete(
        f"/api/v1/chats/{chat_id}/members?account_ids[]={member.id}", headers=owner.headers
    )
    assert removed.status_code == 200, removed.text
    assert [m["account"]["id"] for m in removed.json()["members"]] == [owner.id]
    assert (await api.client.get(f"/api/v1/chats/{chat_id}", headers=member.headers)).status_code == 404
