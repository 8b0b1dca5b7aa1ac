"""The split gateway's proxy (api/proxy.py) against real HTTP servers on 127.0.0.1: a stand-in role
that echoes what it got, streams slowly, stalls or goes away, and the gateway in front of it."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from e2e.servers import free_port, serving_asgi
from rookery.workloads.api.gateway import AUTH_HEADER, INTERNAL_HEADER, decode_auth
from rookery.workloads.api.proxy import RoleProxy, Upstreams, create_gateway_app
from rookery.workloads.api.roles import RouteTable
from rookery.workloads.bootstrap import build
from rookery.workloads.settings import Settings

TOKEN = "internal-secret"
received_chunks: list[float] = []


async def echo(request: Request) -> Response:
    body = await request.body()
    headers = [[k, v] for k, v in request.headers.items()]
    url = request.url
    return JSONResponse({"method": request.method, "path": url.path, "query": url.query, "headers": headers,
                         "body": len(body)})  # fmt: skip


async def upload(request: Request) -> Response:
    """Records when each chunk arrived: a streamed body arrives in pieces, not at the end."""
    received_chunks.clear()
    size = 0
    async for chunk in request.stream():
        if chunk:
            received_chunks.append(time.monotonic())
            size += len(chunk)
    return JSONResponse({"size": size, "chunks": len(received_chunks)})


async def sse(request: Request) -> Response:
    async def events() -> AsyncIterator[bytes]:
        for n in range(3):
            yield f"event: update\ndata: {n}\n\n".encode()
            await asyncio.sleep(0.3)

    return StreamingResponse(events(), media_type="text/event-stream")


async def big(request: Request) -> Response:
    return Response(b"x" * 5_000_000, media_type="application/octet-stream")


async def slow(request: Request) -> Response:
    await asyncio.sleep(3)
    return JSONResponse({"late": True})


async def moved(request: Request) -> Response:
    host, port = request.scope["server"]  # the role's own address, as a role unaware of the gateway would
    base = f"http://{host}:{port}"
    return Response(status_code=302, headers={"location": f"{base}/api/v1/elsewhere?x=1", "connection": "x-secret",
                                              "x-secret": "hop", "x-request-id": "upstream-id"})  # fmt: skip


async def socket(ws: WebSocket) -> None:
    if ws.query_params.get("deny"):
        await ws.close(code=1008)
        return
    await ws.accept(subprotocol=ws.scope["subprotocols"][0] if ws.scope.get("subprotocols") else None)
    await ws.send_text(orjson.dumps({"internal": ws.headers.get(INTERNAL_HEADER)}).decode())
    while True:
        text = await ws.receive_text()
        if text == "bye":
            await ws.close(code=4001)
            return
        await ws.send_text("echo:" + text)


ROLE_APP = Starlette(
    routes=[
        Route("/api/v1/echo/{rest:path}", echo, methods=["GET", "POST", "DELETE", "HEAD"]),
        Route("/api/v1/upload", upload, methods=["POST"]),
        Route("/api/v1/streaming/public", sse),
        Route("/api/v1/big", big),
        Route("/api/v1/slow", slow),
        Route("/api/v1/moved", moved),
        WebSocketRoute("/api/v1/streaming", socket),
        Route("/{rest:path}", echo, methods=["GET", "POST"]),  # what the real role table sends
    ]
)
# what the gateway routes, and to whom ("nobody" has no URL configured; "gone" has a closed port)
TABLE = RouteTable(
    [
        ("posts", Route("/api/v1/echo/{rest:path}", echo, methods=["GET", "POST", "DELETE", "HEAD"])),
        ("media", Route("/api/v1/upload", upload, methods=["POST"])),
        ("feed", Route("/api/v1/streaming/public", sse)),
        ("feed", WebSocketRoute("/api/v1/streaming", socket)),
        ("posts", Route("/api/v1/big", big)),
        ("posts", Route("/api/v1/slow", slow)),
        ("posts", Route("/api/v1/moved", moved)),
        ("search", Route("/api/v2/search", echo)),
        ("admin", Route("/api/v1/admin/accounts", echo)),
    ]
)


serving = serving_asgi


async def not_found(scope: Any, receive: Any, send: Any) -> None:
    await JSONResponse({"error": "Not found"}, status_code=404)(scope, receive, send)


@contextlib.asynccontextmanager
async def gateway(**settings: Any) -> AsyncIterator[tuple[str, str]]:
    async with serving(ROLE_APP) as role:
        configured = Settings(
            role_url_posts=role, role_url_media=role, role_url_feed=role,
            role_url_search=f"http://127.0.0.1:{free_port()}",  # nothing listens there
            internal_token=TOKEN, public_url="https://social.example", proxy_read_timeout_s=1.0, **settings,
        )  # fmt: skip
        upstreams = Upstreams(configured, TABLE.roles())
        proxy = RoleProxy(not_found, settings=configured, table=TABLE, upstreams=upstreams)
        try:
            async with serving(proxy) as url:
                yield url, role
        finally:
            await upstreams.aclose()


async def test_a_request_reaches_its_role_with_method_path_query_body_and_forwarded_headers() -> None:
    async with gateway() as (url, _), httpx.AsyncClient(base_url=url) as client:
        answer = await client.post(
            "/api/v1/echo/a%2Fb?x=1&y=%C3%A9", content=b"hello",
            headers={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                     "x-forwarded-for": "6.6.6.6", INTERNAL_HEADER: "forged", AUTH_HEADER: '{"account":1}',
                     "connection": "keep-alive, x-hop", "x-hop": "drop me", "user-agent": "Tusky"},
        )  # fmt: skip
        assert answer.status_code == 200
        got = answer.json()
        headers: dict[str, list[str]] = {}
        for name, value in got["headers"]:
            headers.setdefault(name, []).append(value)
    assert (got["method"], got["path"], got["query"], got["body"]) == ("POST", "/api/v1/echo/a/b", "x=1&y=%C3%A9", 5)
    assert headers["traceparent"] == ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]
    assert headers["user-agent"] == ["Tusky"]
    # the client's own claims are never passed on: the peer is not a trusted proxy
    assert headers["x-forwarded-for"] == ["127.0.0.1"]
    assert headers["x-forwarded-proto"] == ["http"] and headers["x-forwarded-host"] == [url.removeprefix("http://")]
    assert headers["host"] == [url.removeprefix("http://")]
    assert headers[INTERNAL_HEADER] == [TOKEN]
    assert AUTH_HEADER not in headers  # no token resolved (no edge in front here)
    assert "x-hop" not in headers  # named by the client's Connection header: hop-by-hop


async def test_a_trusted_proxy_chain_is_extended() -> None:
    async with gateway(trusted_proxies="127.0.0.1") as (url, _), httpx.AsyncClient(base_url=url) as client:
        got = (await client.get("/api/v1/echo/x", headers={"x-forwarded-for": "203.0.113.9",
                                                           "x-forwarded-proto": "https"})).json()  # fmt: skip
    headers = dict(got["headers"])
    assert headers["x-forwarded-for"] == "203.0.113.9, 127.0.0.1"
    assert headers["x-forwarded-proto"] == "https"


async def test_a_role_that_is_down_is_a_502_and_one_that_stalls_a_504_in_mastodon_shape() -> None:
    async with gateway(proxy_connect_retry_s=0.2) as (url, _), httpx.AsyncClient(base_url=url) as client:
        down = await client.get("/api/v2/search")
        assert down.status_code == 502
        assert down.json() == {"error": "The search service is unavailable"}
        unset = await client.get("/api/v1/admin/accounts")
        assert unset.status_code == 502 and "ROOKERY_ROLE_URL_ADMIN" in unset.json()["error"]
        started = time.monotonic()
        late = await client.get("/api/v1/slow")
        assert late.status_code == 504 and late.json() == {"error": "The posts service did not answer in time"}
        assert time.monotonic() - started < 2.5
        # unowned paths are the gateway's own
        assert (await client.get("/nowhere")).status_code == 404


async def test_a_role_that_refuses_connections_for_a_moment_gets_the_request_once() -> None:
    """A replaced pod: its address refuses connections until Service routing moves on. Nothing was
    sent, so the gateway retries (a POST and its body too) and the role sees the request once."""
    port = free_port()
    table = RouteTable([("posts", Route("/api/v1/echo/{rest:path}", echo, methods=["POST"]))])
    configured = Settings(role_url_posts=f"http://127.0.0.1:{port}", internal_token=TOKEN, proxy_connect_retry_s=5)
    upstreams = Upstreams(configured, table.roles())
    proxy = RoleProxy(not_found, settings=configured, table=table, upstreams=upstreams)
    seen: list[int] = []

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(1)
        await ROLE_APP(scope, receive, send)

    try:
        async with serving(proxy) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
            posted = asyncio.create_task(client.post("/api/v1/echo/late", content=b"a body"))
            await asyncio.sleep(0.6)  # refused meanwhile: nothing listens on the port yet
            assert not posted.done()
            async with serving(counting, port=port):
                answer = await posted
    finally:
        await upstreams.aclose()
    assert answer.status_code == 200 and answer.json()["body"] == 6
    assert seen == [1]


async def test_server_sent_events_arrive_as_the_role_writes_them() -> None:
    async with gateway() as (url, _), httpx.AsyncClient(base_url=url) as client:
        arrivals: list[float] = []
        async with client.stream("GET", "/api/v1/streaming/public") as answer:
            assert answer.headers["content-type"].startswith("text/event-stream")
            async for chunk in answer.aiter_raw():
                if b"data:" in chunk:
                    arrivals.append(time.monotonic())
    assert len(arrivals) == 3
    assert arrivals[2] - arrivals[0] > 0.45  # not buffered to the end: ~0.3 s apart


async def test_an_upload_streams_to_the_role_and_a_large_answer_streams_back() -> None:
    async def body() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * 65536
            await asyncio.sleep(0.2)

    async with gateway() as (url, _), httpx.AsyncClient(base_url=url) as client:
        answer = await client.post("/api/v1/upload", content=body())
        assert answer.json()["size"] == 4 * 65536
        assert received_chunks[-1] - received_chunks[0] > 0.4  # chunks reached the role as sent
        large = await client.get("/api/v1/big")
        assert large.status_code == 200 and len(large.content) == 5_000_000
        assert large.headers["content-length"] == "5000000"


async def test_hop_by_hop_headers_are_dropped_and_a_role_location_is_made_public() -> None:
    async with gateway() as (url, _), httpx.AsyncClient(base_url=url) as client:
        answer = await client.get("/api/v1/moved")
    assert answer.status_code == 302
    assert answer.headers["location"] == "https://social.example/api/v1/elsewhere?x=1"
    assert "x-secret" not in answer.headers
    assert "x-request-id" not in answer.headers  # the edge sets its own


async def test_the_websocket_is_relayed_both_ways_with_subprotocol_and_close_code() -> None:
    async with gateway() as (url, _):
        ws_url = "ws" + url.removeprefix("http") + "/api/v1/streaming?stream=public"
        async with websockets.connect(ws_url, subprotocols=["tok3n"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "tok3n"
            assert orjson.loads(await ws.recv()) == {"internal": TOKEN}
            await ws.send("hi")
            assert await ws.recv() == "echo:hi"
            await ws.send("bye")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(ws_url + "&deny=1"):
                pass
        assert refused.value.response.status_code == 403


async def test_the_gateway_app_resolves_the_token_once_and_forwards_it(tmp_path: pathlib.Path) -> None:
    """The whole gateway process (edge + proxy): request id carried on, the token's outcome
    forwarded for the role to trust, rate-limit headers from the gateway."""
    async with serving(ROLE_APP) as role:
        settings = Settings(data_dir=tmp_path, topology="split", role_url_posts=role, internal_token=TOKEN)
        container = build(settings, ("gateway", "accounts"))
        app = create_gateway_app(container)
        async with app.router.lifespan_context(app), serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            anonymous = await client.get("/api/v1/statuses/123", headers={"x-request-id": "req-123"})
            forged = await client.get("/api/v1/statuses/123", headers={"authorization": "Bearer nope"})
            health = await client.get("/healthz")
            schema = await client.get("/openapi.json")
    assert anonymous.headers["x-request-id"] == "req-123"
    assert "x-ratelimit-remaining" in anonymous.headers
    sent = dict(anonymous.json()["headers"])
    assert sent["x-request-id"] == "req-123" and AUTH_HEADER not in sent
    forwarded = dict(forged.json()["headers"])
    assert forwarded["authorization"] == "Bearer nope"  # the role may still read it
    assert type(decode_auth(forwarded[AUTH_HEADER])).__name__ == "InvalidToken"
    assert health.json() == {"status": "ok"}
    assert len(schema.json()["paths"]) > 80  # the whole API's document, as `rookery up` serves it


async def test_a_role_answers_the_gateway_only_and_trusts_the_token_it_resolved(tmp_path: pathlib.Path) -> None:
    from rookery.workloads.api.app import create_app
    from rookery.workloads.api.gateway import encode_auth
    from rookery.workloads.domain.oauth import OOB_REDIRECT, AuthContext, parse_scopes

    settings = Settings(data_dir=tmp_path, topology="split", internal_token=TOKEN, password_time_cost=1,
                        password_memory_kib=8192)  # fmt: skip
    container = build(settings)
    app = create_app(container, serve=("accounts",))
    async with app.router.lifespan_context(app):
        account = await container.accounts.service.register("wren", "wren@example.org", "correct horse battery")
        oauth = container.accounts.oauth
        client_app = await oauth.register_app("t", OOB_REDIRECT, "read write", None)
        grant = await oauth.issue(client_app, account.id, parse_scopes("read write"))
        bearer = {"authorization": f"Bearer {grant.access_token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://accounts") as client:
            direct = await client.get("/api/v1/accounts/verify_credentials", headers=bearer)
            wrong = await client.get("/api/v1/accounts/verify_credentials", headers={**bearer, INTERNAL_HEADER: "no"})
            probe = await client.get("/healthz")
            ctx = AuthContext(account.id, client_app.id, frozenset({"read"}), "jti-1", time.time() + 60)
            trusted = await client.get(
                "/api/v1/accounts/verify_credentials",
                headers={INTERNAL_HEADER: TOKEN, AUTH_HEADER: encode_auth(ctx).decode()},  # type: ignore[union-attr]
            )
            me = "/api/v1/accounts/verify_credentials"
            refused = await client.get(me, headers={INTERNAL_HEADER: TOKEN, AUTH_HEADER: '{"invalid":"token"}'})
            anonymous = await client.get(me, headers={INTERNAL_HEADER: TOKEN, **bearer})
            other_role = await client.get("/api/v1/timelines/public", headers={INTERNAL_HEADER: TOKEN})
    assert direct.status_code == 403 and direct.json() == {"error": "This service answers the gateway only"}
    assert wrong.status_code == 403
    assert probe.status_code == 200
    assert trusted.status_code == 200 and trusted.json()["username"] == "wren"
    assert "x-ratelimit-limit" not in trusted.headers  # drawn at the gateway
    assert refused.status_code == 401
    # the gateway resolved no token (no X-Rookery-Auth): the role does not resolve it again
    assert anonymous.status_code == 401
    assert other_role.status_code == 404  # the feed role's route is not served here


@contextlib.asynccontextmanager
async def gateway_over_asgi() -> AsyncIterator[httpx.AsyncClient]:
    """The proxy called as an ASGI app (what a server hands it is not re-checked on the way in)."""
    async with serving(ROLE_APP) as role:
        configured = Settings(role_url_posts=role, internal_token=TOKEN)
        upstreams = Upstreams(configured, TABLE.roles())
        proxy = RoleProxy(not_found, settings=configured, table=TABLE, upstreams=upstreams)
        try:
            transport = httpx.ASGITransport(app=proxy)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield client
        finally:
            await upstreams.aclose()


async def test_header_values_go_on_trimmed_and_one_that_cannot_be_sent_is_a_400() -> None:
    async with gateway_over_asgi() as client:
        # "Bearer " was a 502: the role's HTTP client refuses a value with surrounding whitespace
        got = (await client.get("/api/v1/echo/x", headers={"authorization": "Bearer ", "x-note": " \tpadded "}))
        assert got.status_code == 200, got.text
        headers = dict(got.json()["headers"])
        assert headers["authorization"] == "Bearer" and headers["x-note"] == "padded"
        refused = await client.get("/api/v1/echo/x", headers={"x-note": "a\x00b"})
        assert refused.status_code == 400 and refused.json()["error"].startswith("Invalid request")
