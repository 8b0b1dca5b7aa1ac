"""Grouped notifications (API v2) over HTTP: favourites, reblogs and follows grouped; paging over
groups with Link/max_id/min_id; grouped_types, expand_accounts; one group, its accounts,
dismissing it; unread counts (v1 and v2) against the notifications marker; bad input."""

from __future__ import annotations

from typing import Any

import httpx
from api_support import Api, User
from social_support import follow, post, settle


async def grouped(api: Api, user: User, **params: Any) -> Any:
    response = await api.client.get("/api/v2/notifications", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return response


async def follow_link(api: Api, user: User, response: Any, rel: str) -> Any:
    links = httpx.Headers(response.headers).get("link", "")
    for part in links.split(","):
        url, _, kind = part.partition(";")
        if f'rel="{rel}"' in kind:
            return await api.client.get(url.strip().strip("<>"), headers=user.headers)
    raise AssertionError(f"no {rel} link in {links!r}")


def summary(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(g["type"], g["notifications_count"]) for g in body["notification_groups"]]


async def scene(api: Api) -> tuple[dict[str, User], dict[str, dict[str, Any]]]:
    """alice hears, oldest first: 2 follows, 3 favourites of s1, 1 of s2, a reblog of s1, a mention."""
    users = dict(
        zip(
            ["alice", "bob", "carol", "dave", "eve"],
            await api.make_users("alice", "bob", "carol", "dave", "eve"),
            strict=True,
        )
    )
    alice = users["alice"]
    s1 = await post(api, alice, "first")
    s2 = await post(api, alice, "second")
    # settled after each act: the notify consumer reads several streams, each in its own order
    for name in ("bob", "carol"):
        await follow(api, users[name], alice)
        await settle(api)
    for name, status in (("bob", s1), ("carol", s1), ("dave", s1), ("eve", s2)):
        await api.client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=users[name].headers)
        await settle(api)
    await api.client.post(f"/api/v1/statuses/{s1['id']}/reblog", headers=users["bob"].headers)
    await settle(api)
    mention = await post(api, users["dave"], "hey @alice")
    await settle(api)
    return users, {"s1": s1, "s2": s2, "mention": mention}


async def test_groups_pages_and_expansion(api: Api) -> None:
    users, statuses = await scene(api)
    alice, bob, carol, dave, eve = (users[n] for n in ("alice", "bob", "carol", "dave", "eve"))
    body = (await grouped(api, alice)).json()
    assert summary(body) == [("mention", 1), ("reblog", 1), ("favourite", 1), ("favourite", 3), ("follow", 2)]
    groups = body["notification_groups"]
    favourites = groups[3]
    assert favourites["sample_account_ids"] == [dave.id, carol.id, bob.id]
    assert favourites["status_id"] == statuses["s1"]["id"] and groups[2]["status_id"] == statuses["s2"]["id"]
    assert groups[4]["sample_account_ids"] == [carol.id, bob.id] and "status_id" not in groups[4]
    assert groups[0]["group_key"].startswith("ungrouped-")
    assert len({g["group_key"] for g in groups}) == 5
    for g in groups:
        assert int(g["page_min_id"]) <= int(g["page_max_id"]) == int(g["most_recent_notification_id"])
        assert g["latest_page_notification_at"].endswith("Z")
    assert {a["id"] for a in body["accounts"]} == {bob.id, carol.id, dave.id, eve.id}
    assert "partial_accounts" not in body
    assert {s["id"] for s in body["statuses"]} == {statuses[k]["id"] for k in ("s1", "s2", "mention")}
    # the v1 entities carry the same group keys
    v1 = (await api.client.get("/api/v1/notifications", headers=alice.headers)).json()
    assert {n["group_key"] for n in v1} == {g["group_key"] for g in groups}

    # paging over groups: two at a time, following Link next / prev as clients do; a group the
    # page boundary cuts shows again on the next page with the rest of it (Mastodon's paging)
    first = await grouped(api, alice, limit=2)
    assert summary(first.json()) == [("mention", 1), ("reblog", 1)]
    second = await follow_link(api, alice, first, "next")
    assert summary(second.json()) == [("favourite", 1), ("favourite", 3)]
    third = await follow_link(api, alice, second, "next")
    assert summary(third.json()) == [("favourite", 2), ("follow", 2)]
    assert third.json()["notification_groups"][0]["group_key"] == favourites["group_key"]
    assert third.json()["notification_groups"][0]["sample_account_ids"] == [carol.id, bob.id]
    fourth = await follow_link(api, alice, third, "next")
    assert summary(fourth.json()) == [("follow", 1)]
    assert (await follow_link(api, alice, fourth, "next")).json()["notification_groups"] == []
    newer = await follow_link(api, alice, second, "prev")
    assert summary(newer.json()) == [("mention", 1), ("reblog", 1)]
    since = await grouped(api, alice, since_id=second.json()["notification_groups"][0]["page_min_id"])
    assert summary(since.json()) == [("mention", 1), ("reblog", 1)]

    # only follows grouped: each favourite is its own group; filters as in v1
    follows_only = await grouped(api, alice, **{"grouped_types[]": "follow"})
    assert summary(follows_only.json()) == [("mention", 1), ("reblog", 1)] + [("favourite", 1)] * 4 + [("follow", 2)]
    only = await grouped(api, alice, **{"types[]": ["favourite", "follow"], "account_id": bob.id})
    assert summary(only.json()) == [("favourite", 1), ("follow", 2)]  # counted up to the page top

    partial = (await grouped(api, alice, expand_accounts="partial_avatars")).json()
    full_ids = {a["id"] for a in partial["accounts"]}
    assert {g["sample_account_ids"][0] for g in partial["notification_groups"]} <= full_ids
    assert {a["id"] for a in partial["partial_accounts"]} == {bob.id, carol.id} - full_ids
    for account in partial["partial_accounts"]:
        assert set(account) == {"id", "acct", "url", "avatar", "avatar_static", "locked", "bot"}


