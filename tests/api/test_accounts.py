"""Accounts API: registration, credentials, profile edits, lookup, search, multiple ids."""

from __future__ import annotations

import pytest
from api_support import Api

from e2e.forms import bearer, grant, signup


async def test_registration_over_http_returns_a_working_token(api: Api) -> None:
    user = await api.make_user("alice", via_http=True)
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == user.id and body["username"] == "alice" and body["acct"] == "alice"
    assert body["source"]["privacy"] == "public"
    assert body["created_at"].endswith("T00:00:00.000Z")
    assert body["avatar"].endswith("/avatars/original/missing.png")
    image = await api.client.get("/avatars/original/missing.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


async def test_registration_needs_agreement_valid_fields_and_unique_names(api: Api) -> None:
    token = await api.app_token("read write")
    headers = {"Authorization": f"Bearer {token}"}
    base = {"username": "bob", "email": "bob@example.org", "password": "long enough pw", "agreement": "true"}
    no_agreement = await api.client.post(
        "/api/v1/accounts", headers=headers, data={**base, "agreement": "false"}
    )
    assert no_agreement.status_code == 422
    assert no_agreement.json()["details"]["agreement"][0]["error"] == "ERR_ACCEPTED"
    for bad, field, code in (
        ({"username": "no spaces"}, "username", "ERR_INVALID"),
        ({"username": ""}, "username", "ERR_BLANK"),
        ({"email": "not-an-email"}, "email", "ERR_INVALID"),
        ({"password": "short"}, "password", "ERR_TOO_SHORT"),
    ):
        response = await api.client.post("/api/v1/accounts", headers=headers, data={**base, **bad})
        assert response.status_code == 422, bad
        assert response.json()["error"].startswith("Validation failed")
        assert response.json()["details"][field][0]["error"] == code, bad
    assert (await api.client.post("/api/v1/accounts", headers=headers, data=base)).status_code == 200
    again = await api.client.post(
        "/api/v1/accounts", headers=headers, data={**base, "email": "other@example.org"}
    )
    assert again.status_code == 422 and "taken" in again.json()["error"]
    assert again.json()["details"]["username"][0]["error"] == "ERR_TAKEN"
    same_email = await api.client.post(
        "/api/v1/accounts", headers=headers, data={**base, "username": "bobby"}
    )
    assert same_email.json()["details"]["email"][0]["error"] == "ERR_TAKEN"
    same_name_other_case = {**base, "username": "BOB", "email": "b2@example.org"}
    assert (
        await api.client.post("/api/v1/accounts", headers=headers, data=same_name_other_case)
    ).status_code == 422


async def test_registration_requires_an_app_token_with_write_scope(api: Api) -> None:
    data = {"username": "carol", "email": "c@example.org", "password": "long enough pw", "agreement": "true"}
    assert (await api.client.post("/api/v1/accounts", data=data)).status_code == 401
    read_only = await api.app_token("read")
    response = await api.client.post(
        "/api/v1/accounts", data=data, headers={"Authorization": f"Bearer {read_only}"}
    )
    assert response.status_code == 403
    assert response.json() == {"error": "This action is outside the authorized scopes"}


async def test_registrations_closed(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(registrations_open=False) as api:
        token = await api.app_token("read write")
        form = signup("dave", "long enough pw", email="d@example.org", agreement="1")
        response = await api.client.post("/api/v1/accounts", headers=bearer(token), data=form)
        assert response.status_code == 403
        instance = (await api.client.get("/api/v1/instance")).json()
        assert instance["registrations"] is False


async def test_verify_credentials_needs_a_user_token(api: Api) -> None:
    app_only = await api.app_token("read")
    response = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {app_only}"}
    )
    assert response.status_code == 422
    assert response.json() == {"error": "This method requires an authenticated user"}


async def test_update_credentials_form_json_and_multipart(api: Api) -> None:
    alice = await api.make_user("alice")
    form = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        data={
            "display_name": "Alice A.",
            "note": "Hello <world>\nsecond line",
            "locked": "true",
            "fields_attributes[0][name]": "Site",
            "fields_attributes[0][value]": "https://example.org",
            "fields_attributes[1][name]": "Pronouns",
            "fields_attributes[1][value]": "she/her",
            "source[privacy]": "private",
            "source[language]": "en",
        },
    )
    assert form.status_code == 200, form.text
    body = form.json()
    assert body["display_name"] == "Alice A." and body["locked"] is True
    assert body["note"] == "<p>Hello &lt;world&gt;<br />second line</p>"
    assert body["source"]["note"] == "Hello <world>\nsecond line"
    assert [f["name"] for f in body["fields"]] == ["Site", "Pronouns"]
    assert body["source"]["privacy"] == "private" and body["source"]["language"] == "en"

    as_json = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        json={
            "bot": True,
            "fields_attributes": [{"name": "Only", "value": "one"}],
            "source": {"sensitive": True},
        },
    )
    assert as_json.status_code == 200
    assert as_json.json()["bot"] is True and as_json.json()["fields"][0]["name"] == "Only"
    assert as_json.json()["source"]["sensitive"] is True

    multipart = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        data={"display_name": "Multi"},
        files={"unused": ("a.txt", b"x", "text/plain")},
    )
    assert multipart.status_code == 200 and multipart.json()["display_name"] == "Multi"

    # the public entity (cached) shows the change
    public = await api.client.get(f"/api/v1/accounts/{alice.id}")
    assert public.json()["display_name"] == "Multi" and "source" not in public.json()


