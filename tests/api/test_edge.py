"""The gateway: request ids, body limits, rate limits, idempotency keys, and clear 4xx for bad input."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from api_support import NOT_SPLIT, Api

from e2e.forms import grant, signup
from rookery.workloads.api.app import RookeryApi


async def test_request_ids_are_echoed_or_generated(api: Api) -> None:
    generated = await api.client.get("/api/v1/instance")
    assert len(generated.headers["x-request-id"]) == 32
    echoed = await api.client.get("/api/v1/instance", headers={"X-Request-Id": "abc-123.def"})
    assert echoed.headers["x-request-id"] == "abc-123.def"
    for insane in ("has spaces", "x" * 200, "<script>"):
        replaced = await api.client.get("/api/v1/instance", headers={"X-Request-Id": insane})
        assert replaced.headers["x-request-id"] != insane and len(replaced.headers["x-request-id"]) == 32
    error = await api.client.get("/api/v1/accounts/0")
    assert error.status_code == 404 and error.headers["x-request-id"]


async def test_oversize_bodies_get_413(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(max_body_bytes=1000, max_media_body_bytes=5000) as api:
        big = {"client_name": "x" * 2000, "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
        response = await api.client.post("/api/v1/apps", json=big)
        assert response.status_code == 413 and "too large" in response.json()["error"]

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the gateway counts
            for _ in range(5):
                yield b"a" * 400

        streamed = await api.client.post(
            "/api/v1/apps", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert streamed.status_code == 413
        # media routes have the larger limit: this body passes the edge (and fails later, not with 413)
        media = await api.client.post("/api/v1/media", content=b"x" * 3000)
        assert media.status_code != 413
        too_big_media = await api.client.post("/api/v1/media", content=b"x" * 6000)
        assert too_big_media.status_code == 413
        ok = await api.client.post(
            "/api/v1/apps", data={"client_name": "small", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
        )
        assert ok.status_code == 200


async def test_rate_limits_per_ip_with_headers(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(rate_limit_requests=3, rate_limit_period_s=3600) as api:
        remaining = []
        for _ in range(3):
            response = await api.client.get("/api/v1/instance")
            assert response.status_code == 200
            assert response.headers["x-ratelimit-limit"] == "3"
            remaining.append(int(response.headers["x-ratelimit-remaining"]))
            reset = dt.datetime.fromisoformat(response.headers["x-ratelimit-reset"].replace("Z", "+00:00"))
            assert reset > dt.datetime.now(dt.UTC)
        assert remaining == [2, 1, 0]
        limited = await api.client.get("/api/v1/instance")
        assert limited.status_code == 429
        assert limited.json() == {"error": "Too many requests"}
        assert int(limited.headers["retry-after"]) >= 1
        # health checks and static images are not metered
        assert (await api.client.get("/healthz")).status_code == 200


async def test_rate_limits_per_account(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(rate_limit_requests=2, rate_limit_period_s=3600) as api:
        alice = await api.make_user("alice")
        bob = await api.make_user("bob")
        for _ in range(2):
            ok = await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
            assert ok.status_code == 200
        assert (await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).status_code == 429
        # bob shares alice's address but has his own bucket
        assert (await api.client.get("/api/v1/accounts/verify_credentials", headers=bob.headers)).status_code == 200


async def test_per_account_capacity_differs_from_per_address(app_factory) -> None:  # type: ignore[no-untyped-def]
    """spec.rateLimits.perIp / perAccount (ROOKERY_RATE_LIMIT_REQUESTS / _ACCOUNT_REQUESTS)."""
    async with app_factory(rate_limit_requests=2, rate_limit_account_requests=4, rate_limit_period_s=3600) as api:
        alice = await api.make_user("alice")
        for _ in range(4):
            ok = await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
            assert ok.status_code == 200 and ok.headers["x-ratelimit-limit"] == "4"
        assert (await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)).status_code == 429
        for _ in range(2):  # anonymous requests from the same address: the per-address bucket
            assert (await api.client.get("/api/v1/instance")).status_code == 200
        assert (await api.client.get("/api/v1/instance")).status_code == 429


async def test_authentication_and_creation_classes_are_stricter(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(rate_limit_auth_requests=2, rate_limit_create_requests=1, rate_limit_requests=1000) as api:
        app = await api.register_app()
        body = grant(app, "client_credentials")
        assert (await api.client.post("/oauth/token", data=body)).status_code == 200
        second = await api.client.post("/oauth/token", data=body)
        assert second.status_code == 200 and second.headers["x-ratelimit-limit"] == "2"
        third = await api.client.post("/oauth/token", data=body)
        assert third.status_code == 429
        # the default class is a separate bucket
        assert (await api.client.get("/api/v1/instance")).status_code == 200

        alice = await api.make_user("alice")
        first = await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": "one"})
        assert first.status_code != 429
        assert first.headers["x-ratelimit-limit"] == "1"
        again = await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": "two"})
        assert again.status_code == 429


async def test_idempotency_key_replays_the_first_response(api: Api) -> None:
    body = {"client_name": "once", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    first = await api.client.post("/api/v1/apps", data=body, headers={"Idempotency-Key": "k1"})
    second = await api.client.post("/api/v1/apps", data=body, headers={"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true" and "idempotent-replayed" not in first.headers
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    fresh = await api.client.post("/api/v1/apps", data=body, headers={"Idempotency-Key": "k2"})
    assert fresh.json()["client_id"] != first.json()["client_id"]
    without = await api.client.post("/api/v1/apps", data=body)
    assert without.json()["client_id"] != first.json()["client_id"]


async def test_idempotency_key_with_a_different_request_gets_422(api: Api) -> None:
    body = {"client_name": "first", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    assert (await api.client.post("/api/v1/apps", data=body, headers={"Idempotency-Key": "k"})).status_code == 200
    other = await api.client.post(
        "/api/v1/apps", data={**body, "client_name": "second"}, headers={"Idempotency-Key": "k"}
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]
    long_key = await api.client.post("/api/v1/apps", data=body, headers={"Idempotency-Key": "x" * 300})
    assert long_key.status_code == 400


async def test_idempotency_keys_are_scoped_per_account(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    patch_body = {"client_name": "mine", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    a = await api.client.post("/api/v1/apps", data=patch_body, headers={**alice.headers, "Idempotency-Key": "same"})
    b = await api.client.post("/api/v1/apps", data=patch_body, headers={**bob.headers, "Idempotency-Key": "same"})
    assert a.status_code == b.status_code == 200
    assert a.json()["client_id"] != b.json()["client_id"]


async def test_concurrent_duplicates_wait_for_the_first_response(api: Api) -> None:
    token = await api.app_token("read write")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "signup-1"}
    data = signup("racer", "long enough pw")
    responses = await asyncio.gather(
        *(api.client.post("/api/v1/accounts", headers=headers, data=data) for _ in range(3))
    )
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({r.json()["access_token"] for r in responses}) == 1
    found = await api.container.accounts.service.search("racer")
    assert len(found) == 1


async def test_concurrent_duplicate_gets_409_when_it_cannot_wait(app_factory) -> None:  # type: ignore[no-untyped-def]
    async with app_factory(idempotency_wait_s=0) as api:
        token = await api.app_token("read write")
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "signup-2"}
        data = signup("racer", "long enough pw")
        first, second = await asyncio.gather(
            api.client.post("/api/v1/accounts", headers=headers, data=data),
            api.client.post("/api/v1/accounts", headers=headers, data=data),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        conflict = first if first.status_code == 409 else second
        assert "Idempotency-Key" in conflict.json()["error"]


async def test_bad_input_gets_clear_4xx(api: Api) -> None:
    alice = await api.make_user("alice")
    malformed = await api.client.post(
        "/api/v1/apps", content=b'{"client_name": "x", ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and "JSON" in malformed.json()["error"]
    wrong_types = await api.client.post("/api/v1/apps", json={"client_name": {"a": 1}, "redirect_uris": ["x", 3]})
    assert wrong_types.status_code == 422
    unsupported = await api.client.post("/api/v1/apps", content=b"hello", headers={"Content-Type": "text/plain"})
    assert unsupported.status_code == 415
    broken_multipart = await api.client.patch(
        "/api/v1/accounts/update_credentials",
        headers={**alice.headers, "Content-Type": "multipart/form-data; boundary=zzz"},
        content=b"--zzz\r\nnot a part",
    )
    assert broken_multipart.status_code in (400, 422)
    unknown_route = await api.client.get("/api/v1/nothing-here")
    assert unknown_route.status_code == 404 and "error" in unknown_route.json()
    wrong_method = await api.client.delete("/api/v1/instance")
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    limit_type = await api.client.get(
        "/api/v1/accounts/search", params={"q": "a", "limit": "many"}, headers=alice.headers
    )
    assert limit_type.status_code == 422


@pytest.mark.parametrize("length", [b"12abc", "\u00b2".encode("latin-1")])  # '²'.isdigit() is True in Python
async def test_invalid_content_length_gets_400(api: Api, length: bytes) -> None:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/apps",
        "raw_path": b"/api/v1/apps",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-length", length),
            (b"content-type", b"application/json"),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    await api.app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 400
    assert b"Content-Length" in sent[1]["body"]  # type: ignore[operator]


@pytest.mark.parametrize("api_mode", ["embedded"], indirect=True)  # the store is replaced in-process
async def test_the_edge_store_down_answers_503_before_and_never_500_after(
    app_factory,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """A Redis failover under the edge: a keyed POST gets 503 + Retry-After before anything is done
    (nothing posted), its answer when only storing the answer fails, and rate limits fail open."""
    from rookery.workloads.domain.unavailable import StoreUnavailable

    async with app_factory(rate_limit_create_requests=1) as api:
        alice = await api.make_user("alice")
        store, limiter = api.container.infra.idempotency, api.container.infra.rate_limiter

        async def down(*args: object, **kwargs: object) -> None:
            raise StoreUnavailable("redis: Connection refused")

        monkeypatch.setattr(store, "get", down)
        refused = await api.client.post(
            "/api/v1/statuses", headers={**alice.headers, "Idempotency-Key": "k"}, data={"status": "one"}
        )
        assert refused.status_code == 503 and refused.headers["retry-after"] == "2", refused.text
        monkeypatch.undo()
        statuses = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
        assert statuses.json() == []

        monkeypatch.setattr(store, "put", down)
        monkeypatch.setattr(limiter, "hit", down)
        for text in ("two", "three"):  # over the limit of 1, but the limiter is down: both pass
            posted = await api.client.post(
                "/api/v1/statuses", headers={**alice.headers, "Idempotency-Key": text}, data={"status": text}
            )
            assert posted.status_code == 200, posted.text
        monkeypatch.undo()
        statuses = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
        assert [s["content"] for s in statuses.json()] == ["<p>three</p>", "<p>two</p>"]


@pytest.mark.parametrize("api_mode", NOT_SPLIT, indirect=True)  # the app's own stack, in process
async def test_an_unexpected_error_is_a_json_500_on_the_fast_path_and_the_routers(api: Api) -> None:
    """FastAPI's layers that cannot act here are left out (no telemetry configured, no app-wide body
    limit), and the server-error layer still answers whatever a route raises, on either path."""
    stack, layers = api.app.build_middleware_stack(), []
    while stack is not None:
        layers.append(type(stack).__name__)
        stack = getattr(stack, "app", None)
    assert layers[0] == "ServerErrorMiddleware" and "Gateway" in layers and "FastPath" in layers
    assert not {"ExceptionTelemetryMiddleware", "AppBodyLimitMiddleware"} & set(layers)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    content = api.container.accounts.instance
    assert content is not None
    api.container.accounts.service.usage = broken  # type: ignore[method-assign]
    content.rules = broken  # type: ignore[method-assign]
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path in ("/api/v1/instance", "/api/v1/instance/rules"):  # the fast path, a FastAPI route
            response = await client.get(path)
            assert (response.status_code, response.json()) == (500, {"error": "Internal server error"}), path


def test_fastapis_layers_stay_when_its_telemetry_is_configured() -> None:
    configured = RookeryApi(telemetry=None)
    layers, stack = [], configured.build_middleware_stack()
    while stack is not None:
        layers.append(type(stack).__name__)
        stack = getattr(stack, "app", None)
    assert {"ExceptionTelemetryMiddleware", "AppBodyLimitMiddleware"} <= set(layers)
