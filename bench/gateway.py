"""Per-request cost of the edge and of the accounts routes, in process (no sockets, one core).

    .venv/bin/python -m bench.gateway [--requests 20000]

Calls ASGI apps directly and reports microseconds per request: a bare ASGI JSON app, the same
app behind the gateway middleware (unmetered path; metered anonymous; metered with a cached
token), and whole Rookery routes (FastAPI + gateway) for an account entity served from cache and
for verify_credentials (one store read). Not a test: no pass/fail; numbers move with machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from rookery.workloads.api.app import create_app
from rookery.workloads.api.gateway import Gateway
from rookery.workloads.bootstrap import build
from rookery.workloads.settings import Settings

ASGI = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


async def bare(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


async def call(app: ASGI, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    """One GET through ``app`` over ASGI (``path`` may carry a query): its status. The client stays
    connected until the answer is sent (a second receive waits, as a server's does until the client
    leaves)."""
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080), "state": {},
    }  # fmt: skip
    await app(scope, receive, send)
    return status


async def per_request_us(app: ASGI, path: str, headers: list[tuple[bytes, bytes]], n: int) -> float:
    for _ in range(min(n, 500)):
        assert await call(app, path, headers) == 200, path
    start = time.perf_counter()
    for _ in range(n):
        await call(app, path, headers)
    return (time.perf_counter() - start) / n * 1e6


async def main(n: int) -> None:
    overrides: dict[str, Any] = {
        "data_dir": pathlib.Path(tempfile.mkdtemp(prefix="rookery-bench-")),
        "password_time_cost": 1,
        "password_memory_kib": 8192,
        "rate_limit_requests": 10**9,
    }
    settings = Settings(**overrides)
    container = build(settings)
    app = create_app(container)
    async with app.router.lifespan_context(app):
        account = await container.accounts.service.register(
            "bench", "bench@example.org", "bench password"
        )
        oauth = container.accounts.oauth
        client = await oauth.register_app("bench", "urn:ietf:wg:oauth:2.0:oob", "read", None)
        token = (await oauth.issue(client, account.id, frozenset({"read"}))).access_token
        auth = [(b"authorization", f"Bearer {token}".encode())]
        gateway = Gateway(bare, container)
        rows: list[tuple[str, Any, str, list[tuple[bytes, bytes]]]] = [
            ("bare ASGI JSON app", bare, "/", []),
            ("gateway + bare app, unmetered path", gateway, "/healthz", []),
            ("gateway + bare app, metered, anonymous", gateway, "/api/v1/x", []),
            ("gateway + bare app, metered, cached token", gateway, "/api/v1/x", auth),
            ("GET /api/v1/accounts/:id (cached entity, token)", app, f"/api/v1/accounts/{account.id}", auth),
            ("GET /api/v1/accounts/verify_credentials", app, "/api/v1/accounts/verify_credentials", auth),
        ]
        for label, target, path, headers in rows:
            print(f"{label:50s} {await per_request_us(target, path, headers, n):8.1f} us/request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    asyncio.run(main(parser.parse_args().requests))