@pytest.mark.parametrize(
    "payload",
    [
        {"display_name": "x" * 31},
        {"note": "x" * 501},
        {"locked": "maybe"},
        {"source[privacy]": "secret"},
        {f"fields_attributes[{i}][name]": f"n{i}" for i in range(5)},
        # PostgreSQL stores no NUL in text (a field's was a 500 in production, stored in embedded mode)
        {"display_name": "a\x00"},
        {"fields_attributes[0][name]": "a\x00", "fields_attributes[0][value]": "b"},
        {"fields_attributes[0][name]": "a", "fields_attributes[0][value]": "\x00"},
    ],
)
async def test_update_credentials_rejects_bad_values_and_keeps_state(
    api: Api, payload: dict[str, str]
) -> None:
    alice = await api.make_user("alice")
    before = (await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).json()
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, data=payload
    )
    assert response.status_code == 422
    assert isinstance(response.json()["error"], str)
    after = (await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).json()
    assert after == before


async def test_update_credentials_wrong_json_types(api: Api) -> None:
    alice = await api.make_user("alice")
    for body in ({"display_name": ["a"]}, {"locked": {"x": 1}}, {"fields_attributes": "nope"}, {"source": 3}):
        response = await api.client.patch(
            "/api/v1/accounts/update_credentials", headers=alice.headers, json=body
        )
        assert response.status_code == 422, body
    broken = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers={**alice.headers, "Content-Type": "application/json"},
        content=b'{"display_name": ',
    )
    assert broken.status_code == 400 and "JSON" in broken.json()["error"]
    not_object = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json=[1, 2]
    )
    assert not_object.status_code == 422


async def test_get_lookup_and_unknown_ids(api: Api) -> None:
    alice = await api.make_user("alice")
    got = await api.client.get(f"/api/v1/accounts/{alice.id}")
    assert got.status_code == 200 and got.json()["username"] == "alice"
    for acct in ("alice", "@alice", "alice@testserver", "ALICE"):
        found = await api.client.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert found.status_code == 200 and found.json()["id"] == alice.id, acct
    assert (
        await api.client.get("/api/v1/accounts/lookup", params={"acct": "alice@elsewhere.example"})
    ).status_code == 404
    assert (await api.client.get("/api/v1/accounts/lookup", params={"acct": "nobody"})).status_code == 404
    assert (await api.client.get("/api/v1/accounts/lookup")).status_code == 400
    for bad in ("12345", "99999999999999999999999", "abc", "-1", "0"):
        response = await api.client.get(f"/api/v1/accounts/{bad}")
        assert response.status_code == 404, bad
        assert "error" in response.json()


async def test_multiple_accounts_by_id(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    response = await api.client.get(
        "/api/v1/accounts", params=[("id[]", bob.id), ("id[]", alice.id), ("id[]", "nope"), ("id[]", "1")]
    )
    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [bob.id, alice.id]


async def test_search_by_username_prefix_and_display_name(api: Api) -> None:
    alice = await api.make_user("alice")
    await api.make_user("alfred")
    await api.make_user("bob")
    await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, data={"display_name": "Wonderland Al"}
    )
    prefix = await api.client.get("/api/v1/accounts/search", params={"q": "al"}, headers=alice.headers)
    assert prefix.status_code == 200
    assert {a["username"] for a in prefix.json()} == {"alice", "alfred"}
    exact_first = await api.client.get(
        "/api/v1/accounts/search", params={"q": "@alfred"}, headers=alice.headers
    )
    assert exact_first.json()[0]["username"] == "alfred"
    by_name = await api.client.get("/api/v1/accounts/search", params={"q": "wonder"}, headers=alice.headers)
    assert [a["username"] for a in by_name.json()] == ["alice"]
    wildcard = await api.client.get("/api/v1/accounts/search", params={"q": "%"}, headers=alice.headers)
    assert wildcard.json() == []
    limited = await api.client.get(
        "/api/v1/accounts/search", params={"q": "a", "limit": 1}, headers=alice.headers
    )
    assert len(limited.json()) == 1
    bad_limit = await api.client.get(
        "/api/v1/accounts/search", params={"q": "a", "limit": "x"}, headers=alice.headers
    )
    assert bad_limit.status_code == 422
    assert (await api.client.get("/api/v1/accounts/search", params={"q": "a"})).status_code == 401


