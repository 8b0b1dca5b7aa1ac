"""Helpers for tests that drive a real `rookery up` process over HTTP and WebSockets."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from e2e.forms import bearer, grant, signup
from e2e.waiting import eventually_async

OOB = "urn:ietf:wg:oauth:2.0:oob"
PASSWORD = "correct horse battery"


@dataclasses.dataclass(frozen=True)
class LiveUser:
    id: str
    username: str
    token: str
    client_id: str = ""
    client_secret: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(
    client: httpx.AsyncClient, username: str, scopes: str = "read write follow push"
) -> LiveUser:
    """Exactly as a client does: an app, an app token, POST /api/v1/accounts."""
    app = (
        await client.post("/api/v1/apps", data={"client_name": "t", "redirect_uris": OOB, "scopes": scopes})
    ).json()
    granted = await client.post("/oauth/token", data=grant(app, "client_credentials", scope=scopes))
    app_token = granted.json()["access_token"]
    response = await client.post("/api/v1/accounts", headers=bearer(app_token), data=signup(username, PASSWORD))
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = await client.get("/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"})
    account_id = me.json()["id"] if me.status_code == 200 else ""
    return LiveUser(account_id, username, token, app["client_id"], app["client_secret"])


async def post(client: httpx.AsyncClient, user: LiveUser, text: str, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/statuses", headers=user.headers, json={"status": text, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


def ws_url(base: str, path: str = "/api/v1/streaming", **query: str) -> str:
    url = base.replace("http://", "ws://") + path
    if query:
        url += "?" + str(httpx.QueryParams(query))
    return url


class Socket:
    """A WebSocket client that keeps every frame it got, parsed."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    async def next(self, timeout_s: float = 10.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout_s)
        frame = dict(orjson.loads(raw))
        self.frames.append(frame)
        return frame

    async def until(self, match: Callable[[dict[str, Any]], bool], timeout_s: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            frame = await self.next(max(0.1, deadline - time.monotonic()))
            if match(frame):
                return frame

    async def send(self, body: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(body).decode())


def payload(frame: dict[str, Any]) -> Any:
    return (
        orjson.loads(frame["payload"])
        if frame.get("payload", "").startswith(("{", "[", '"'))
        else frame["payload"]
    )


async def open_socket(base: str, **query: str) -> Socket:
    return Socket(await connect(ws_url(base, **query)))


eventually = functools.partial(
    eventually_async, what="condition", timeout_s=10.0, interval_s=0.05, message="{what} not met within {timeout_s}s"
)
