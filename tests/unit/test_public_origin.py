"""CORS and the public origin in topology split: the gateway answers preflights itself (the roles
never see them) and opens its answers once; a role trusts the gateway's X-Forwarded-* (and only
the gateway's), so its redirects land on the public origin. Plus the pure parts of api/forwarded.py."""

from __future__ import annotations

import pathlib

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from e2e.servers import serving_asgi
from rookery.workloads.api.app import create_app
from rookery.workloads.api.forwarded import TrustedProxies, _rebase
from rookery.workloads.api.gateway import INTERNAL_HEADER
from rookery.workloads.api.proxy import create_gateway_app
from rookery.workloads.bootstrap import build
from rookery.workloads.settings import Settings

TOKEN = "internal-secret"
seen_methods: list[str] = []


async def echo(request: Request) -> Response:
    seen_methods.append(request.method)
    return JSONResponse({"path": request.url.path})


ROLE_APP = Starlette(routes=[Route("/{rest:path}", echo, methods=["GET", "POST", "OPTIONS"])])


serving = serving_asgi


async def test_the_split_gateway_answers_preflights_and_opens_answers_once(tmp_path: pathlib.Path) -> None:
    seen_methods.clear()
    async with serving(ROLE_APP) as role:
        settings = Settings(data_dir=tmp_path, topology="split", role_url_posts=role, role_url_accounts=role,
                            internal_token=TOKEN, rate_limit_requests=1)  # fmt: skip
        container = build(settings, ("gateway", "accounts"))
        app = create_gateway_app(container)
        async with app.router.lifespan_context(app), serving(app) as url, httpx.AsyncClient(base_url=url) as client:
            origin = {"origin": "https://client.example"}
            asked = {**origin, "access-control-request-method": "POST",
                     "access-control-request-headers": "authorization, idempotency-key"}  # fmt: skip
            preflights = [await client.options("/api/v1/statuses", headers=asked) for _ in range(3)]
            answer = await client.get("/api/v1/statuses/123", headers=origin)
            limited = await client.get("/api/v1/statuses/123", headers=origin)
            authorize = await client.options("/oauth/authorize", headers=asked)
    assert all(p.status_code == 204 for p in preflights)  # 3 preflights with a limit of 1: none drawn
    assert preflights[0].headers["access-control-allow-headers"] == "authorization, idempotency-key"
    assert "OPTIONS" not in seen_methods  # answered by the gateway, never proxied
    assert answer.status_code == 200 and answer.headers.get_list("access-control-allow-origin") == ["*"]
    assert limited.status_code == 429 and limited.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in authorize.headers


async def test_a_role_redirects_on_the_public_origin_the_gateway_was_told(tmp_path: pathlib.Path) -> None:
    settings = Settings(data_dir=tmp_path, topology="split", internal_token=TOKEN, password_time_cost=1,
                        password_memory_kib=8192)  # fmt: skip
    app = create_app(build(settings), serve=("accounts",))
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-host": "social.example"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://accounts") as client:
            from_gateway = await client.get("/api/v1/instance/", headers={INTERNAL_HEADER: TOKEN, **forwarded})
            forged = await client.get("/api/v1/instance/", headers={INTERNAL_HEADER: "no", **forwarded})
    assert from_gateway.status_code == 307
    assert from_gateway.headers["location"] == "https://social.example/api/v1/instance"
    assert "access-control-allow-origin" not in from_gateway.headers  # the gateway adds it, once
    assert forged.status_code == 403


def test_trusted_proxies_take_addresses_and_networks() -> None:
    trusted = TrustedProxies("10.0.0.0/8, 192.168.1.7 ,fd00::/8")
    assert "10.1.2.3" in trusted and "192.168.1.7" in trusted and "fd00::1" in trusted
    assert "192.168.1.8" not in trusted and "11.0.0.1" not in trusted and "" not in trusted
    assert "not-an-address" not in trusted and None not in trusted
    assert not TrustedProxies("") and TrustedProxies("127.0.0.1")


def test_only_locations_on_our_own_origin_are_rebased() -> None:
    own = (b"http://social.example",)
    target = b"https://social.example"
    assert _rebase(b"http://social.example/api/v1/x?y=1", own, target) == b"https://social.example/api/v1/x?y=1"
    assert _rebase(b"http://social.example", own, target) == b"https://social.example"
    assert _rebase(b"http://social.example.evil/x", own, target) == b"http://social.example.evil/x"
    assert _rebase(b"https://client.example/cb?code=1", own, target) == b"https://client.example/cb?code=1"
    assert _rebase(b"/relative", own, target) == b"/relative"
