"""Custom emojis over HTTP: admins add them (a shortcode and a real PNG, GIF or WebP image) and
remove them; bad shortcodes and files that are not images (whatever their name and type say) are
refused with 422 and nothing stored; GET /api/v1/custom_emojis lists them; statuses (content and
spoiler text) and accounts (display name, note, fields) carry the ones they write."""

from __future__ import annotations

import urllib.parse
from typing import Any

from api_support import Api, User
from social_support import post
from test_media import png

ADMIN_SCOPES = "read write admin:read admin:write"


async def add(api: Api, admin: User, shortcode: str, image: tuple[str, bytes, str], **data: str) -> Any:
    return await api.client.post(
        "/api/v1/admin/custom_emojis",
        headers=admin.headers,
        data={"shortcode": shortcode, **data},
        files={"image": image},
    )


async def listed(api: Api) -> list[str]:
    response = await api.client.get("/api/v1/custom_emojis")
    assert response.status_code == 200, response.text
    return [e["shortcode"] for e in response.json()]


async def test_admins_add_and_remove_emojis_and_bad_input_stores_nothing(api: Api) -> None:
    admin = await api.make_user("root", role="admin", scopes=ADMIN_SCOPES)
    user = await api.make_user("alice", scopes=ADMIN_SCOPES)
    assert await listed(api) == []
    created = await add(api, admin, "blobcat", ("blobcat.png", png((32, 32)), "image/png"), category="cats")
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["shortcode"] == "blobcat" and body["category"] == "cats" and body["visible_in_picker"] is True
    assert body["url"].startswith("http") and body["static_url"] == body["url"]
    image = await api.client.get(urllib.parse.urlsplit(body["url"]).path)  # served by the media files
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    refused = {
        "short": ("x", ("a.png", png((8, 8)), "image/png")),
        "bad characters": ("no-dash", ("a.png", png((8, 8)), "image/png")),
        "spaces": ("two words", ("a.png", png((8, 8)), "image/png")),
        "taken": ("blobcat", ("a.png", png((8, 8)), "image/png")),
        "html disguised as png": ("disguised", ("d.png", b"<html><script>alert(1)</script></html>", "image/png")),
        "text": ("notes", ("n.png", b"just some words", "image/png")),
        "truncated": ("cut", ("c.png", png((64, 64))[:60], "image/png")),
        "too large": ("huge", ("h.png", b"\x89PNG" + bytes(300 * 1024), "image/png")),
    }
    for case, (shortcode, image_file) in refused.items():
        response = await add(api, admin, shortcode, image_file)
        assert response.status_code == 422, (case, response.text)
        assert "error" in response.json()
    missing = await api.client.post("/api/v1/admin/custom_emojis", headers=admin.headers, data={"shortcode": "none"})
    assert missing.status_code == 422
    assert await listed(api) == ["blobcat"]  # nothing else stored
    forbidden = await add(api, user, "mine", ("m.png", png((8, 8)), "image/png"))
    assert forbidden.status_code == 403 and await listed(api) == ["blobcat"]

    admin_list = (await api.client.get("/api/v1/admin/custom_emojis", headers=admin.headers)).json()
    assert [e["id"] for e in admin_list] == [body["id"]]
    assert (
        await api.client.delete(f"/api/v1/admin/custom_emojis/{body['id']}", headers=user.headers)
    ).status_code == 403
    gone = await api.client.delete(f"/api/v1/admin/custom_emojis/{body['id']}", headers=admin.headers)
    assert gone.status_code == 200 and gone.json() == {}
    assert await listed(api) == []
    again = await api.client.delete(f"/api/v1/admin/custom_emojis/{body['id']}", headers=admin.headers)
    assert again.status_code == 404


async def test_statuses_and_accounts_carry_their_emojis(api: Api) -> None:
    admin = await api.make_user("root", role="admin", scopes=ADMIN_SCOPES)
    alice = await api.make_user("alice")
    for code in ("blobcat", "party_parrot"):
        assert (await add(api, admin, code, (f"{code}.png", png((16, 16)), "image/png"))).status_code == 200
    status = await post(api, alice, "hello :blobcat: and :unknown: and :blobcat:", spoiler_text="cw :party_parrot:")
    assert [e["shortcode"] for e in status["emojis"]] == ["blobcat", "party_parrot"]
    assert status["emojis"][0]["url"].startswith("http")
    plain = await post(api, alice, "no emojis here: 10:30:00")
    assert plain["emojis"] == []
    shown = (await api.client.get(f"/api/v1/statuses/{status['id']}")).json()
    assert [e["shortcode"] for e in shown["emojis"]] == ["blobcat", "party_parrot"]
    path = f"/api/v1/statuses/{status['id']}"
    edited = await api.client.put(path, headers=alice.headers, json={"status": ":party_parrot:"})
    assert edited.status_code == 200, edited.text
    versions = (await api.client.get(f"{path}/history")).json()
    assert [[e["shortcode"] for e in v["emojis"]] for v in versions] == [["blobcat", "party_parrot"], ["party_parrot"]]

    profile = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        data={
            "display_name": "Alice :party_parrot:",
            "note": "likes :blobcat:",
            "fields_attributes[0][name]": "mood",
            "fields_attributes[0][value]": ":blobcat:",
        },
    )
    assert profile.status_code == 200, profile.text
    account = (await api.client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert sorted(e["shortcode"] for e in account["emojis"]) == ["blobcat", "party_parrot"]
    reposted = await post(api, alice, "again")
    assert [e["shortcode"] for e in reposted["account"]["emojis"]] == ["party_parrot", "blobcat"]
