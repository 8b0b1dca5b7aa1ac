"""Helpers behind the API fixtures (see conftest.py): ``Api`` and ``User``."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
from fastapi import FastAPI

from e2e.forms import app_form, bearer, grant, signup
from rookery.workloads.bootstrap import Container
from rookery.workloads.domain.oauth import OOB_REDIRECT, parse_scopes
from rookery.workloads.settings import Settings

PASSWORD = "correct horse battery"
DEFAULT_SCOPES = "read write follow push"
TEST_SETTINGS: dict[str, Any] = {
    "password_time_cost": 1,
    "password_memory_kib": 8192,
    "rate_limit_requests": 100_000,
    "rate_limit_auth_requests": 100_000,
    "rate_limit_create_requests": 100_000,
    "public_url": "http://testserver",
}


@dataclasses.dataclass(frozen=True)
class User:
    id: str
    username: str
    token: str
    email: str
    password: str

    @property
    def account_id(self) -> int:
        return int(self.id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    def __init__(self, app: FastAPI, container: Container, client: httpx.AsyncClient) -> None:
        self.app = app
        self.container = container
        self.settings: Settings = container.settings
        self.client = client
        self._test_app: Any = None

    async def register_app(
        self, scopes: str = DEFAULT_SCOPES, redirect_uris: str = OOB_REDIRECT
    ) -> dict[str, Any]:
        response = await self.client.post("/api/v1/apps", data=app_form("rookery tests", scopes, redirect_uris))
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def app_token(self, scopes: str = "read write", app: dict[str, Any] | None = None) -> str:
        app = app or await self.register_app()
        response = await self.client.post("/oauth/token", data=grant(app, "client_credentials", scope=scopes))
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def make_users(self, *usernames: str) -> list[User]:
        """make_user with the defaults for each name, one after the other (ids in that order)."""
        return [await self.make_user(username) for username in usernames]

    async def make_user(
        self,
        username: str,
        locked: bool = False,
        *,
        scopes: str = DEFAULT_SCOPES,
        via_http: bool = False,
        email: str | None = None,
        password: str = PASSWORD,
        role: str = "user",
    ) -> User:
        email = email or f"{username.lower()}@example.org"
        if via_http:
            app = await self.register_app(scopes)
            token = await self.app_token(scopes, app)
            response = await self.client.post(
                "/api/v1/accounts", headers=bearer(token), data=signup(username, password, email=email)
            )
            assert response.status_code == 200, response.text
            user_token = response.json()["access_token"]
            me = await self.client.get(
                "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {user_token}"}
            )
            assert me.status_code == 200, me.text
            account_id = me.json()["id"]
            if locked:
                updated = await self.client.patch(
                    "/api/v1/accounts/update_credentials",
                    headers={"Authorization": f"Bearer {user_token}"},
                    data={"locked": "true"},
                )
                assert updated.status_code == 200, updated.text
            return User(str(account_id), username, user_token, email, password)
        accounts = self.container.accounts.service
        oauth = self.container.accounts.oauth
        account = await accounts.register(username, email, password, locked=locked, role=role)
        if self._test_app is None:
            self._test_app = await oauth.register_app("rookery tests", OOB_REDIRECT, DEFAULT_SCOPES, None)
        grant = await oauth.issue(self._test_app, account.id, parse_scopes(scopes))
        return User(str(account.id), username, grant.access_token, email, password)
