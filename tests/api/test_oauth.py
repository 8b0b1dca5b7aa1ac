"""OAuth over HTTP: apps, the authorize page, every grant, refresh rotation, revocation, discovery."""

from __future__ import annotations

import base64
import urllib.parse

import httpx
import pytest
from api_support import PASSWORD, Api
from oauth_flow import OOB, authorize, code_from_page, pkce_pair

from e2e.forms import grant


async def test_register_app_and_verify_it(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/apps",
        json={
            "client_name": "Toot",
            "redirect_uris": ["https://app.example/cb", OOB],
            "scopes": "read write:statuses",
            "website": "https://app.example",
        },
    )
    assert response.status_code == 200
    app = response.json()
    assert app["name"] == "Toot" and app["website"] == "https://app.example"
    assert app["redirect_uris"] == ["https://app.example/cb", OOB]
    assert app["redirect_uri"] == f"https://app.example/cb\n{OOB}"
    assert set(app["scopes"]) == {"read", "write:statuses"}
    assert app["client_id"] and app["client_secret"] and isinstance(app["id"], str)
    instance = (await api.client.get("/api/v2/instance")).json()
    assert app["vapid_key"] == instance["configuration"]["vapid"]["public_key"]
    token = await api.app_token("read", app)
    verified = await api.client.get(
        "/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert verified.status_code == 200
    assert verified.json()["name"] == "Toot" and "client_secret" not in verified.json()


@pytest.mark.parametrize(
    "body",
    [
        {"redirect_uris": OOB},
        {"client_name": "x", "redirect_uris": ""},
        {"client_name": "x", "redirect_uris": "not a uri"},
        {"client_name": "x", "redirect_uris": OOB, "scopes": "read everything"},
        {"client_name": "x" * 256, "redirect_uris": OOB},
        {"client_name": "x", "redirect_uris": 5},
    ],
)
async def test_register_app_rejects_bad_input(api: Api, body: dict[str, object]) -> None:
    response = await api.client.post("/api/v1/apps", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["error"], str)


async def test_password_grant(api: Api) -> None:
    alice = await api.make_user("alice")
    app = await api.register_app("read write follow")
    base = {"grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"]}
    by_email = await api.client.post(
        "/oauth/token", data={**base, "username": alice.email, "password": PASSWORD, "scope": "read write"}
    )
    assert by_email.status_code == 200, by_email.text
    body = by_email.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write"
    assert isinstance(body["created_at"], int) and body["refresh_token"] and body["expires_in"] > 0
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json()["id"] == alice.id
    by_username = await api.client.post(
        "/oauth/token", json={**base, "username": "alice", "password": PASSWORD}
    )
    assert by_username.status_code == 200 and by_username.json()["scope"] == "follow read write"

    wrong = await api.client.post(
        "/oauth/token", data={**base, "username": alice.email, "password": "nope nope"}
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    unknown = await api.client.post("/oauth/token", data={**base, "username": "ghost", "password": PASSWORD})
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    bad_secret = await api.client.post(
        "/oauth/token", data={**base, "client_secret": "x", "username": "alice", "password": PASSWORD}
    )
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    too_wide = await api.client.post(
        "/oauth/token", data={**base, "username": "alice", "password": PASSWORD, "scope": "admin:read"}
    )
    assert too_wide.status_code == 400 and too_wide.json()["error"] == "invalid_scope"
    unsupported = await api.client.post("/oauth/token", data={**base, "grant_type": "implicit"})
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"


async def test_client_credentials_with_basic_auth_gives_an_app_only_token(api: Api) -> None:
    app = await api.register_app("read write")
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = await api.client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200 and "refresh_token" not in response.json()
    token = response.json()["access_token"]
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 422


async def test_authorization_code_flow_out_of_band(api: Api) -> None:
    alice = await api.make_user("alice")
    app = await api.register_app("read write")
    page = await authorize(api.client, app, login=alice.email, password=PASSWORD, scope="read")
    assert page.status_code == 200
    code = code_from_page(page)
    token = await api.client.post("/oauth/token", data=grant(app, "authorization_code", code=code, redirect_uri=OOB))
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "read"
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)).json()[
        "id"
    ] == alice.id
    # the read-only token may not write
    patch = await api.client.patch("/api/v1/accounts/update_credentials", headers=headers, data={"note": "x"})
    assert patch.status_code == 403
    # a code works once
    again = await api.client.post("/oauth/token", data=grant(app, "authorization_code", code=code))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_authorization_code_with_pkce_and_redirect(api: Api) -> None:
    alice = await api.make_user("alice")
    app = await api.register_app("read write", redirect_uris="https://app.example/callback")
    verifier, challenge = pkce_pair()

    async def authorized(**extra: str) -> httpx.Response:
        return await authorize(
            api.client,
            app,
            login="alice",
            password=PASSWORD,
            redirect_uri="https://app.example/callback",
            code_challenge=challenge,
            code_challenge_method="S256",
            **extra,
        )

    def code_of(response: httpx.Response) -> str:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(response.headers["location"]).query))["code"]

    response = await authorized(state="xyz")
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["location"])
    assert location.netloc == "app.example"
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["state"] == "xyz"
    token_request = {
        "grant_type": "authorization_code",
        "code": query["code"],
        "client_id": app["client_id"],
        "redirect_uri": "https://app.example/callback",
    }
    wrong = await api.client.post("/oauth/token", data={**token_request, "code_verifier": "wrong" * 10})
    assert wrong.status_code == 400
    # the failed attempt consumed the code: a fresh one is needed
    code = code_of(await authorized())
    mismatched_redirect = await api.client.post(
        "/oauth/token",
        data={**token_request, "code": code, "code_verifier": verifier, "redirect_uri": "https://x.y/"},
    )
    assert mismatched_redirect.status_code == 400
    code = code_of(await authorized())
    ok = await api.client.post(
        "/oauth/token", data={**token_request, "code": code, "code_verifier": verifier}
    )
    assert ok.status_code == 200, ok.text
    me = await api.client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {ok.json()['access_token']}"},
    )
    assert me.json()["id"] == alice.id


