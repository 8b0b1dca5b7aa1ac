"""CORS, as Mastodon opens its API to browser clients on other origins.

Open to every origin (``Access-Control-Allow-Origin: *``, never with credentials: the API is
authorised by bearer tokens, not cookies): ``/api/*``, ``/oauth/token``, ``/oauth/revoke``,
``/oauth/userinfo``, ``/.well-known/*`` and ``/nodeinfo/*``. The browser-facing HTML pages
(``/oauth/authorize``, the web client) are not: they get no CORS headers and their preflights fail.

Pure ASGI, outside the edge (api/gateway.py): a preflight (``OPTIONS`` with ``Origin`` and
``Access-Control-Request-Method``) is answered here, before authentication and rate limits, with
the methods of the path, the headers asked for, and ``Access-Control-Max-Age`` so the browser asks
once; every other answer on these paths (errors and 429s included) carries
``Access-Control-Allow-Origin`` and exposes ``Link``, ``X-RateLimit-*`` and the edge's headers.
In topology split the gateway does this; the roles behind it do not add the headers again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PREFIXES = ("/api/", "/.well-known/", "/nodeinfo/")
API_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
READ_METHODS = "GET, HEAD, OPTIONS"
POST_METHODS = "POST, OPTIONS"
OPEN_PATHS = {"/oauth/token": POST_METHODS, "/oauth/revoke": POST_METHODS, "/oauth/userinfo": "GET, POST, OPTIONS"}
# what clients send beyond the CORS-safelisted headers (answered when a preflight names none)
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-Id, Accept, Accept-Language"
EXPOSED_HEADERS = (
    b"Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Request-Id, Idempotent-Replayed"
)
OPEN_HEADERS = ((b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", EXPOSED_HEADERS))
MAX_AGE_S = 7200  # what browsers keep a preflight for at most (Chromium's cap)
_HEADER_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")


def allowed_methods(path: str) -> str | None:
    """The methods other origins may use on ``path``; None: not open to other origins."""
    if path.startswith("/api/"):
        return API_METHODS
    if path.startswith(OPEN_PREFIXES):
        return READ_METHODS
    return OPEN_PATHS.get(path)


class Cors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        methods = allowed_methods(scope["path"])
        if methods is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await self._preflight(scope, send, methods)
            return

        async def send_open(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                for name, _ in headers:
                    if name.lower() == b"access-control-allow-origin":
                        break
                else:
                    message["headers"] = [*headers, *OPEN_HEADERS]
            await send(message)

        await self.app(scope, receive, send_open)

    async def _preflight(self, scope: Scope, send: Send, methods: str) -> None:
        """Any OPTIONS on an open path: 204 with what other origins may do (a preflight, or a
        client asking; either way no token is needed and no rate limit drawn)."""
        requested = ""
        for name, value in scope["headers"]:
            if name == b"access-control-request-headers":
                requested = value.decode("latin-1").strip()
        headers = requested if requested and _HEADER_LIST.match(requested) else ALLOWED_HEADERS
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-allow-methods", methods.encode()),
                    (b"access-control-allow-headers", headers.encode("latin-1")),
                    (b"access-control-expose-headers", EXPOSED_HEADERS),
                    (b"access-control-max-age", str(MAX_AGE_S).encode()),
                    (b"allow", methods.encode()),
                    (b"vary", b"Access-Control-Request-Headers"),
                    (b"cache-control", f"public, max-age={MAX_AGE_S}".encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
