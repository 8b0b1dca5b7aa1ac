"""Topology split: the gateway process, which routes every API path to the role that owns it.

``create_gateway_app(container)`` is what `rookery serve --role gateway` runs when
``ROOKERY_TOPOLOGY=split``. Per request, outermost first:

1. the edge (api/gateway.py, ``proxy=True``): request id, body-size check on Content-Length,
   bearer token resolved once, rate limits with ``X-RateLimit-*`` headers;
2. ``RoleProxy``: the route table (api/roles.py, built from the roles' own routers) names the
   owning role; its base URL is ``ROOKERY_ROLE_URL_<ROLE>``. The request goes there on a pooled
   keep-alive connection (``POOL_SHARDS`` small ``httpx.AsyncClient`` pools per role), its body
   streamed as it arrives and the answer streamed back as the role writes it (SSE, media, large
   pages: nothing is buffered), except an answer of known length up to ``SMALL_BODY_BYTES``,
   which is relayed in one piece;
3. what no role owns (health, readiness, metrics, OpenAPI) the gateway answers itself.

Headers: hop-by-hop headers (RFC 9110 section 7.6.1, and whatever ``Connection`` names) are
dropped both ways; ``Host`` is kept (roles build URLs from ROOKERY_PUBLIC_URL anyway), and
``X-Forwarded-For`` (appended), ``-Proto`` and ``-Host`` are set, with ``X-Request-Id``,
``traceparent`` (the gateway's span when tracing is on), the internal credential
``X-Rookery-Internal`` and the resolved token ``X-Rookery-Auth`` (never taken from the client).
A ``Location`` that names a role's own URL is rewritten to the public URL.

Header values go on trimmed of surrounding whitespace (not part of a field value, RFC 9110 section
5.5); a request that still cannot be sent (a value HTTP forbids) is 400.
Failures answer in Mastodon's error shape, never a traceback: a role that cannot be reached (or
drops the connection) is 502, one that does not answer within ``ROOKERY_PROXY_READ_TIMEOUT_S``
(connect: ``ROOKERY_PROXY_CONNECT_TIMEOUT_S``) is 504, a role with no URL configured is 502 too.
The streaming paths have no read timeout (SSE sends a heartbeat every
``ROOKERY_STREAMING_HEARTBEAT_S``; a client that leaves closes the upstream stream at once).

WebSockets (``/api/v1/streaming``): the gateway opens the role's socket first, offering the
client's subprotocols and headers; a refused handshake is passed back as the role's HTTP answer;
then frames are relayed both ways until either side closes, with its close code.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from rookery.workloads import observability
from rookery.workloads.api import webclient
from rookery.workloads.api.app import base_app
from rookery.workloads.api.cors import Cors
from rookery.workloads.api.deps import STATE_KEY
from rookery.workloads.api.forwarded import PublicOrigin, TrustedProxies
from rookery.workloads.api.gateway import AUTH_HEADER, INTERNAL_HEADER, Gateway, encode_auth
from rookery.workloads.api.roles import RouteTable

if TYPE_CHECKING:
    from rookery.workloads.bootstrap import Container
    from rookery.workloads.settings import Settings

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# set by the gateway, never passed on from the client
_REQUEST_DROPPED = HOP_BY_HOP | {
    "host",
    "x-request-id",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    INTERNAL_HEADER,
    AUTH_HEADER,
}
# the edge adds its own request id; the server its own Date
_RESPONSE_DROPPED = HOP_BY_HOP | {"x-request-id", "date", "server"}
# WebSocket handshakes: what the client library makes itself
_WS_DROPPED = _REQUEST_DROPPED | {
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-protocol",
    "content-length",
}
STREAMING_PREFIX = "/api/v1/streaming"
POOL_SHARDS = 8  # connection pools per role (Upstreams)
SMALL_BODY_BYTES = 256 * 1024  # answers up to this size (with a Content-Length) are relayed whole
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class Upstreams:
    """Pooled keep-alive clients for each role that has a URL: ``POOL_SHARDS`` of them per role,
    each with its share of ``proxy_max_connections``, taken in turn.

    One pool of many connections costs more per request the busier it is: httpcore walks every
    connection of the pool (an expiry check with a poll() and a getpeername() each) for every
    request it starts and ends. With 32 requests in flight that walk was half of the gateway's
    CPU time, and the CPU per proxied request grew 1.7x from 1 to 32 in flight (bench/results/floor.md);
    small pools keep the walk short."""

    def __init__(self, settings: Settings, roles: set[str]) -> None:
        self.urls = {role: settings.role_url(role) for role in sorted(roles) if settings.role_url(role)}
        shards = max(1, min(POOL_SHARDS, settings.proxy_max_connections))
        per_pool = -(-settings.proxy_max_connections // shards)  # rounded up: the total is at least the setting
        limits = httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool, keepalive_expiry=30.0)
        self.timeout = httpx.Timeout(
            connect=settings.proxy_connect_timeout_s,
            read=settings.proxy_read_timeout_s,
            write=settings.proxy_read_timeout_s,
            pool=settings.proxy_connect_timeout_s,
        )
        self.connect_retry_s = settings.proxy_connect_retry_s
        self.pools = {
            role: [
                httpx.AsyncClient(limits=limits, timeout=self.timeout, trust_env=False, follow_redirects=False)
                for _ in range(shards)
            ]
            for role in self.urls
        }
        self.clients = {role: pools[0] for role, pools in self.pools.items()}  # builds the requests
        self._turn = itertools.count()

    async def send(self, role: str, request: httpx.Request) -> httpx.Response:
        """Send, retrying while the role refuses the connection (for up to ``connect_retry_s``).

        A refused or unroutable connection carried nothing of the request, so any method may be
        retried: this is the window in which a replaced pod is gone but Service routing (endpoints,
        kube-proxy) still points at it. Errors after the connection was made are not retried."""
        pools = self.pools[role]
        client = pools[next(self._turn) % len(pools)]
        deadline = time.monotonic() + self.connect_retry_s
        pause = 0.05
        while True:
            try:
                return await client.send(request, stream=True)
            except httpx.ConnectError:
                if time.monotonic() + pause > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)

    async def aclose(self) -> None:
        for pools in self.pools.values():
            for client in pools:
                await client.aclose()


def _connection_tokens(headers: list[tuple[bytes, bytes]]) -> set[str]:
    """Header names a ``Connection`` header declares hop-by-hop."""
    named: set[str] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named |= {token.strip().lower() for token in value.decode("latin-1").split(",") if token.strip()}
    return named


def _error_body(status: int, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = orjson.dumps({"error": message})
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())], body


async def _send_error(send: Send, status: int, message: str) -> None:
    headers, body = _error_body(status, message)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RoleProxy:
    """Pure ASGI: a path some role owns goes to that role; the rest to ``app`` (the gateway's own)."""

    def __init__(self, app: ASGIApp, *, settings: Settings, table: RouteTable, upstreams: Upstreams) -> None:
        self.app = app
        self.settings = settings
        self.table = table
        self.upstreams = upstreams
        self.public = settings.base_url
        self.trusted_proxies = TrustedProxies(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        found = self.table.match(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        role, route = found
        scope["route"] = route  # RED metrics and the trace span are named by the template
        if scope["type"] == "websocket":
            await self._websocket(role, scope, receive, send)
        else:
            await self._http(role, scope, receive, send)

    # -- headers ------------------------------------------------------------------------------------

    def _forwarded(self, scope: Scope, dropped: frozenset[str], *, host_header: bool = True) -> list[tuple[str, str]]:
        """The headers a role gets: the client's, less ``dropped`` and what ``Connection`` names,
        plus the gateway's (``host_header``: keep the client's Host; a WebSocket client sets its own)."""
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        dropped = dropped | _connection_tokens(raw)
        peer = scope["client"][0] if scope.get("client") else ""
        trusted = peer in self.trusted_proxies
        given: dict[str, str] = {}
        out: list[tuple[str, str]] = []
        for name_b, value_b in raw:
            # a field value has no leading or trailing whitespace (RFC 9110 section 5.5); the role's
            # HTTP client refuses to send one that does ("Bearer " was a 502)
            name, value = name_b.decode("latin-1").lower(), value_b.decode("latin-1").strip(" \t")
            if name in ("host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"):
                given[name] = value
            if name not in dropped:
                out.append((name, value))
        host = given.get("host", "")
        chain = given.get("x-forwarded-for", "") if trusted else ""
        out.append(("x-forwarded-for", f"{chain}, {peer}" if chain else peer))
        given_scheme: str = scope.get("scheme") or "http"
        scheme = {"ws": "http", "wss": "https"}.get(given_scheme, given_scheme)
        out.append(("x-forwarded-proto", given.get("x-forwarded-proto", scheme) if trusted else scheme))
        out.append(("x-forwarded-host", given.get("x-forwarded-host", host) if trusted else host))
        if host and host_header:
            out.append(("host", host))
        state = scope.get("state", {})
        if state.get("request_id"):
            out.append(("x-request-id", state["request_id"]))
        if self.settings.internal_token:
            out.append((INTERNAL_HEADER, self.settings.internal_token))
            auth = encode_auth(state.get(STATE_KEY))
            if auth is not None:
                out.append((AUTH_HEADER, auth.decode()))
        carrier: dict[str, str] = {}
        observability.inject_trace(carrier)  # the gateway's own span, when tracing is on
        if carrier:
            out = [(n, v) for n, v in out if n not in carrier] + list(carrier.items())
        return out

    def _response_headers(self, role: str, response: httpx.Response) -> list[tuple[bytes, bytes]]:
        raw = response.headers.raw
        dropped = _RESPONSE_DROPPED | _connection_tokens(raw)
        base = self.upstreams.urls[role].encode()
        out = []
        for name, value in raw:
            lowered = name.lower()
            if lowered.decode("latin-1") in dropped:
                continue
            if lowered == b"location" and value.startswith(base):
                value = self.public.encode() + value[len(base) :]
            out.append((lowered, value))
        return out

    # -- HTTP ---------------------------------------------------------------------------------------

    async def _http(self, role: str, scope: Scope, receive: Receive, send: Send) -> None:
        client = self.upstreams.clients.get(role)
        if client is None:
            await _send_error(send, 502, f"The {role} service is not configured (ROOKERY_ROLE_URL_{role.upper()})")
            return
        target = self.upstreams.urls[role] + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = self._forwarded(scope, _REQUEST_DROPPED)
        method: str = scope["method"]
        has_body = any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])
        content = _request_body(receive) if has_body or method not in _BODYLESS else None
        timeout = self.upstreams.timeout
        if scope["path"].startswith(STREAMING_PREFIX):
            timeout = httpx.Timeout(timeout.connect, read=None, write=timeout.write, pool=timeout.pool)
        request = client.build_request(method, target, headers=headers, content=content, timeout=timeout)
        try:
            response = await self.upstreams.send(role, request)
        except _ClientGone:
            return
        except httpx.LocalProtocolError as exc:  # not the role's fault: this request cannot be sent
            await _send_error(send, 400, f"Invalid request: {exc}")
            return
        except httpx.TimeoutException:
            await _send_error(send, 504, f"The {role} service did not answer in time")
            return
        except httpx.TransportError as exc:
            log.warning("proxy: %s unreachable: %s: %s", role, type(exc).__name__, exc)
            await _send_error(send, 502, f"The {role} service is unavailable")
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": self._response_headers(role, response),
                }
            )
            if method == "HEAD":
                await send({"type": "http.response.body", "body": b""})
                return
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) <= SMALL_BODY_BYTES:  # most API answers: in one piece
                await _relay_small_body(response, send)
                return
            await _relay_body(response, receive, send)
        finally:
            await response.aclose()

    # -- WebSocket ----------------------------------------------------------------------------------

    async def _websocket(self, role: str, scope: Scope, receive: Receive, send: Send) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

        connected = await receive()
        if connected["type"] != "websocket.connect":
            return
        base = self.upstreams.urls.get(role)
        if base is None:
            await _deny(scope, send, 502, f"The {role} service is not configured")
            return
        target = "ws" + base.removeprefix("http") + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = self._forwarded(scope, _WS_DROPPED, host_header=False)
        try:
            upstream = await connect(
                target,
                additional_headers=headers,
                subprotocols=scope.get("subprotocols") or None,
                open_timeout=self.settings.proxy_connect_timeout_s + self.settings.proxy_read_timeout_s,
                proxy=None,
                max_size=None,
                compression=None,
                user_agent_header=None,
            )
        except InvalidStatus as exc:
            answer = exc.response
            message = answer.body.decode("utf-8", "replace") if answer.body else ""
            await _deny(scope, send, answer.status_code, message, raw=bool(message))
            return
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            log.warning("proxy: %s socket unreachable: %s: %s", role, type(exc).__name__, exc)
            await _deny(scope, send, 502, f"The {role} service is unavailable")
            return
        async with upstream:
            await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol})

            async def client_to_role() -> None:
                while True:
                    message = await receive()
                    if message["type"] == "websocket.disconnect":
                        await upstream.close(message.get("code", 1000))
                        return
                    if message.get("text") is not None:
                        await upstream.send(message["text"])
                    elif message.get("bytes") is not None:
                        await upstream.send(message["bytes"])

            async def role_to_client() -> None:
                try:
                    async for frame in upstream:
                        if isinstance(frame, str):
                            await send({"type": "websocket.send", "text": frame})
                        else:
                            await send({"type": "websocket.send", "bytes": frame})
                except ConnectionClosed:
                    pass
                code = upstream.close_code or 1000
                with contextlib.suppress(Exception):
                    await send({"type": "websocket.close", "code": 1000 if code in (1005, 1006) else code,
                                "reason": upstream.close_reason or ""})  # fmt: skip

            await _first_of(client_to_role(), role_to_client())


