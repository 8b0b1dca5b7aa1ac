"""Instance metadata, custom emojis, preferences and markers: what clients fetch on start."""

from __future__ import annotations

from api_support import Api
from mastodon.versions import parse_version_string


async def test_instance_v1_and_v2_shapes(api: Api) -> None:
    v1 = (await api.client.get("/api/v1/instance")).json()
    assert v1["uri"] == "testserver" and v1["title"] == api.settings.instance_title
    assert parse_version_string(v1["version"]) == (4, 3, 0) and "Rookery" in v1["version"]
    assert v1["urls"]["streaming_api"] == "ws://testserver"
    assert v1["configuration"]["statuses"]["max_characters"] == 500
    assert v1["configuration"]["statuses"]["max_media_attachments"] == 4
    assert v1["registrations"] is True and v1["rules"] == []
    v2 = (await api.client.get("/api/v2/instance")).json()
    assert v2["domain"] == "testserver" and v2["version"] == v1["version"]
    assert v2["configuration"]["urls"]["streaming"] == "ws://testserver"
    assert v2["registrations"]["enabled"] is True and v2["contact"]["email"] == api.settings.contact_email
    assert v2["api_versions"]["mastodon"] >= 1
    assert (await api.client.get("/api/v1/custom_emojis")).json() == []
    assert (await api.client.get("/api/v1/instance/rules")).json() == []


async def test_openapi_document_lists_the_routes(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    for path in ("/api/v1/accounts/verify_credentials", "/oauth/token", "/api/v1/apps", "/api/v2/instance"):
        assert path in spec["paths"], path
    assert (await api.client.get("/docs")).status_code == 200


async def test_preferences_follow_the_profile_source(api: Api) -> None:
    alice = await api.make_user("alice")
    await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.headers,
        data={"source[privacy]": "private", "source[sensitive]": "true", "source[language]": "de"},
    )
    prefs = (await api.client.get("/api/v1/preferences", headers=alice.headers)).json()
    assert prefs["posting:default:visibility"] == "private"
    assert prefs["posting:default:sensitive"] is True and prefs["posting:default:language"] == "de"
    assert (await api.client.get("/api/v1/preferences")).status_code == 401


async def test_markers_save_and_read(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    assert (await api.client.get("/api/v1/markers", headers=alice.headers)).json() == {}
    saved = await api.client.post(
        "/api/v1/markers",
        headers=alice.headers,
        data={"home[last_read_id]": "103206604258487607", "notifications[last_read_id]": "35098814"},
    )
    assert saved.status_code == 200, saved.text
    assert (
        saved.json()["home"]["last_read_id"] == "103206604258487607" and saved.json()["home"]["version"] == 1
    )
    again = await api.client.post(
        "/api/v1/markers", headers=alice.headers, json={"home": {"last_read_id": "103206604258487700"}}
    )
    assert again.json()["home"]["version"] == 2 and "notifications" not in again.json()
    read = await api.client.get(
        "/api/v1/markers",
        headers=alice.headers,
        params=[("timeline[]", "home"), ("timeline[]", "notifications")],
    )
    assert read.json()["home"]["last_read_id"] == "103206604258487700"
    assert read.json()["notifications"]["last_read_id"] == "35098814"
    other = await api.client.get("/api/v1/markers", headers=bob.headers, params={"timeline[]": "home"})
    assert other.json() == {}
    for bad in ({}, {"home": "x"}, {"home": {"last_read_id": "abc"}}):
        response = await api.client.post("/api/v1/markers", headers=alice.headers, json=bad)
        assert response.status_code == 422, bad