async def test_one_group_accounts_dismiss_and_unread(api: Api) -> None:
    users, statuses = await scene(api)
    alice, bob, carol, dave = (users[n] for n in ("alice", "bob", "carol", "dave"))
    groups = (await grouped(api, alice)).json()["notification_groups"]
    key = groups[3]["group_key"]
    one = await api.client.get(f"/api/v2/notifications/{key}", headers=alice.headers)
    assert one.status_code == 200, one.text
    (group,) = one.json()["notification_groups"]
    assert group["notifications_count"] == 3 and "page_min_id" not in group
    assert [s["id"] for s in one.json()["statuses"]] == [statuses["s1"]["id"]]
    accounts = await api.client.get(f"/api/v2/notifications/{key}/accounts", headers=alice.headers)
    assert [a["id"] for a in accounts.json()] == [dave.id, carol.id, bob.id]
    # nobody else's group, no made-up keys
    assert (await api.client.get(f"/api/v2/notifications/{key}", headers=bob.headers)).status_code == 404
    for bad in ("nonsense", "ungrouped-x", "favourite-1", "ungrouped-1", "follow-1-2-3"):
        assert (await api.client.get(f"/api/v2/notifications/{bad}", headers=alice.headers)).status_code == 404
    assert (await api.client.post(f"/api/v2/notifications/{key}/dismiss", headers=bob.headers)).status_code == 404

    # unread counts against the notifications marker
    async def unread(version: str, **params: Any) -> int:
        response = await api.client.get(
            f"/api/{version}/notifications/unread_count", headers=alice.headers, params=params
        )
        assert response.status_code == 200, response.text
        return int(response.json()["count"])

    assert (await unread("v1"), await unread("v2")) == (8, 5)
    assert await unread("v2", limit=2) == 2
    marker = groups[2]["most_recent_notification_id"]  # read up to the favourite of s2
    saved = await api.client.post(
        "/api/v1/markers", headers=alice.headers, json={"notifications": {"last_read_id": marker}}
    )
    assert saved.status_code == 200, saved.text
    assert (await unread("v1"), await unread("v2")) == (2, 2)

    dismissed = await api.client.post(f"/api/v2/notifications/{key}/dismiss", headers=alice.headers)
    assert dismissed.status_code == 200
    assert (await api.client.get(f"/api/v2/notifications/{key}", headers=alice.headers)).status_code == 404
    assert [g["notifications_count"] for g in (await grouped(api, alice)).json()["notification_groups"]] == [
        1,
        1,
        1,
        2,
    ]
    bad = await api.client.get("/api/v2/notifications", headers=alice.headers, params={"expand_accounts": "all"})
    assert bad.status_code == 422
    assert (
        await api.client.get("/api/v2/notifications", headers=alice.headers, params={"max_id": "abc"})
    ).status_code == 422
    assert (await api.client.get("/api/v2/notifications")).status_code == 401
