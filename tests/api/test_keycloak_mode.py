"""Keycloak mode against the real Keycloak of the e2e stack (realm ``rookery``, the gateway's
confidential client ``rookery-gateway`` whose service account may manage users, user ``alice``).

Mastodon clients keep working: they register apps and call /oauth/token and /api/v1/accounts on
Rookery as before; the users live in Keycloak and every token is Keycloak's."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from api_support import Api
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from e2e.forms import bearer, grant, signup

pytestmark = pytest.mark.needs("keycloak")


@pytest.fixture
def keycloak(stack_env: dict[str, str]) -> dict[str, str]:
    return stack_env


@pytest.fixture
async def kc_api(app_factory: Any, keycloak: dict[str, str]) -> AsyncIterator[Api]:
    async with app_factory(
        oidc_issuer=keycloak["ROOKERY_OIDC_ISSUER"],
        oidc_audience=keycloak["ROOKERY_OIDC_AUDIENCE"],
        oidc_client_id=keycloak["ROOKERY_OIDC_CLIENT_ID"],
        oidc_client_secret=keycloak["ROOKERY_OIDC_CLIENT_SECRET"],
    ) as api:
        yield api


async def master_admin_login(client: httpx.AsyncClient, env: dict[str, str]) -> httpx.Response:
    """A password grant of the master realm's admin (admin-cli): a real Keycloak token of another realm."""
    return await client.post(
        f"{env['ROOKERY_KEYCLOAK_URL']}/realms/master/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": env["ROOKERY_KEYCLOAK_ADMIN_USER"],
            "password": env["ROOKERY_KEYCLOAK_ADMIN_PASSWORD"],
        },
    )


async def admin_get(env: dict[str, str], path: str) -> Any:
    """Keycloak's admin API as the master realm's admin (the test's own view, not the gateway's)."""
    base = env["ROOKERY_KEYCLOAK_URL"]
    async with httpx.AsyncClient(timeout=30) as client:
        login = await master_admin_login(client, env)
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        response = await client.get(
            f"{base}/admin/realms/rookery{path}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        return response.json()


async def password_grant(
    api: Api, app: dict[str, Any], username: str, password: str, scope: str
) -> httpx.Response:
    form = grant(app, "password", username=username, password=password, scope=scope)
    return await api.client.post("/oauth/token", data=form)


async def test_registration_creates_the_keycloak_user(kc_api: Api, keycloak: dict[str, str]) -> None:
    app = await kc_api.register_app()
    app_token = await kc_api.app_token("read write", app)  # a Keycloak client-credentials token
    assert (
        jwt.decode(app_token, options={"verify_signature": False})["iss"] == keycloak["ROOKERY_OIDC_ISSUER"]
    )
    username = "kc" + uuid.uuid4().hex[:10]
    form = signup(username, "kc-password-1", email=f"{username}@example.test")
    registered = await kc_api.client.post("/api/v1/accounts", headers=bearer(app_token), data=form)
    assert registered.status_code == 200, registered.text
    body = registered.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read write" and body["refresh_token"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["iss"] == keycloak["ROOKERY_OIDC_ISSUER"] and claims["preferred_username"] == username
    users = await admin_get(keycloak, f"/users?username={username}&exact=true")
    assert [u["username"] for u in users] == [username] and users[0]["id"] == claims["sub"]
    me = await kc_api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == username
    # the same name again: taken (locally and in Keycloak), a clear 422
    form = signup(username, "kc-password-1", email=f"other-{username}@example.test")
    again = await kc_api.client.post("/api/v1/accounts", headers=bearer(app_token), data=form)
    assert again.status_code == 422, again.text
    assert "error" in again.json()
    # and the new user signs in through /oauth/token like any Mastodon client's user
    signed_in = await password_grant(kc_api, app, username, "kc-password-1", "read")
    assert signed_in.status_code == 200, signed_in.text
    me_again = await kc_api.client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(signed_in.json()["access_token"])
    )
    assert me_again.json()["id"] == me.json()["id"]  # linked by sub: the same local account


