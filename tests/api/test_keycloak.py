"""The gateway validates Keycloak's tokens exactly like the embedded issuer's: configuration only.

Runs against the real Keycloak of the e2e stack (realm ``rookery``, audience mapper ``rookery``,
user ``alice``).
"""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

pytestmark = pytest.mark.needs("keycloak")


@pytest.fixture
def keycloak(stack_env: dict[str, str]) -> dict[str, str]:
    return stack_env


async def keycloak_token(env: dict[str, str]) -> str:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{env['ROOKERY_OIDC_ISSUER']}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": env["ROOKERY_OIDC_TEST_CLIENT_ID"],
                "username": env["ROOKERY_OIDC_TEST_USERNAME"],
                "password": env["ROOKERY_OIDC_TEST_PASSWORD"],
                "scope": "openid profile email",
            },
        )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_keycloak_tokens_are_accepted_and_map_to_a_local_account(
    app_factory: Any, keycloak: dict[str, str]
) -> None:
    issuer = keycloak["ROOKERY_OIDC_ISSUER"]
    async with app_factory(oidc_issuer=issuer, oidc_audience=keycloak["ROOKERY_OIDC_AUDIENCE"]) as api:
        token = await keycloak_token(keycloak)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["iss"] == issuer and jwt.get_unverified_header(token)["alg"] == "RS256"
        headers = {"Authorization": f"Bearer {token}"}
        me = await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)
        assert me.status_code == 200, me.text
        assert me.json()["username"] == keycloak["ROOKERY_OIDC_TEST_USERNAME"]
        again = await api.client.get("/api/v1/accounts/verify_credentials", headers=headers)
        assert again.json()["id"] == me.json()["id"]  # the same local account, created once
        # Keycloak granted OIDC scopes, not write:accounts: the scope rules apply to it as well
        patch = await api.client.patch(
            "/api/v1/accounts/update_credentials", headers=headers, data={"note": "x"}
        )
        assert patch.status_code == 403
        # forged variants of a real Keycloak token
        header, payload, signature = token.split(".")
        tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
        for bad in (tampered, f"{header}.{payload}."):
            rejected = await api.client.get(
                "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {bad}"}
            )
            assert rejected.status_code == 401
        # the embedded issuer is not trusted when Keycloak is configured
        local = await api.make_user("bob")
        assert (
            await api.client.get("/api/v1/accounts/verify_credentials", headers=local.headers)
        ).status_code == 401


async def test_keycloak_token_for_another_audience_is_rejected(
    app_factory: Any, keycloak: dict[str, str]
) -> None:
    async with app_factory(
        oidc_issuer=keycloak["ROOKERY_OIDC_ISSUER"], oidc_audience="another-service"
    ) as api:
        token = await keycloak_token(keycloak)
        response = await api.client.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
