"""Notification policy and requests over HTTP: GET/PATCH /api/v2/notifications/policy (bad values
refused with nothing stored), filtered notifications held in a request per sender and left out of
the v1 and v2 lists, accepting (they join the others; the sender is accepted from now on),
dismissing, in bulk, and drop."""

from __future__ import annotations

from typing import Any

from api_support import Api, User
from social_support import follow, post, settle


async def policy(api: Api, user: User, **changes: str) -> dict[str, Any]:
    if changes:
        response = await api.client.patch("/api/v2/notifications/policy", headers=user.headers, json=changes)
    else:
        response = await api.client.get("/api/v2/notifications/policy", headers=user.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def note_types(api: Api, user: User) -> list[tuple[str, str]]:
    response = await api.client.get("/api/v1/notifications", headers=user.headers)
    assert response.status_code == 200, response.text
    return [(n["type"], n["account"]["username"]) for n in response.json()]


async def requests_of(api: Api, user: User, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/notifications/requests", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_policy_reads_and_changes(api: Api) -> None:
    alice = await api.make_user("alice")
    assert await policy(api, alice) == {
        "for_not_following": "accept",
        "for_not_followers": "accept",
        "for_new_accounts": "accept",
        "for_private_mentions": "accept",
        "for_limited_accounts": "accept",
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
    }
    changed = await policy(api, alice, for_not_following="filter", for_new_accounts="drop")
    assert changed["for_not_following"] == "filter" and changed["for_new_accounts"] == "drop"
    for bad in ({"for_not_followers": "maybe"}, {"for_private_mentions": ""}):
        refused = await api.client.patch("/api/v2/notifications/policy", headers=alice.headers, json=bad)
        assert refused.status_code == 422, refused.text
    assert await policy(api, alice) == changed
    assert (await api.client.get("/api/v2/notifications/policy")).status_code == 401


async def test_filtered_requests_accept_dismiss_drop(api: Api) -> None:
    alice, bob, carol, dave, eve = await api.make_users("alice", "bob", "carol", "dave", "eve")
    await follow(api, alice, carol)
    await settle(api)
    await policy(api, alice, for_not_following="filter")
    mine = await post(api, alice, "mine")
    await post(api, bob, "@alice one")
    await api.client.post(f"/api/v1/statuses/{mine['id']}/favourite", headers=bob.headers)
    last = await post(api, bob, "@alice two")
    await post(api, carol, "@alice hi")  # alice follows carol: accepted
    await post(api, dave, "@alice hey")
    await settle(api)
    assert await note_types(api, alice) == [("mention", "carol")]
    v2 = (await api.client.get("/api/v2/notifications", headers=alice.headers)).json()
    assert [g["type"] for g in v2["notification_groups"]] == ["mention"]
    included = await api.client.get(
        "/api/v2/notifications", headers=alice.headers, params={"include_filtered": "true", "grouped_types[]": "x"}
    )
    assert sorted((g["type"], g["sample_account_ids"][0]) for g in included.json()["notification_groups"]) == sorted(
        [("mention", carol.id), ("mention", dave.id), ("mention", bob.id), ("mention", bob.id), ("favourite", bob.id)]
    )
    count = (await api.client.get("/api/v1/notifications/unread_count", headers=alice.headers)).json()
    assert count == {"count": 1}
    summary = (await policy(api, alice))["summary"]
    assert summary == {"pending_requests_count": 2, "pending_notifications_count": 4}

    requests = await requests_of(api, alice)
    assert [(r["account"]["username"], r["notifications_count"]) for r in requests] == [("dave", "1"), ("bob", "3")]
    from_bob = requests[1]
    assert from_bob["last_status"]["id"] == last["id"] and from_bob["created_at"] <= from_bob["updated_at"]
    one = await api.client.get(f"/api/v1/notifications/requests/{from_bob['id']}", headers=alice.headers)
    assert one.status_code == 200 and one.json()["id"] == from_bob["id"]
    assert (
        await api.client.get(f"/api/v1/notifications/requests/{from_bob['id']}", headers=bob.headers)
    ).status_code == 404
    page = await api.client.get("/api/v1/notifications/requests", headers=alice.headers, params={"limit": 1})
    assert [r["id"] for r in page.json()] == [requests[0]["id"]] and 'rel="next"' in page.headers["link"]

    accepted = await api.client.post(f"/api/v1/notifications/requests/{from_bob['id']}/accept", headers=alice.headers)
    assert accepted.status_code == 200
    assert sorted(await note_types(api, alice)) == sorted(
        [("mention", "carol"), ("mention", "bob"), ("mention", "bob"), ("favourite", "bob")]
    )
    await post(api, bob, "@alice three")  # bob is accepted from now on
    await settle(api)
    assert (await note_types(api, alice))[0] == ("mention", "bob")
    merged = await api.client.get("/api/v1/notifications/requests/merged", headers=alice.headers)
    assert merged.json() == {"merged": True}

    dismissed = await api.client.post(
        f"/api/v1/notifications/requests/{requests[0]['id']}/dismiss", headers=alice.headers
    )
    assert dismissed.status_code == 200
    assert await requests_of(api, alice) == []
    assert ("mention", "dave") not in await note_types(api, alice)
    again = await api.client.post(f"/api/v1/notifications/requests/{requests[0]['id']}/accept", headers=alice.headers)
    assert again.status_code == 404

    # in bulk: one request from each of dave and eve
    await post(api, dave, "@alice again")
    await post(api, eve, "@alice me too")
    await settle(api)
    held = await requests_of(api, alice)
    assert [r["account"]["username"] for r in held] == ["eve", "dave"]
    bad = await api.client.post("/api/v1/notifications/requests/accept", headers=alice.headers, json={"id": ["x"]})
    assert bad.status_code == 422
    bulk = await api.client.post(
        "/api/v1/notifications/requests/accept", headers=alice.headers, json={"id": [held[0]["id"]]}
    )
    assert bulk.status_code == 200
    await api.client.post(
        "/api/v1/notifications/requests/dismiss", headers=alice.headers, data={"id[][]": [held[1]["id"]]}
    )  # Mastodon.py's spelling
    assert await requests_of(api, alice) == []
    assert ("mention", "eve") in await note_types(api, alice)

    # drop: nothing stored, no request
    await policy(api, alice, for_not_following="drop")
    stranger = await api.make_user("stranger")
    await post(api, stranger, "@alice hello?")
    await settle(api)
    assert ("mention", "stranger") not in await note_types(api, alice)
    assert await requests_of(api, alice) == []
    assert (await policy(api, alice))["summary"] == {"pending_requests_count": 0, "pending_notifications_count": 0}


async def test_include_filtered_lists_what_requests_hold(api: Api) -> None:
    """Mastodon 4.3's ``include_filtered`` on v1 and v2 lists and unread counts: the notifications
    the policy held come too, in id order with the others, each once; v1 with an ``account_id``
    always includes them (Mastodon's web client shows a request that way)."""
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    await follow(api, alice, carol)
    await settle(api)
    await policy(api, alice, for_not_following="filter")
    mine = await post(api, alice, "mine")
    # one at a time: mentions and favourites reach the notifier by different topics, so their ids
    # (given when notified) are in this order only if each is notified before the next is made
    await post(api, carol, "@alice first")  # accepted
    await settle(api)
    await post(api, bob, "@alice second")  # held
    await settle(api)
    await api.client.post(f"/api/v1/statuses/{mine['id']}/favourite", headers=bob.headers)  # held
    await settle(api)
    await post(api, carol, "@alice fourth")  # accepted
    await settle(api)

    async def listed(path: str, **params: Any) -> list[tuple[str, str]]:
        response = await api.client.get(path, headers=alice.headers, params=params)
        assert response.status_code == 200, response.text
        return [(n["type"], n["account"]["username"]) for n in response.json()]

    everything = [("mention", "carol"), ("favourite", "bob"), ("mention", "bob"), ("mention", "carol")]
    assert await listed("/api/v1/notifications") == [("mention", "carol"), ("mention", "carol")]
    assert await listed("/api/v1/notifications", include_filtered="false") == [("mention", "carol")] * 2
    assert await listed("/api/v1/notifications", include_filtered="true") == everything
    assert await listed("/api/v1/notifications", include_filtered="true", **{"types[]": "favourite"}) == [
        ("favourite", "bob")
    ]
    assert await listed("/api/v1/notifications", include_filtered="true", **{"exclude_types[]": "favourite"}) == [
        everything[0], everything[2], everything[3]
    ]  # fmt: skip
    from_bob = [("favourite", "bob"), ("mention", "bob")]
    assert await listed("/api/v1/notifications", account_id=bob.id) == from_bob
    assert await listed("/api/v1/notifications", account_id=bob.id, include_filtered="false") == from_bob

    # paged both ways, the links keeping include_filtered
    first = await api.client.get(
        "/api/v1/notifications", headers=alice.headers, params={"include_filtered": "true", "limit": 2}
    )
    assert [(n["type"], n["account"]["username"]) for n in first.json()] == everything[:2]
    link = first.headers["link"]
    assert "include_filtered=true" in link and f"max_id={first.json()[1]['id']}" in link
    older = await listed("/api/v1/notifications", include_filtered="true", limit=2, max_id=first.json()[1]["id"])
    assert older == everything[2:]
    newer = await listed("/api/v1/notifications", include_filtered="true", limit=2, min_id=first.json()[1]["id"])
    assert newer == everything[:1]
    ids = [n["id"] for n in (await api.client.get(
        "/api/v1/notifications", headers=alice.headers, params={"include_filtered": "true"}
    )).json()]  # fmt: skip
    assert ids == sorted(ids, key=int, reverse=True) and len(set(ids)) == 4

    # unread counts (no read marker yet: all of them)
    async def unread(path: str, **params: Any) -> int:
        response = await api.client.get(path, headers=alice.headers, params=params)
        assert response.status_code == 200, response.text
        return int(response.json()["count"])

    assert await unread("/api/v1/notifications/unread_count") == 2
    assert await unread("/api/v1/notifications/unread_count", include_filtered="true") == 4
    assert await unread("/api/v1/notifications/unread_count", account_id=bob.id) == 2
    assert await unread("/api/v2/notifications/unread_count") == 2
    assert await unread("/api/v2/notifications/unread_count", include_filtered="true") == 4
    v2 = await api.client.get("/api/v2/notifications", headers=alice.headers, params={"account_id": bob.id})
    assert v2.json()["notification_groups"] == []  # v2 adds them only when asked

    # a bad value is refused; nothing held is touched by reading
    for path in ("/api/v1/notifications", "/api/v1/notifications/unread_count", "/api/v2/notifications"):
        refused = await api.client.get(path, headers=alice.headers, params={"include_filtered": "maybe"})
        assert refused.status_code == 422 and "include_filtered" in refused.json()["error"], path
    assert (await policy(api, alice))["summary"] == {"pending_requests_count": 1, "pending_notifications_count": 2}

    # accepted: the same notifications, once, whether asked for or not
    (request,) = await requests_of(api, alice)
    await api.client.post(f"/api/v1/notifications/requests/{request['id']}/accept", headers=alice.headers)
    assert await listed("/api/v1/notifications") == everything
    assert await listed("/api/v1/notifications", include_filtered="true") == everything


async def test_a_held_notification_is_read_and_dismissed_like_any_other(api: Api) -> None:
    """Mastodon's filtered notifications are notifications: one is read by id and by its group
    key, and dismissing it (or its group) takes it out of its request; the last takes the request."""
    alice, bob = await api.make_users("alice", "bob")
    await policy(api, alice, for_not_following="filter")
    mine = await post(api, alice, "mine")
    mention = await post(api, bob, "@alice psst")
    await settle(api)  # notified before the favourite (another topic): ids in this order
    await api.client.post(f"/api/v1/statuses/{mine['id']}/favourite", headers=bob.headers)
    await settle(api)
    held = (await api.client.get("/api/v1/notifications", headers=alice.headers, params={"account_id": bob.id})).json()
    assert [n["type"] for n in held] == ["favourite", "mention"]
    favourite, mentioned = held
    one = await api.client.get(f"/api/v1/notifications/{mentioned['id']}", headers=alice.headers)
    assert one.status_code == 200 and one.json()["status"]["id"] == mention["id"]
    assert (await api.client.get(f"/api/v1/notifications/{mentioned['id']}", headers=bob.headers)).status_code == 404
    group = await api.client.get(f"/api/v2/notifications/{favourite['group_key']}", headers=alice.headers)
    assert group.status_code == 200, group.text
    assert [g["notifications_count"] for g in group.json()["notification_groups"]] == [1]

    refused = await api.client.post(f"/api/v1/notifications/{mentioned['id']}/dismiss", headers=bob.headers)
    assert refused.status_code == 404
    dismissed = await api.client.post(f"/api/v1/notifications/{mentioned['id']}/dismiss", headers=alice.headers)
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert (await api.client.get(f"/api/v1/notifications/{mentioned['id']}", headers=alice.headers)).status_code == 404
    (request,) = await requests_of(api, alice)
    assert request["notifications_count"] == "1"
    assert (await policy(api, alice))["summary"] == {"pending_requests_count": 1, "pending_notifications_count": 1}
    gone = await api.client.post(f"/api/v2/notifications/{favourite['group_key']}/dismiss", headers=alice.headers)
    assert gone.status_code == 200
    assert await requests_of(api, alice) == []
    assert (await policy(api, alice))["summary"] == {"pending_requests_count": 0, "pending_notifications_count": 0}
    listed = await api.client.get("/api/v1/notifications", headers=alice.headers, params={"include_filtered": "true"})
    assert listed.json() == []
