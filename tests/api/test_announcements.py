"""Announcements over HTTP: an admin publishes (and removes) them; signed-in people read those in
their time window with ``read`` of their own, dismiss them, and react with unicode or custom
emojis (counted, ``me`` per person, at most 8 names). Bad input is refused with 422 and nothing
stored; others than admins get 403."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from api_support import Api, User
from test_media import png

ADMIN_SCOPES = "read write admin:read admin:write"


async def publish(api: Api, admin: User, **fields: Any) -> Any:
    return await api.client.post("/api/v1/admin/announcements", headers=admin.headers, json=fields)


async def current(api: Api, user: User, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/announcements", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def reaction_path(announcement_id: str, name: str) -> str:
    return f"/api/v1/announcements/{announcement_id}/reactions/{urllib.parse.quote(name)}"


async def test_publish_read_dismiss_and_windows(api: Api) -> None:
    admin = await api.make_user("root", role="admin", scopes=ADMIN_SCOPES)
    alice, bob = await api.make_users("alice", "bob")
    now = dt.datetime.now(dt.UTC)
    made = await publish(api, admin, text="Maintenance tonight.\n\nBack soon <b>really</b>")
    assert made.status_code == 200, made.text
    entity = made.json()
    assert entity["content"] == "<p>Maintenance tonight.</p><p>Back soon &lt;b&gt;really&lt;/b&gt;</p>"
    assert entity["starts_at"] is None and entity["all_day"] is False and entity["published_at"]
    later = (now + dt.timedelta(days=1)).isoformat()
    future = await publish(
        api, admin, text="not yet", starts_at=later, ends_at=(now + dt.timedelta(days=2)).isoformat()
    )
    assert future.status_code == 200
    window = await publish(
        api, admin, text="this week", starts_at=(now - dt.timedelta(hours=1)).isoformat(),
        ends_at=(now + dt.timedelta(days=7)).isoformat(), all_day=True,
    )  # fmt: skip
    assert window.json()["all_day"] is True

    shown = await current(api, alice)
    assert [a["id"] for a in shown] == [window.json()["id"], entity["id"]]  # newest first; not the future one
    assert all(a["read"] is False and a["reactions"] == [] for a in shown)
    dismissed = await api.client.post(f"/api/v1/announcements/{entity['id']}/dismiss", headers=alice.headers)
    assert dismissed.status_code == 200 and dismissed.json() == {}
    assert [a["id"] for a in await current(api, alice)] == [window.json()["id"]]
    both = await current(api, alice, with_dismissed="true")
    assert {a["id"]: a["read"] for a in both} == {window.json()["id"]: False, entity["id"]: True}
    assert len(await current(api, bob)) == 2  # per person
    hidden = await api.client.post(f"/api/v1/announcements/{future.json()['id']}/dismiss", headers=alice.headers)
    assert hidden.status_code == 404  # outside its window
    assert (await api.client.get("/api/v1/announcements")).status_code == 401

    for bad in (
        {"text": ""},
        {},
        {"text": "x" * 5001},
        {"text": "half a window", "starts_at": later},
        {"text": "backwards", "starts_at": later, "ends_at": now.isoformat()},
        {"text": "bad time", "starts_at": "tomorrow", "ends_at": "later"},
    ):
        refused = await publish(api, admin, **bad)
        assert refused.status_code == 422, (bad, refused.text)
    assert (await publish(api, alice, text="me too")).status_code == 403
    listed = await api.client.get("/api/v1/admin/announcements", headers=admin.headers)
    assert len(listed.json()) == 3  # nothing else stored
    removed = await api.client.delete(f"/api/v1/admin/announcements/{entity['id']}", headers=admin.headers)
    assert removed.status_code == 200
    assert [a["id"] for a in await current(api, bob)] == [window.json()["id"]]
    again = await api.client.delete(f"/api/v1/admin/announcements/{entity['id']}", headers=admin.headers)
    assert again.status_code == 404


async def test_reactions(api: Api) -> None:
    admin = await api.make_user("root", role="admin", scopes=ADMIN_SCOPES)
    alice, bob = await api.make_users("alice", "bob")
    emoji = await api.client.post(
        "/api/v1/admin/custom_emojis", headers=admin.headers, data={"shortcode": "blobcat"},
        files={"image": ("b.png", png((16, 16)), "image/png")},
    )  # fmt: skip
    announcement = (await publish(api, admin, text="party :blobcat:")).json()
    aid = announcement["id"]
    for user, name in ((alice, "👍"), (bob, "👍"), (alice, "blobcat"), (alice, "👍")):
        response = await api.client.put(reaction_path(aid, name), headers=user.headers)
        assert response.status_code == 200, (name, response.text)
    shown = (await current(api, alice))[0]
    if emoji.status_code == 200:  # the custom emoji needs a media store
        assert [e["shortcode"] for e in shown["emojis"]] == ["blobcat"]
    reactions = {r["name"]: r for r in shown["reactions"]}
    assert list(reactions) == ["👍", "blobcat"]
    assert reactions["👍"]["count"] == 2 and reactions["👍"]["me"] is True and "url" not in reactions["👍"]
    assert reactions["blobcat"]["count"] == 1 and reactions["blobcat"]["url"].startswith("http")
    assert {r["name"]: r["me"] for r in (await current(api, bob))[0]["reactions"]} == {"👍": True, "blobcat": False}

    for bad in ("nope", "a b", "x", "unknown_emoji", "👍 and words"):
        refused = await api.client.put(reaction_path(aid, bad), headers=bob.headers)
        assert refused.status_code == 422, (bad, refused.text)
    for name in ("🎉", "🔥", "❤️", "🐈", "🌈", "🍵"):  # 8 names in all
        assert (await api.client.put(reaction_path(aid, name), headers=bob.headers)).status_code == 200
    ninth = await api.client.put(reaction_path(aid, "🦆"), headers=bob.headers)
    assert ninth.status_code == 422 and "8" in ninth.json()["error"]
    assert len((await current(api, bob))[0]["reactions"]) == 8  # nothing more stored
    taken_back = await api.client.delete(reaction_path(aid, "👍"), headers=bob.headers)
    assert taken_back.status_code == 200
    thumbs = next(r for r in (await current(api, bob))[0]["reactions"] if r["name"] == "👍")
    assert thumbs["count"] == 1 and thumbs["me"] is False
    assert (await api.client.delete(reaction_path(aid, "👍"), headers=bob.headers)).status_code == 404
    assert (await api.client.put(reaction_path("123", "👍"), headers=bob.headers)).status_code == 404