async def _deny(scope: Scope, send: Send, status: int, message: str, *, raw: bool = False) -> None:
    """Refuse a WebSocket handshake with an HTTP answer where the server can send one."""
    if "websocket.http.response" in scope.get("extensions", {}):
        body = message.encode() if raw else orjson.dumps({"error": message})
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1011 if status >= 500 else 1008})


async def _first_of(*coroutines: Awaitable[None]) -> None:
    """Run until the first finishes, then cancel the rest."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.debug("proxy: relay ended: %r", task.exception())
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class _ClientGone(Exception):
    """The client went away while its request body was still arriving."""


async def _request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _relay_small_body(response: httpx.Response, send: Send) -> None:
    """A body of known, small length (``SMALL_BODY_BYTES`` at most) read whole, then sent in one
    message: no watcher of the client's side, whose two tasks per request cost more than the
    read (bounded by its length and the read timeout)."""
    chunks = []
    try:
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
    except httpx.TransportError as exc:  # the role died mid-answer: the client's connection is cut
        log.warning("proxy: answer cut short: %s: %s", type(exc).__name__, exc)
        raise
    await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": False})


async def _relay_body(response: httpx.Response, receive: Receive, send: Send) -> None:
    """Each chunk as the role writes it; stops (closing the role's stream) when the client leaves."""

    async def pump() -> None:
        try:
            async for chunk in response.aiter_raw():
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx.TransportError as exc:  # the role died mid-answer: the client's connection is cut
            log.warning("proxy: answer cut short: %s: %s", type(exc).__name__, exc)
            raise
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def client_left() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(client_left())
    try:
        await asyncio.wait([pumping, watching], return_when=asyncio.FIRST_COMPLETED)
    finally:
        watching.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watching
        if not pumping.done():
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping
    if pumping.done() and not pumping.cancelled() and pumping.exception() is not None:
        raise pumping.exception()  # type: ignore[misc]


# -- the gateway process ------------------------------------------------------------------------------


def whole_api_schema(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of every role's routes (what `rookery up` serves at /openapi.json)."""
    from rookery.workloads.api.roles import ROUTES, router_of
    from rookery.workloads.api.routes import chats

    routes = [route for entry in ROUTES for route in router_of(entry).routes]
    return get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=routes,
        tags=[chats.OPENAPI_TAG],
    )


def create_gateway_app(container: Container) -> FastAPI:
    """`rookery serve --role gateway` in topology split."""
    settings = container.settings
    table = RouteTable.of_roles()
    upstreams = Upstreams(settings, table.roles())

    app = base_app(container, on_close=[upstreams.aclose])
    schema: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not schema:
            schema.update(whole_api_schema(app))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

    app.add_middleware(RoleProxy, settings=settings, table=table, upstreams=upstreams)
    app.add_middleware(Gateway, container=container, proxy=True)
    app.add_middleware(Cors)  # preflights answered here, before the edge and the roles
    webclient.install(app, settings)  # the web client at /, its public pages read through the proxy
    app.add_middleware(PublicOrigin, settings=settings)
    observability.install(app, container)
    return app
