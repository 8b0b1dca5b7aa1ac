"""Trends and platform numbers over HTTP: interactions flow through the analytics stream into the
aggregator; trends rank what was used most in the window and leave out private, sensitive and
hidden posts; the dashboard and measures move. Both API modes."""

from __future__ import annotations

import datetime as dt

from api_support import Api, User
from social_support import post, settle

ADMIN_SCOPES = "read write follow push admin:read admin:write"


async def drain(api: Api) -> None:
    """The source events, then the analytics events they became."""
    await settle(api)
    await settle(api)


async def tag_names(api: Api, **params: object) -> list[str]:
    response = await api.client.get("/api/v1/trends/tags", params=params)
    assert response.status_code == 200, response.text
    return [tag["name"] for tag in response.json()]


async def test_trending_tags_rank_public_use_only(api: Api) -> None:
    users = [await api.make_user(f"user{i}") for i in range(4)]
    for user in users[:3]:
        await post(api, user, "all about #Popular things")
    await post(api, users[3], "a #rare sighting")
    for _ in range(5):  # more uses, but none of them count
        await post(api, users[3], "#secret stuff", visibility="private")
        await post(api, users[3], "#spoiler stuff", sensitive=True)
    hidden = [await post(api, users[3], f"#hidden number {i}") for i in range(5)]
    await drain(api)
    moderation = api.container.admin.moderation
    for status in hidden:
        await moderation.apply_automated_decision(status_id=int(status["id"]), decision="hide")
    await api.moderation_told()

    names = await tag_names(api)
    assert names[:2] == ["popular", "rare"]
    assert not {"secret", "spoiler", "hidden"} & set(names)
    assert await tag_names(api, limit=1) == ["popular"]
    assert await tag_names(api, limit=1, offset=1) == ["rare"]
    tag = (await api.client.get("/api/v1/trends/tags")).json()[0]
    assert tag["url"].endswith("/tags/popular") and isinstance(tag["history"], list)
    assert (await api.client.get("/api/v1/trends")).json()[0]["name"] == "popular"
    assert (await api.client.get("/api/v1/trends/links")).json() == []
    bad = await api.client.get("/api/v1/trends/tags", params={"limit": "lots"})
    assert bad.status_code == 422 and "error" in bad.json()


async def test_trending_links_from_public_posts(api: Api) -> None:
    users = [await api.make_user(f"linker{i}") for i in range(3)]
    for user in users:
        await post(api, user, "read this https://News.example.org/2026/big-story#top today")
    await post(api, users[0], "and https://blog.example.net/notes")
    await post(api, users[0], "again https://blog.example.net/notes")
    for _ in range(4):  # more uses, but none of them count
        await post(api, users[1], "psst https://secret.example.com/", visibility="private")
        await post(api, users[1], "spoiler https://spoiler.example.com/", sensitive=True)
    response = await api.client.get("/api/v1/trends/links")
    assert response.status_code == 200, response.text
    cards = response.json()
    assert [c["url"] for c in cards] == ["https://news.example.org/2026/big-story", "https://blog.example.net/notes"]
    top = cards[0]
    assert top["type"] == "link" and top["title"] == "big story" and top["provider_name"] == "news.example.org"
    assert top["provider_url"] == "https://news.example.org" and top["description"] == "read this today"
    assert top["image"] is None and top["blurhash"] is None and top["width"] == 0 and top["authors"] == []
    today = top["history"][0]
    assert len(top["history"]) == 7 and today["uses"] == "3" and today["accounts"] == "3"
    assert int(today["day"]) % 86400 == 0
    assert cards[1]["history"][0] == {**cards[1]["history"][0], "uses": "2", "accounts": "1"}
    one = (await api.client.get("/api/v1/trends/links", params={"limit": 1, "offset": 1})).json()
    assert [c["url"] for c in one] == ["https://blog.example.net/notes"]
    for bad in ({"limit": 0}, {"limit": 21}, {"offset": "x"}):
        assert (await api.client.get("/api/v1/trends/links", params=bad)).status_code == 422, bad


async def test_trending_statuses_follow_engagement(api: Api) -> None:
    author, fans = await api.make_user("author"), [await api.make_user(f"fan{i}") for i in range(3)]
    loved = await post(api, author, "loved")
    liked = await post(api, author, "liked")
    secret = await post(api, author, "private", visibility="private")
    await api.client.post(f"/api/v1/accounts/{author.id}/follow", headers=fans[0].headers)
    for fan in fans:
        assert (
            await api.client.post(f"/api/v1/statuses/{loved['id']}/reblog", headers=fan.headers)
        ).status_code == 200
    await api.client.post(f"/api/v1/statuses/{liked['id']}/favourite", headers=fans[0].headers)
    await api.client.post(f"/api/v1/statuses/{secret['id']}/favourite", headers=fans[0].headers)
    await drain(api)
    response = await api.client.get("/api/v1/trends/statuses")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()] == [loved["id"], liked["id"]]
    await api.container.admin.moderation.apply_automated_decision(
        status_id=int(loved["id"]), decision="hide"
    )
    await api.moderation_told()
    assert [s["id"] for s in (await api.client.get("/api/v1/trends/statuses")).json()] == [liked["id"]]


async def dashboard(api: Api, admin: User) -> dict:
    response = await api.client.get("/api/v1/admin/dashboard", headers=admin.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_dashboard_and_measures_move(api: Api) -> None:
    admin = await api.make_user("admin", scopes=ADMIN_SCOPES, role="admin")
    await drain(api)
    before = await dashboard(api, admin)
    alice = await api.make_user("alice", via_http=True)
    bob = await api.make_user("bob")
    first = await post(api, alice, "hello")
    await api.client.post(f"/api/v1/statuses/{first['id']}/favourite", headers=bob.headers)
    await api.client.post("/api/v1/reports", headers=bob.headers, json={"account_id": alice.id})
    await drain(api)
    after = await dashboard(api, admin)
    assert after["accounts"]["new_today"] == before["accounts"]["new_today"] + 2
    assert after["accounts"]["active_today"] >= before["accounts"]["active_today"] + 2
    assert after["statuses"]["today"] == before["statuses"]["today"] + 1
    assert after["interactions"]["today"] == before["interactions"]["today"] + 1
    assert after["reports"]["open"] == before["reports"]["open"] + 1
    assert set(after["queues"]) == {"outbox_backlog", "consumer_lag"}
    assert after["queues"]["outbox_backlog"] == 0

    today = dt.datetime.now(dt.UTC).date()
    response = await api.client.post(
        "/api/v1/admin/measures",
        headers=admin.headers,
        json={
            "keys": ["new_users", "active_users", "interactions", "opened_reports", "resolved_reports"],
            "start_at": (today - dt.timedelta(days=2)).isoformat(),
            "end_at": today.isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    measures = {m["key"]: m for m in response.json()}
    assert measures["new_users"]["total"] == str(after["accounts"]["new_7d"])
    assert int(measures["active_users"]["total"]) >= 2
    assert measures["opened_reports"]["data"][-1]["value"] == str(after["reports"]["open"])
    assert measures["resolved_reports"]["total"] == "0"
    assert len(measures["interactions"]["data"]) == 3
    reversed_range = await api.client.post(
        "/api/v1/admin/measures",
        headers=admin.headers,
        json={"keys": ["new_users"], "start_at": today.isoformat(), "end_at": "2000-01-01"},
    )
    assert reversed_range.status_code == 422
