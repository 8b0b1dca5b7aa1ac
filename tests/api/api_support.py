"""Helpers behind the API fixtures (see conftest.py): ``Api`` and ``User``."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from e2e.forms import app_form, bearer, grant, signup
from rookery.workloads.bootstrap import Container
from rookery.workloads.domain.oauth import OOB_REDIRECT, parse_scopes
from rookery.workloads.settings import Settings

# the API modes (conftest.py); a test that cannot mean the same in [split] runs in these
PRODUCTION_NEEDS = ("postgres", "redis", "kafka", "cassandra")
NOT_SPLIT = ["embedded", pytest.param("production", marks=pytest.mark.needs(*PRODUCTION_NEEDS))]

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
    def __init__(
        self,
        app: FastAPI,
        container: Container,
        client: httpx.AsyncClient,
        *,
        split: Any = None,
        lag: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.app = app
        self.container = container
        self.settings: Settings = container.settings
        self.client = client
        self.split = split  # [split]: the SplitTenant (split_support.py) behind the gateway ``app``
        self._lag = lag
        self._test_app: Any = None

    def container_of(self, role: str) -> Container:
        """The container whose in-process state serves ``role``'s routes: the app's own, or in
        [split] that role's app's (an in-memory hub or filter of another role's app is not it)."""
        if self.split is None:
            return self.container
        if role == "gateway":
            return self.split.gateway_container
        return self.split.roles[role].container

    @property
    def containers(self) -> list[Container]:
        """Every container serving this API: one, or in [split] each role's and the gateway's."""
        if self.split is None:
            return [self.container]
        return [server.container for server in self.split.roles.values()] + [self.split.gateway_container]

    async def event_lag(self) -> int:
        """Events some consumer has not handled yet (-1: unknown yet)."""
        if self._lag is not None:
            return await self._lag()
        bus = self.container.bus
        return int(await bus.lag()) if bus is not None and hasattr(bus, "lag") else 0

    async def once_fanned_out(
        self, method: str, path: str, done: Callable[[httpx.Response], bool], **kwargs: Any
    ) -> httpx.Response:
        """The answer to a request made right after a change one app keeps in memory and tells the
        others over Redis pub/sub (a suspension, a revocation): in one app, asked once; in [split]
        the app that made the change is not the one that answers, so asked again until ``done``
        holds (for 5 s at most: then the last answer, for the test to fail on)."""
        response = await self.client.request(method, path, **kwargs)
        deadline = time.monotonic() + 5.0
        while self.split is not None and not done(response) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            response = await self.client.request(method, path, **kwargs)
        return response

    async def moderation_told(self) -> None:
        """Until every app's moderation read filter holds what the store holds: in [split] the app
        that acted tells the others over Redis pub/sub (services/moderation.py), so a read right
        after an action (served by the posts or feed app) waits for it; one app acts and reads."""
        if self.split is None:
            return
        services = [c.admin.moderation for c in self.containers if c.admin is not None]
        deadline = time.monotonic() + 5.0
        while True:
            hidden = await services[0].store.hidden_statuses()
            suspended, silenced = await services[0].store.restricted()
            wanted = (hidden, suspended, silenced)
            if all((m.filter.hidden, m.filter.suspended, m.filter.silenced) == wanted for m in services):
                return
            assert time.monotonic() < deadline, "a moderation change did not reach every app in 5 s"
            await asyncio.sleep(0.02)

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
