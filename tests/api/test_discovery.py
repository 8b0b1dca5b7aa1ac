"""Discovery: host-meta, WebFinger, NodeInfo, OAuth server metadata, OIDC userinfo, and the
instance's real numbers (user_count, status_count, active_month)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from api_support import Api

XRD_NS = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"


async def test_host_meta_as_xrd_and_as_json(api: Api) -> None:
    xrd = await api.client.get("/.well-known/host-meta")
    assert xrd.status_code == 200 and xrd.headers["content-type"].startswith("application/xrd+xml")
    link = ET.fromstring(xrd.content).find(f"{XRD_NS}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == "http://testserver/.well-known/webfinger?resource={uri}"
    for params, headers in (({"format": "json"}, {}), ({}, {"Accept": "application/json"})):
        jrd = await api.client.get("/.well-known/host-meta", params=params, headers=headers)
        assert jrd.headers["content-type"].startswith("application/jrd+json")
        assert jrd.json() == {"links": [{"rel": "lrdd", "template": link.get("template")}]}
    assert (await api.client.get("/.well-known/host-meta", params={"format": "yaml"})).status_code == 400


async def test_webfinger_finds_local_accounts_only(api: Api) -> None:
    alice = await api.make_user("alice")
    for resource in ("acct:alice@testserver", "alice@testserver", "acct:ALICE@TestServer",
                     "http://testserver/@alice", "http://testserver/users/alice"):  # fmt: skip
        found = await api.client.get("/.well-known/webfinger", params={"resource": resource})
        assert found.status_code == 200, resource
        assert found.headers["content-type"].startswith("application/jrd+json")
        body = found.json()
        assert body["subject"] == "acct:alice@testserver"
        assert body["aliases"] == ["http://testserver/@alice", "http://testserver/users/alice"]
        links = {link["rel"]: link for link in body["links"]}
        assert links["http://webfinger.net/rel/profile-page"]["href"] == "http://testserver/@alice"
        assert links["self"] == {"rel": "self", "type": "application/activity+json",
                                 "href": "http://testserver/users/alice"}  # fmt: skip
        assert links["http://webfinger.net/rel/avatar"]["href"].startswith("http://testserver/")
    only_self = await api.client.get(
        "/.well-known/webfinger", params={"resource": "acct:alice@testserver", "rel": "self"}
    )
    assert [link["rel"] for link in only_self.json()["links"]] == ["self"]
    for resource in ("acct:bob@testserver", "acct:alice@elsewhere.example", "https://elsewhere.example/@alice",
                     "acct:@testserver", "acct:alice", "http://testserver/@alice/123", "http://[",
                     "acct:alice@testserver@testserver"):  # fmt: skip
        missing = await api.client.get("/.well-known/webfinger", params={"resource": resource})
        assert missing.status_code == 404, resource
    refused = await api.client.get("/.well-known/webfinger")
    assert refused.status_code == 400 and "resource" in refused.json()["error"]
    assert alice.username == "alice"


async def test_nodeinfo_reports_rookery_and_real_usage(api: Api) -> None:
    links = (await api.client.get("/.well-known/nodeinfo")).json()["links"]
    assert [link["href"] for link in links] == ["http://testserver/nodeinfo/2.0", "http://testserver/nodeinfo/2.1"]
    assert links[0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.0"
    empty = (await api.client.get("/nodeinfo/2.0")).json()
    assert empty["usage"] == {"users": {"total": 0, "activeMonth": 0, "activeHalfyear": 0}, "localPosts": 0}
    alice, bob = await api.make_users("alice", "bob")
    for n in range(3):
        posted = await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": f"hello {n}"})
        assert posted.status_code == 200
    for version in ("2.0", "2.1"):
        answer = await api.client.get(f"/nodeinfo/{version}")
        assert answer.headers["content-type"].startswith("application/json")
        assert f"schema/{version}#" in answer.headers["content-type"]
        info = answer.json()
        assert info["version"] == version and info["software"]["name"] == "rookery"
        assert info["software"]["version"] and info["openRegistrations"] is True
        assert info["usage"] == {"users": {"total": 2, "activeMonth": 1, "activeHalfyear": 1}, "localPosts": 3}
        assert info["services"] == {"inbound": [], "outbound": []} and info["protocols"] == []
    assert "repository" in (await api.client.get("/nodeinfo/2.1")).json()["software"]
    assert (await api.client.get("/nodeinfo/1.0")).status_code == 404
    assert bob.username == "bob"


async def test_instance_stats_are_counted(api: Api) -> None:
    alice, _bob = await api.make_users("alice", "bob")
    for n in range(2):
        await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": f"counted {n}"})
    v1 = (await api.client.get("/api/v1/instance")).json()
    assert v1["stats"] == {"user_count": 2, "status_count": 2, "domain_count": 1}
    v2 = (await api.client.get("/api/v2/instance")).json()
    assert v2["usage"] == {"users": {"active_month": 1}}
    # Mastodon 4.4's additions
    assert v2["icon"] == [] and v2["configuration"]["urls"]["about"] == "http://testserver/"
    assert v2["configuration"]["urls"]["terms_of_service"] is None
    assert v2["configuration"]["media_attachments"]["description_limit"] == 1500
    assert v2["registrations"]["reason_required"] is False and "min_age" in v2["registrations"]
    status_id = (await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)).json()[0]["id"]
    await api.client.delete(f"/api/v1/statuses/{status_id}", headers=alice.headers)
    assert (await api.client.get("/api/v1/instance")).json()["stats"]["status_count"] == 1


async def test_oauth_server_metadata_is_complete(api: Api) -> None:
    metadata = (await api.client.get("/.well-known/oauth-authorization-server")).json()
    base = "http://testserver"
    assert metadata["issuer"].rstrip("/") == base
    for field, path in (("authorization_endpoint", "/oauth/authorize"), ("token_endpoint", "/oauth/token"),
                        ("revocation_endpoint", "/oauth/revoke"), ("userinfo_endpoint", "/oauth/userinfo"),
                        ("app_registration_endpoint", "/api/v1/apps")):  # fmt: skip
        assert metadata[field] == base + path, field
    assert {"read", "write", "follow", "push", "profile"} <= set(metadata["scopes_supported"])
    assert metadata["response_types_supported"] == ["code"]
    assert {"authorization_code", "client_credentials"} <= set(metadata["grant_types_supported"])
    assert {"client_secret_basic", "client_secret_post"} <= set(metadata["token_endpoint_auth_methods_supported"])
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert metadata["service_documentation"].startswith("http")


async def test_userinfo_answers_for_a_profile_token(api: Api) -> None:
    alice = await api.make_user("alice", scopes="read profile")
    for method in ("GET", "POST"):
        answer = await api.client.request(method, "/oauth/userinfo", headers=alice.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "iss": "http://testserver",
            "sub": "http://testserver/users/alice",
            "name": "alice",
            "preferred_username": "alice",
            "profile": "http://testserver/@alice",
            "picture": answer.json()["picture"],
        }
        assert answer.json()["picture"].startswith("http://testserver/")
    no_profile = await api.make_user("bob", scopes="read")
    assert (await api.client.get("/oauth/userinfo", headers=no_profile.headers)).status_code == 403
    assert (await api.client.get("/oauth/userinfo")).status_code == 401
    app_only = await api.app_token(scopes="read profile", app=await api.register_app(scopes="read profile"))
    refused = await api.client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {app_only}"})
    assert refused.status_code in (403, 422)
