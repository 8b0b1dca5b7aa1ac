"""Bad input on the social routes: a clear 4xx with {"error": ...}, never a 500, and no change."""

from __future__ import annotations

import pytest
from api_support import Api, User
from social_support import post


async def assert_unchanged(api: Api, user: User) -> None:
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert me.json()["statuses_count"] == 0
    statuses = await api.client.get(f"/api/v1/accounts/{user.id}/statuses", headers=user.headers)
    assert statuses.json() == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "x" * 501}, 422),
        ({"status": ""}, 422),
        ({"status": "   "}, 422),
        ({"status": "hi", "visibility": "everyone"}, 422),
        ({"status": ["a", "list"]}, 422),
        ({"status": {"an": "object"}}, 422),
        ({"status": "hi", "sensitive": "perhaps"}, 422),
        ({"status": "hi", "spoiler_text": 5 * "x" * 101}, 422),
        ({"status": "hi", "in_reply_to_id": "999999"}, 404),
        ({"status": "hi", "in_reply_to_id": "not-an-id"}, 404),
        ({"status": "hi", "media_ids": ["12345"]}, 422),
        ({"status": "hi", "media_ids": ["abc"]}, 422),
        ({"status": "hi", "language": "not a language code"}, 422),
        ({"status": "a\x00b"}, 422),  # PostgreSQL stores no NUL in text
        ({"status": "hi", "spoiler_text": "\x00"}, 422),
    ],
)
async def test_rejected_posts_change_nothing(api: Api, body: dict, status: int) -> None:  # type: ignore[type-arg]
    alice = await api.make_user("alice")
    response = await api.client.post("/api/v1/statuses", headers=alice.headers, json=body)
    assert response.status_code == status, response.text
    assert isinstance(response.json()["error"], str) and response.json()["error"]
    await assert_unchanged(api, alice)


async def test_malformed_bodies(api: Api) -> None:
    alice = await api.make_user("alice")
    headers = {**alice.headers, "Content-Type": "application/json"}
    for raw in (b"{not json", b"[1, 2]", b'"a string"'):
        response = await api.client.post("/api/v1/statuses", headers=headers, content=raw)
        assert response.status_code in (400, 422), raw
        assert "error" in response.json()
    odd = await api.client.post(
        "/api/v1/statuses", headers={**alice.headers, "Content-Type": "text/csv"}, content=b"a,b"
    )
    assert odd.status_code == 415
    await assert_unchanged(api, alice)


async def test_unknown_and_malformed_ids(api: Api) -> None:
    alice = await api.make_user("alice")
    for path in (
        "/api/v1/statuses/999999",
        "/api/v1/statuses/abc",
        "/api/v1/statuses/-5",
        "/api/v1/statuses/99999999999999999999999",
        "/api/v1/statuses/999999/context",
        "/api/v1/statuses/999999/history",
        "/api/v1/statuses/999999/favourited_by",
        "/api/v1/notifications/999999",
        "/api/v1/notifications/abc",
    ):
        response = await api.client.get(path, headers=alice.headers)
        assert response.status_code == 404, path
        assert response.json() == {"error": "Record not found"}
    for action in (
        "favourite",
        "unfavourite",
        "reblog",
        "unreblog",
        "bookmark",
        "unbookmark",
        "pin",
        "unpin",
    ):
        response = await api.client.post(f"/api/v1/statuses/999999/{action}", headers=alice.headers)
        assert response.status_code == 404, action
    assert (
        await api.client.put("/api/v1/statuses/999999", headers=alice.headers, json={"status": "x"})
    ).status_code == 404
    assert (await api.client.delete("/api/v1/statuses/abc", headers=alice.headers)).status_code == 404
    assert (
        await api.client.post("/api/v1/notifications/999999/dismiss", headers=alice.headers)
    ).status_code == 404
    assert (await api.client.get("/api/v1/accounts/999999/statuses")).status_code == 404
    assert (await api.client.get("/api/v1/accounts/999999/followers")).status_code == 404


async def test_bad_pagination_and_filters(api: Api) -> None:
    alice = await api.make_user("alice")
    for params in ({"max_id": "abc"}, {"since_id": "-1"}, {"min_id": "1.5"}, {"limit": "many"}):
        response = await api.client.get("/api/v1/timelines/home", headers=alice.headers, params=params)
        assert response.status_code == 422, params
        assert "error" in response.json()
    response = await api.client.get(
        "/api/v1/notifications", headers=alice.headers, params={"account_id": "x"}
    )
    assert response.status_code == 422
    response = await api.client.get("/api/v1/timelines/tag/" + "x" * 101)
    assert response.status_code == 422


async def test_rejected_edit_keeps_the_status(api: Api) -> None:
    alice = await api.make_user("alice")
    status = await post(api, alice, "original")
    for body in ({"status": "x" * 501}, {"status": ""}, {"status": ["x"]}):
        response = await api.client.put(f"/api/v1/statuses/{status['id']}", headers=alice.headers, json=body)
        assert response.status_code == 422, body
    fetched = await api.client.get(f"/api/v1/statuses/{status['id']}")
    assert fetched.json()["content"] == "<p>original</p>" and fetched.json()["edited_at"] is None
    history = await api.client.get(f"/api/v1/statuses/{status['id']}/history")
    assert len(history.json()) == 1


async def test_bad_reblog_visibility(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    status = await post(api, alice, "share")
    response = await api.client.post(
        f"/api/v1/statuses/{status['id']}/reblog", headers=bob.headers, json={"visibility": "direct"}
    )
    assert response.status_code == 422
    assert (await api.client.get(f"/api/v1/statuses/{status['id']}")).json()["reblogs_count"] == 0
