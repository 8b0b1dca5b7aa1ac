"""Favourites, reblogs, bookmarks and pins over HTTP, with their lists and counters."""

from __future__ import annotations

from api_support import Api
from social_support import post, settle


async def test_favourite_and_unfavourite(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    status = await post(api, alice, "like me")
    faved = await api.client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bob.headers)
    assert faved.status_code == 200
    assert faved.json()["favourited"] is True and faved.json()["favourites_count"] == 1
    again = await api.client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bob.headers)
    assert again.json()["favourites_count"] == 1  # idempotent
    by = await api.client.get(f"/api/v1/statuses/{status['id']}/favourited_by")
    assert [a["id"] for a in by.json()] == [bob.id]
    seen_by_alice = await api.client.get(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert seen_by_alice.json()["favourited"] is False and seen_by_alice.json()["favourites_count"] == 1
    undone = await api.client.post(f"/api/v1/statuses/{status['id']}/unfavourite", headers=bob.headers)
    assert undone.json()["favourited"] is False and undone.json()["favourites_count"] == 0
    assert (await api.client.get(f"/api/v1/statuses/{status['id']}/favourited_by")).json() == []


async def test_reblog_and_unreblog(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    status = await post(api, alice, "share me")
    reblog = await api.client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    assert reblog.status_code == 200, reblog.text
    body = reblog.json()
    assert body["reblog"]["id"] == status["id"] and body["account"]["id"] == bob.id
    assert body["reblogged"] is True and body["reblog"]["reblogs_count"] == 1
    twice = await api.client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)
    assert twice.json()["id"] == body["id"]  # one reblog per account
    by = await api.client.get(f"/api/v1/statuses/{status['id']}/reblogged_by")
    assert [a["id"] for a in by.json()] == [bob.id]
    # acting on the reblog acts on the original
    faved = await api.client.post(f"/api/v1/statuses/{body['id']}/favourite", headers=alice.headers)
    assert faved.json()["id"] == status["id"]
    undone = await api.client.post(f"/api/v1/statuses/{status['id']}/unreblog", headers=bob.headers)
    assert undone.json()["reblogged"] is False and undone.json()["reblogs_count"] == 0
    assert (await api.client.get(f"/api/v1/statuses/{body['id']}")).status_code == 404


async def test_deleting_the_original_removes_reblogs(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    status = await post(api, alice, "short-lived")
    reblog = (await api.client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers)).json()
    await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    await settle(api)
    assert (await api.client.get(f"/api/v1/statuses/{reblog['id']}")).status_code == 404
    assert (await api.client.get("/api/v1/timelines/home", headers=bob.headers)).json() == []
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
    assert me.json()["statuses_count"] == 0


async def test_bookmarks_and_favourites_lists_paginate_by_row(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    statuses = [await post(api, alice, f"status {i}") for i in range(5)]
    for status in reversed(statuses):  # bookmarked newest status first: row order differs from ids
        response = await api.client.post(f"/api/v1/statuses/{status['id']}/bookmark", headers=bob.headers)
        assert response.json()["bookmarked"] is True
        await api.client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bob.headers)
    first = await api.client.get("/api/v1/bookmarks", headers=bob.headers, params={"limit": 2})
    assert [s["id"] for s in first.json()] == [statuses[0]["id"], statuses[1]["id"]]  # last bookmarked first
    next_url = first.headers["link"].split(";")[0].strip("<>")
    second = await api.client.get(next_url.replace("http://testserver", ""), headers=bob.headers)
    assert [s["id"] for s in second.json()] == [statuses[2]["id"], statuses[3]["id"]]
    faves = await api.client.get("/api/v1/favourites", headers=bob.headers)
    assert len(faves.json()) == 5 and all(s["favourited"] for s in faves.json())
    await api.client.post(f"/api/v1/statuses/{statuses[0]['id']}/unbookmark", headers=bob.headers)
    rest = await api.client.get("/api/v1/bookmarks", headers=bob.headers)
    assert statuses[0]["id"] not in [s["id"] for s in rest.json()]


async def test_pin_and_unpin(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    status = await post(api, alice, "pin me")
    pinned = await api.client.post(f"/api/v1/statuses/{status['id']}/pin", headers=alice.headers)
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    listed = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true"})
    assert [s["id"] for s in listed.json()] == [status["id"]]
    theirs = await api.client.post(f"/api/v1/statuses/{status['id']}/pin", headers=bob.headers)
    assert theirs.status_code == 422
    assert theirs.json() == {"error": "Validation failed: Someone else's post cannot be pinned"}
    direct = await post(api, alice, "secret", visibility="direct")
    refused = await api.client.post(f"/api/v1/statuses/{direct['id']}/pin", headers=alice.headers)
    assert refused.status_code == 422
    assert refused.json() == {
        "error": "Validation failed: Posts that are only visible to mentioned users cannot be pinned"
    }
    unpinned = await api.client.post(f"/api/v1/statuses/{status['id']}/unpin", headers=alice.headers)
    assert unpinned.json()["pinned"] is False
    listed = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"pinned": "true"})
    assert listed.json() == []