async def test_password_and_refresh_grants_are_keycloaks(kc_api: Api, keycloak: dict[str, str]) -> None:
    app = await kc_api.register_app()
    username, password = keycloak["ROOKERY_OIDC_TEST_USERNAME"], keycloak["ROOKERY_OIDC_TEST_PASSWORD"]
    granted = await password_grant(kc_api, app, username, password, "read")
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert set(body) >= {"access_token", "token_type", "scope", "created_at", "expires_in", "refresh_token"}
    assert body["scope"] == "read"
    token = body["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (
        claims["iss"] == keycloak["ROOKERY_OIDC_ISSUER"]
        and claims["azp"] == keycloak["ROOKERY_OIDC_CLIENT_ID"]
    )
    me = await kc_api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == username
    # the Mastodon scopes the app asked for are the ones enforced: read only, no posting
    post = await kc_api.client.post("/api/v1/statuses", headers=bearer(token), data={"status": "hi"})
    assert post.status_code == 403
    # refresh: a new Keycloak token; the old one stops working (refresh rotates, as in embedded mode)
    refresh = grant(app, "refresh_token", refresh_token=body["refresh_token"])
    refreshed = await kc_api.client.post("/oauth/token", data=refresh)
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()["access_token"]
    assert fresh != token and refreshed.json()["scope"] == "read"
    assert (
        await kc_api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(fresh))
    ).status_code == 200
    assert (
        await kc_api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    ).status_code == 401
    # bad input: clear OAuth errors, never a 500
    wrong = await password_grant(kc_api, app, username, "not-the-password", "read")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    other_app = {"client_id": "nope", "client_secret": "nope"}
    assert (await password_grant(kc_api, other_app, username, password, "read")).status_code == 401
    too_wide = await password_grant(
        kc_api, await kc_api.register_app(scopes="read"), username, password, "write"
    )
    assert too_wide.status_code == 400 and too_wide.json()["error"] == "invalid_scope"
    stale = await kc_api.client.post("/oauth/token", data=refresh)
    assert stale.status_code == 400


def foreign_token(issuer: str, audience: str, sub: str = "someone") -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 600,
        "scope": "read write",
        "preferred_username": "mallory",
    }
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "not-keycloaks"})


async def test_tokens_of_another_issuer_or_audience_are_rejected(
    kc_api: Api, keycloak: dict[str, str], app_factory: Any
) -> None:
    issuer, audience = keycloak["ROOKERY_OIDC_ISSUER"], keycloak["ROOKERY_OIDC_AUDIENCE"]
    async with httpx.AsyncClient(timeout=30) as client:  # a real Keycloak token, but of the master realm
        master = await master_admin_login(client, keycloak)
    assert master.status_code == 200
    for bad in (
        master.json()["access_token"],
        foreign_token(issuer, audience),
        foreign_token("http://evil.example", audience),
    ):
        response = await kc_api.client.get("/api/v1/accounts/verify_credentials", headers=bearer(bad))
        assert response.status_code == 401, response.text
        assert response.json() == {"error": "The access token is invalid"}
    # a genuine token of this realm, checked by a gateway that expects another audience
    app = await kc_api.register_app()
    good = (
        await password_grant(
            kc_api,
            app,
            keycloak["ROOKERY_OIDC_TEST_USERNAME"],
            keycloak["ROOKERY_OIDC_TEST_PASSWORD"],
            "read",
        )
    ).json()["access_token"]
    async with app_factory(oidc_issuer=issuer, oidc_audience="another-service") as strict:
        rejected = await strict.client.get("/api/v1/accounts/verify_credentials", headers=bearer(good))
        assert rejected.status_code == 401


async def test_a_local_account_bound_to_another_sub_is_not_handed_over(
    kc_api: Api, keycloak: dict[str, str]
) -> None:
    from rookery.workloads.services.keycloak_mode import subject_mark

    accounts = kc_api.container.accounts.repository
    username = keycloak["ROOKERY_OIDC_TEST_USERNAME"]
    with contextlib.suppress(Exception):
        await kc_api.make_user(username)
    squatter = await accounts.by_username(username)
    squatter.password_hash = subject_mark("some-other-keycloak-user")
    await accounts.update(squatter)
    app = await kc_api.register_app()
    granted = await password_grant(kc_api, app, username, keycloak["ROOKERY_OIDC_TEST_PASSWORD"], "read")
    assert granted.status_code == 400 and granted.json()["error"] == "invalid_grant"