async def test_authorize_page_rejects_bad_requests(api: Api) -> None:
    await api.make_user("alice")
    app = await api.register_app("read")
    base = {"client_id": app["client_id"], "redirect_uri": OOB, "response_type": "code"}
    assert (await api.client.get("/oauth/authorize", params={**base, "client_id": "nope"})).status_code == 400
    assert (
        await api.client.get("/oauth/authorize", params={**base, "redirect_uri": "https://evil/"})
    ).status_code == 400
    assert (await api.client.get("/oauth/authorize", params={**base, "scope": "write"})).status_code == 400
    assert (
        await api.client.get("/oauth/authorize", params={**base, "response_type": "token"})
    ).status_code == 400
    # no CSRF cookie/token: refused, and no code is issued
    forged = await api.client.post(
        "/oauth/authorize", data={**base, "username": "alice", "password": PASSWORD, "csrf_token": "guess"}
    )
    assert forged.status_code == 403
    wrong_password = await authorize(api.client, app, login="alice", password="not it at all", scope="read")
    assert wrong_password.status_code == 401 and "authorization-code" not in wrong_password.text
    denied = await authorize(api.client, app, login="alice", password=PASSWORD, scope="read", decision="deny")
    assert denied.status_code == 403 and "authorization-code" not in denied.text


