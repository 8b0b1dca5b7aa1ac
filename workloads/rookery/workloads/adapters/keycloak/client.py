"""Keycloak's admin REST API and token endpoint, spoken as the gateway's confidential client.

- Admin calls carry a client-credentials token of the client's service account (it needs the
  realm-management roles manage-users and view-users), cached until shortly before it expires.
- ``token`` forwards a token request (password, refresh_token, authorization_code,
  client_credentials) with the gateway's client credentials and returns Keycloak's answer as is.
- Keycloak unreachable or answering 5xx -> ``StoreUnavailable`` (the API answers 503).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from rookery.workloads.domain.unavailable import StoreUnavailable


class UserExists(Exception):
    """Keycloak already has a user with this username or e-mail (409)."""


class UserRejected(Exception):
    """Keycloak refused the user (400: e.g. its password policy); the message says why."""


class KeycloakClient:
    def __init__(self, issuer: str, client_id: str, client_secret: str, *, timeout_s: float = 10.0) -> None:
        self.issuer = issuer.rstrip("/")
        base, sep, realm = self.issuer.rpartition("/realms/")
        if not sep or not realm:
            raise ValueError(f"ROOKERY_OIDC_ISSUER {issuer!r} is not a Keycloak realm URL (…/realms/NAME)")
        self.admin_url = f"{base}/admin/realms/{realm}"
        self.token_url = f"{self.issuer}/protocol/openid-connect/token"
        self.client_id = client_id
        self.client_secret = client_secret
        self._http = httpx.AsyncClient(timeout=timeout_s)
        self._service_token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"keycloak: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise StoreUnavailable(f"keycloak answered {response.status_code} on {method} {url}")
        return response

    async def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Forward a token request as the gateway's client: (HTTP status, Keycloak's JSON)."""
        response = await self._send(
            "POST",
            self.token_url,
            data={**form, "client_id": self.client_id, "client_secret": self.client_secret},
        )
        try:
            body = response.json()
        except ValueError:
            body = {"error": "server_error", "error_description": response.text[:200]}
        return response.status_code, body if isinstance(body, dict) else {"error": "server_error"}

    async def _admin_headers(self) -> dict[str, str]:
        async with self._token_lock:
            cached = self._service_token
            if cached is None or cached[1] <= time.monotonic():
                status, body = await self.token({"grant_type": "client_credentials"})
                if status != 200 or "access_token" not in body:
                    raise StoreUnavailable(
                        f"keycloak: the gateway client cannot get a service-account token ({status}:"
                        f" {body.get('error_description') or body.get('error')})"
                    )
                lifetime = float(body.get("expires_in", 60))
                cached = (str(body["access_token"]), time.monotonic() + max(5.0, lifetime - 30.0))
                self._service_token = cached
        return {"Authorization": f"Bearer {cached[0]}"}

    async def create_user(self, username: str, email: str, password: str) -> str:
        """Create an enabled user with this password; returns its id (the ``sub`` of its tokens)."""
        user = {
            "username": username,
            "email": email,
            "enabled": True,
            "emailVerified": False,
            # Keycloak's default user profile requires both names; Mastodon has only the username
            "firstName": username,
            "lastName": username,
            "credentials": [{"type": "password", "value": password, "temporary": False}],
        }
        response = await self._send(
            "POST", f"{self.admin_url}/users", json=user, headers=await self._admin_headers()
        )
        if response.status_code == 409:
            raise UserExists(_message(response) or "User exists with same username or email")
        if response.status_code == 400:
            raise UserRejected(_message(response) or "Keycloak rejected the user")
        if response.status_code != 201:
            raise StoreUnavailable(f"keycloak: creating a user answered {response.status_code}")
        return response.headers["location"].rstrip("/").rsplit("/", 1)[-1]

    async def user(self, user_id: str) -> dict[str, Any] | None:
        response = await self._send(
            "GET", f"{self.admin_url}/users/{user_id}", headers=await self._admin_headers()
        )
        if response.status_code == 404:
            return None
        found: dict[str, Any] = response.json()
        return found

    async def delete_user(self, user_id: str) -> None:
        await self._send("DELETE", f"{self.admin_url}/users/{user_id}", headers=await self._admin_headers())


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        return str(body.get("errorMessage") or body.get("error_description") or body.get("error") or "")
    return ""
