"""Browser clients on other origins (CORS, as Mastodon opens its API) and the public origin behind
reverse proxies (X-Forwarded-* from trusted proxies only; redirects on ROOKERY_PUBLIC_URL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_support import Api

ORIGIN = {"Origin": "https://client.example"}


def preflight(method: str, headers: str = "authorization, content-type, idempotency-key") -> dict[str, str]:
    return {**ORIGIN, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers}


async def test_preflights_are_answered_without_a_token_and_cached(api: Api) -> None:
    for path, method in (
        ("/api/v1/apps", "POST"),
        ("/api/v1/timelines/home", "GET"),
        ("/api/v1/statuses/123", "DELETE"),
        ("/api/v1/accounts/update_credentials", "PATCH"),
        ("/oauth/token", "POST"),
        ("/oauth/revoke", "POST"),
    ):
        response = await api.client.options(path, headers=preflight(method))
        assert response.status_code == 204, (path, response.text)
        assert response.headers["access-control-allow-origin"] == "*"
        assert method in response.headers["access-control-allow-methods"]
        allowed = response.headers["access-control-allow-headers"].lower()
        assert {"authorization", "content-type", "idempotency-key"} <= {h.strip() for h in allowed.split(",")}
        assert int(response.headers["access-control-max-age"]) >= 600
        assert "access-control-allow-credentials" not in response.headers
    # a preflight that names no headers still learns the ones clients send
    bare = await api.client.options("/api/v1/statuses", headers={**ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "Idempotency-Key" in bare.headers["access-control-allow-headers"]
    # a header list that is not one gets the default list, not an echo
    odd = await api.client.options("/api/v1/statuses", headers=preflight("POST", "x\r\ny: z"))
    assert odd.status_code == 204 and "Authorization" in odd.headers["access-control-allow-headers"]


async def test_answers_on_open_paths_carry_the_origin_and_expose_link_and_rate_limits(api: Api) -> None:
    alice = await api.make_user("alice")
    for n in range(3):
        await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": f"post {n}"})
    page = await api.client.get(
        f"/api/v1/accounts/{alice.id}/statuses", params={"limit": 2}, headers={**alice.headers, **ORIGIN}
    )
    assert page.status_code == 200 and page.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in page.headers["access-control-expose-headers"].split(",")}
    assert {"link", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= exposed
    assert 'rel="next"' in page.headers["link"]
    # errors too: a browser client must be able to read a 401 or 404
    unauthorised = await api.client.get("/api/v1/timelines/home", headers=ORIGIN)
    assert unauthorised.status_code == 401 and unauthorised.headers["access-control-allow-origin"] == "*"
    missing = await api.client.get("/api/v1/statuses/1", headers=ORIGIN)
    assert missing.status_code == 404 and missing.headers["access-control-allow-origin"] == "*"
    for path in ("/.well-known/oauth-authorization-server", "/api/v2/instance"):
        answer = await api.client.get(path, headers=ORIGIN)
        assert answer.headers["access-control-allow-origin"] == "*", path
        assert answer.headers["access-control-allow-origin"].count("*") == 1


async def test_html_pages_are_not_opened_to_other_origins(api: Api) -> None:
    app = await api.register_app(redirect_uris="https://client.example/cb")
    page = await api.client.get(
        "/oauth/authorize",
        params={"response_type": "code", "client_id": app["client_id"], "redirect_uri": "https://client.example/cb"},
        headers=ORIGIN,
    )
    assert page.status_code == 200 and "access-control-allow-origin" not in page.headers
    refused = await api.client.options("/oauth/authorize", headers=preflight("POST"))
    assert refused.status_code == 405 and "access-control-allow-origin" not in refused.headers


async def test_preflights_draw_no_rate_limit(app_factory: Callable[..., Any]) -> None:
    async with app_factory(rate_limit_requests=2) as api:
        for _ in range(5):
            answer = await api.client.options("/api/v1/timelines/public", headers=preflight("GET"))
            assert answer.status_code == 204
        assert (await api.client.get("/api/v1/timelines/public")).status_code == 200
        assert (await api.client.get("/api/v1/timelines/public")).status_code == 200
        limited = await api.client.get("/api/v1/timelines/public", headers=ORIGIN)
        assert limited.status_code == 429 and limited.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("settings", "headers", "location"),
    [
        # behind a TLS-terminating proxy we trust: the client's scheme and host
        (
            {"public_url": "", "trusted_proxies": "127.0.0.1"},
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "social.example"},
            "https://social.example/api/v1/instance",
        ),
        # a CIDR range works as well as an address
        (
            {"public_url": "", "trusted_proxies": "10.0.0.0/8, 127.0.0.0/8"},
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "social.example"},
            "https://social.example/api/v1/instance",
        ),
        # forwarded headers from a peer we do not trust are ignored
        (
            {"public_url": "", "trusted_proxies": "10.1.2.3"},
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
            "http://testserver/api/v1/instance",
        ),
        # ROOKERY_PUBLIC_URL decides, whatever the proxy said
        (
            {"public_url": "https://social.example", "trusted_proxies": "127.0.0.1"},
            {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "internal:8080"},
            "https://social.example/api/v1/instance",
        ),
        ({"public_url": "https://social.example"}, {}, "https://social.example/api/v1/instance"),
    ],
)
async def test_trailing_slash_redirects_use_the_public_origin(
    app_factory: Callable[..., Any], settings: dict[str, str], headers: dict[str, str], location: str
) -> None:
    async with app_factory(**settings) as api:  # the test client's requests come from 127.0.0.1
        response = await api.client.get("/api/v1/instance/", headers=headers)
        assert response.status_code in (301, 307, 308), response.text
        assert response.headers["location"] == location


async def test_public_url_builds_every_absolute_url(app_factory: Callable[..., Any]) -> None:
    async with app_factory(public_url="https://social.example", trusted_proxies="127.0.0.1") as api:
        alice = await api.make_user("alice")
        for n in range(3):
            await api.client.post("/api/v1/statuses", headers=alice.headers, data={"status": f"post {n}"})
        forwarded = {**alice.headers, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "social.example"}
        page = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"limit": 1}, headers=forwarded)
        assert page.headers["link"].startswith(f"<https://social.example/api/v1/accounts/{alice.id}/statuses?")
        v2 = (await api.client.get("/api/v2/instance")).json()
        assert v2["configuration"]["urls"]["streaming"] == "wss://social.example"
        v1 = (await api.client.get("/api/v1/instance")).json()
        assert v1["urls"]["streaming_api"] == "wss://social.example"
        me = (await api.client.get("/api/v1/accounts/verify_credentials", headers=forwarded)).json()
        assert me["url"] == "https://social.example/@alice" and me["avatar"].startswith("https://social.example/")
        metadata = (await api.client.get("/.well-known/oauth-authorization-server")).json()
        assert metadata["issuer"].startswith("https://social.example")
        assert metadata["token_endpoint"] == "https://social.example/oauth/token"