async def test_counts_adjusted_by_other_roles_show_in_the_entity(api: Api) -> None:
    alice = await api.make_user("alice")
    first = (await api.client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert first["followers_count"] == 0
    await api.container.accounts.service.adjust_counts(alice.account_id, followers=2, statuses=1)
    await api.container.accounts.service.adjust_counts(alice.account_id, followers=-5)
    after = (await api.client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert after["followers_count"] == 0 and after["statuses_count"] == 1


def _png_bytes() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x20\x20" * 8 for _ in range(8))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_avatar_and_header_uploads(api: Api) -> None:
    alice = await api.make_user("alice")
    files = {"avatar": ("me.png", _png_bytes(), "image/png")}
    response = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, files=files
    )
    if api.container.media is None:  # the media role stores profile images
        assert response.status_code == 422 and "media role" in response.json()["error"]
        return
    assert response.status_code == 200, response.text
    avatar = response.json()["avatar"]
    assert avatar.startswith("http") and not avatar.endswith("missing.png")
    assert response.json()["avatar_static"] == avatar
    header = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        files={"header": ("h.png", _png_bytes(), "image/png")},
        data={"display_name": "Pictured"},
    )
    assert header.status_code == 200 and header.json()["avatar"] == avatar
    assert not header.json()["header"].endswith("missing.png")
    not_image = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        files={"avatar": ("x.png", b"definitely not an image", "image/png")},
    )
    assert not_image.status_code == 422
    invalid_rest = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        files={"avatar": ("me.png", _png_bytes(), "image/png")},
        data={"display_name": "x" * 40},
    )
    assert invalid_rest.status_code == 422
    after = (await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).json()
    assert after["avatar"] == avatar and after["display_name"] == "Pictured"


async def test_suspension_locks_the_account_out_and_empties_its_profile(api: Api) -> None:
    alice = await api.make_user("alice")
    await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        data={"display_name": "Alice", "note": "hi"},
    )
    assert (await api.client.get(f"/api/v1/accounts/{alice.id}")).json()["display_name"] == "Alice"  # cached
    accounts = api.container.accounts.service
    await accounts.moderate(alice.account_id, suspended=True)
    me = await api.once_fanned_out(
        "GET", "/api/v1/accounts/verify_credentials", lambda r: r.status_code == 403, headers=alice.headers
    )
    assert me.status_code == 403 and me.json() == {"error": "Your login is currently disabled"}
    public = (await api.client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert public["suspended"] is True and public["display_name"] == "" and public["note"] == ""
    assert (await api.client.get("/api/v1/accounts/lookup", params={"acct": "alice"})).status_code == 404
    app = await api.register_app("read")
    form = grant(app, "password", username=alice.email, password=alice.password, scope="read")
    login = await api.client.post("/oauth/token", data=form)
    assert login.status_code == 400
    await accounts.moderate(alice.account_id, suspended=False, silenced=True)
    again = await api.once_fanned_out(
        "GET", "/api/v1/accounts/verify_credentials", lambda r: r.status_code == 200, headers=alice.headers
    )
    assert again.status_code == 200 and again.json()["display_name"] == "Alice"
    assert (await api.client.get(f"/api/v1/accounts/{alice.id}")).json()["limited"] is True


async def test_a_token_of_a_suspended_account_is_refused_on_first_sight(api: Api) -> None:
    bob = await api.make_user("bob")
    # suspended behind the validator's back (another replica, an operator's SQL): the first
    # validation of a token still checks the account
    account = await api.container.accounts.service.get(bob.account_id)
    account.suspended = True
    await api.container.accounts.repository.update(account)
    response = await api.client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
    assert response.status_code == 403


async def test_note_and_field_values_are_html_made_by_rookery(api: Api) -> None:
    alice = await api.make_user("alice")
    hostile = '<img src=x onerror="alert(1)">'
    updated = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        data={
            "display_name": "Al <b>",
            "note": f"{hostile} see https://example.org/about #Tides",
            "fields_attributes[0][name]": "<i>Site</i>",
            "fields_attributes[0][value]": f"{hostile} https://example.org/me",
        },
    )
    assert updated.status_code == 200, updated.text
    me = (await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).json()
    public = (await api.client.get(f"/api/v1/accounts/{alice.id}")).json()
    for entity in (updated.json(), me, public):
        note, field = entity["note"], entity["fields"][0]
        assert "<img" not in note and "&lt;img src=x" in note
        assert '<a href="https://example.org/about"' in note
        assert '/tags/tides" class="mention hashtag" rel="tag">#<span>Tides</span></a>' in note
        assert "<img" not in field["value"] and field["value"].startswith("&lt;img src=x onerror=")
        link = '<a href="https://example.org/me" target="_blank" rel="me nofollow noopener noreferrer"'
        assert link in field["value"]
        assert field["verified_at"] is None
        # plain text in Mastodon: clients escape these themselves
        assert field["name"] == "<i>Site</i>" and entity["display_name"] == "Al <b>"
    for entity in (updated.json(), me):
        assert entity["source"]["note"] == f"{hostile} see https://example.org/about #Tides"
        assert entity["source"]["fields"] == [
            {"name": "<i>Site</i>", "value": f"{hostile} https://example.org/me", "verified_at": None}
        ]