async def test_refresh_token_rotates_the_pair(api: Api) -> None:
    alice = await api.make_user("alice")
    app = await api.register_app("read write")
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    first = (
        await api.client.post("/oauth/token", data=grant(app, "password", username="alice", password=PASSWORD))
    ).json()
    refreshed = await api.client.post(
        "/oauth/token", data={**creds, "grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert (
        second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
    )
    old = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {first['access_token']}"}
    )
    assert old.status_code == 401
    new = await api.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {second['access_token']}"}
    )
    assert new.json()["id"] == alice.id
    replay = await api.client.post(
        "/oauth/token", data={**creds, "grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 400
    other_app = await api.register_app("read write")
    stolen = await api.client.post(
        "/oauth/token", data=grant(other_app, "refresh_token", refresh_token=second["refresh_token"])
    )
    assert stolen.status_code == 400


async def test_revoke(api: Api) -> None:
    await api.make_user("alice")
    app = await api.register_app("read write")
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    issued = (
        await api.client.post("/oauth/token", data=grant(app, "password", username="alice", password=PASSWORD))
    ).json()
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    assert (await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)).status_code == 200
    other = await api.register_app("read")
    refused = await api.client.post(
        "/oauth/revoke",
        data={
            "token": issued["access_token"],
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
        },
    )
    assert refused.status_code == 403
    assert (await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)).status_code == 200
    revoked = await api.client.post("/oauth/revoke", data={**creds, "token": issued["access_token"]})
    assert revoked.status_code == 200 and revoked.json() == {}
    response = await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert response.status_code == 401 and response.json() == {"error": "The access token is invalid"}
    # its refresh token went with it
    refresh = await api.client.post(
        "/oauth/token", data={**creds, "grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    )
    assert refresh.status_code == 400
    unknown = await api.client.post("/oauth/revoke", data={**creds, "token": "not-a-token"})
    assert unknown.status_code == 200
    missing = await api.client.post("/oauth/revoke", data=creds)
    assert missing.status_code == 400


async def test_discovery_documents(api: Api) -> None:
    config = (await api.client.get("/.well-known/openid-configuration")).json()
    assert config["issuer"] == api.settings.base_url
    assert config["jwks_uri"].endswith("/.well-known/jwks.json")
    assert (
        "password" in config["grant_types_supported"] and "S256" in config["code_challenge_methods_supported"]
    )
    assert (
        (await api.client.get("/.well-known/oauth-authorization-server"))
        .json()["token_endpoint"]
        .endswith("/oauth/token")
    )
    jwks = (await api.client.get("/.well-known/jwks.json")).json()
    assert [key["kid"] for key in jwks["keys"]] == [api.container.infra.signing_keys.kid]
    assert all("d" not in key and key["alg"] == "RS256" for key in jwks["keys"])


async def test_keys_tokens_and_revocations_survive_a_restart(app_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "persistent"
    async with app_factory(fresh_keys=True, data_dir=data_dir) as first:
        alice = await first.make_user("alice")
        bob = await first.make_user("bob")
        kid = first.container.infra.signing_keys.kid
        await first.container.accounts.oauth.revoke_token_id(
            (await first.container.tokens.validate(bob.token)).token_id
        )
    if first.settings.signing_keys:  # production: the keys came from the settings; nothing was written
        assert not (data_dir / "keys").exists()
    else:
        assert oct((data_dir / "keys" / "signing-key.pem").stat().st_mode & 0o777) == "0o600"
    async with app_factory(data_dir=data_dir) as second:
        assert second.container.infra.signing_keys.kid == kid
        me = await second.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
        assert me.status_code == 200 and me.json()["username"] == "alice"
        revoked = await second.client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)
        assert revoked.status_code == 401


async def test_with_an_external_issuer_the_embedded_one_signs_nothing(app_factory) -> None:  # type: ignore[no-untyped-def]
    issuer = "http://127.0.0.1:9/realms/elsewhere"  # never contacted: no token is validated here
    async with app_factory(oidc_issuer=issuer) as api:
        app = await api.register_app("read write")
        token = await api.client.post("/oauth/token", data=grant(app, "client_credentials"))
        assert token.status_code == 400 and issuer in token.json()["error"]
        page = await api.client.get(
            "/oauth/authorize",
            params={"client_id": app["client_id"], "redirect_uri": OOB, "response_type": "code"},
        )
        assert page.status_code == 400
        discovery = await api.client.get("/.well-known/openid-configuration")
        assert discovery.status_code == 302 and discovery.headers["location"].startswith(issuer)
        assert (await api.client.get("/.well-known/jwks.json")).status_code == 404
        signup = await api.client.post("/api/v1/accounts", data={"username": "x"})
        assert signup.status_code == 401  # no valid token at all
