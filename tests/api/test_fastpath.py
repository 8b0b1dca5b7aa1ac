"""The raw-ASGI fast path (api/fastpath.py) answers exactly as the FastAPI routes do.

The test app (fast path on, the default) and a second app built on the same running container
with ``fast_path_enabled=False`` get the same requests: home and account-statuses pages, cursors,
``Link`` headers, and their errors (no token, an app-only token, a token without read scope,
bad cursors, unknown or malformed account ids). Status, body and ``Link`` must be identical.
In [split] the test app is the gateway in front of the role apps (the fast path in each) and the
second a monolith app on the accounts role's container: split and monolith answer alike too.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import orjson
from api_support import Api
from social_support import follow, post, settle

from rookery.workloads.api.app import create_app
from rookery.workloads.api.fastpath import FastPath
from rookery.workloads.api.routes import instance


def _uses_fast_path(api: Api) -> bool:
    app = api.split.roles["feed"].app if api.split is not None else api.app  # [split]: the home's role
    return any(m.cls is FastPath for m in app.user_middleware)


async def _answer(api: Api, path: str, headers: dict[str, str], params: dict[str, Any]) -> tuple[Any, ...]:
    response = await api.client.get(path, headers=headers, params=params)
    return (
        response.status_code,
        response.json(),
        response.headers.get("link"),
        response.headers.get("www-authenticate"),
    )


async def test_fast_path_answers_like_the_routes(api: Api) -> None:
    fast = api
    container = dataclasses.replace(
        api.container, settings=api.settings.model_copy(update={"fast_path_enabled": False})
    )
    routes_only = create_app(container)  # shares the started stores; no second lifespan
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routes_only), base_url="http://testserver"
    ) as client:
        slow = Api(routes_only, container, client)
        assert _uses_fast_path(fast) and not _uses_fast_path(slow)
        alice, bob = await fast.make_user("alice"), await fast.make_user("bob")
        carol = await fast.make_user("carol", scopes="write")  # no read scope
        await follow(fast, alice, bob)
        for n in range(4):
            await post(fast, bob, f"bob {n}", visibility="private" if n == 1 else "public")
        await post(fast, alice, "alice 0")
        await post(fast, bob, "bob reply", in_reply_to_id=(await post(fast, alice, "alice 1"))["id"])
        await settle(fast)
        app_token = await fast.app_token("read")
        home = (await fast.client.get("/api/v1/timelines/home", headers=alice.headers)).json()
        assert len(home) == 7
        cases: list[tuple[str, dict[str, str], dict[str, Any]]] = [
            ("/api/v1/timelines/home", alice.headers, {}),
            ("/api/v1/timelines/home", alice.headers, {"limit": "2"}),
            ("/api/v1/timelines/home", alice.headers, {"limit": "2", "max_id": home[1]["id"]}),
            ("/api/v1/timelines/home", alice.headers, {"min_id": home[4]["id"], "limit": "2"}),
            ("/api/v1/timelines/home", alice.headers, {"since_id": home[3]["id"], "extra": "kept"}),
            ("/api/v1/timelines/home", alice.headers, {"max_id": "not-an-id"}),
            ("/api/v1/timelines/home", alice.headers, {"limit": "many"}),
            ("/api/v1/timelines/home", {}, {}),
            ("/api/v1/timelines/home", {"Authorization": "Bearer forged"}, {}),
            ("/api/v1/timelines/home", {"Authorization": f"Bearer {app_token}"}, {}),
            ("/api/v1/timelines/home", carol.headers, {}),
            (f"/api/v1/accounts/{bob.id}/statuses", alice.headers, {"limit": "3"}),
            (f"/api/v1/accounts/{bob.id}/statuses", {}, {}),
            (f"/api/v1/accounts/{bob.id}/statuses", carol.headers, {}),
            (f"/api/v1/accounts/{bob.id}/statuses", alice.headers, {"exclude_replies": "true"}),
            (f"/api/v1/accounts/{bob.id}/statuses", alice.headers, {"pinned": "true"}),
            (f"/api/v1/accounts/{alice.id}/statuses", alice.headers, {"max_id": home[2]["id"]}),
            ("/api/v1/accounts/999999999/statuses", alice.headers, {}),
            ("/api/v1/accounts/not-an-id/statuses", alice.headers, {}),
            (f"/api/v1/accounts/{bob.id}/statuses", alice.headers, {"only_media": "perhaps"}),
        ]
        for path, headers, params in cases:
            fast_answer = await _answer(fast, path, headers, params)
            slow_answer = await _answer(slow, path, headers, params)
            assert fast_answer == slow_answer, (path, params)
            assert fast_answer[0] < 500, (path, params, fast_answer)


async def test_fast_path_serves_the_instance_like_the_route(api: Api) -> None:
    """/api/v1/instance and /api/v2/instance (on the fast path) answer as the FastAPI routes do,
    and their numbers and rules follow every change at once (the embedded store caches the numbers
    until a commit; both routes keep the body last rendered while what it was made from is equal):
    after each change the body served equals one rendered afresh."""
    container = dataclasses.replace(
        api.container, settings=api.settings.model_copy(update={"fast_path_enabled": False})
    )
    routes_only = create_app(container)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routes_only), base_url="http://testserver"
    ) as client:
        slow = Api(routes_only, container, client)
        content = api.container.accounts.instance
        assert content is not None

        async def same(expected_users: int, expected_statuses: int) -> None:
            for path in ("/api/v1/instance", "/api/v2/instance"):
                for headers in ({}, alice.headers):
                    fast_answer = await _answer(api, path, headers, {})
                    assert fast_answer == await _answer(slow, path, headers, {}), path
                    assert fast_answer[0] == 200
            # the body kept from an earlier request equals one rendered afresh now
            usage, rules = await api.container.accounts.service.usage(), await content.rules()
            fresh = instance.instance_v1(api.settings, usage, rules)
            assert (await api.client.get("/api/v1/instance")).json() == orjson.loads(orjson.dumps(fresh))
            fresh = instance.instance_v2(api.settings, usage, rules)
            if api.container.push is not None:
                fresh["configuration"]["vapid"]["public_key"] = api.container.push.service.server_key
            assert (await api.client.get("/api/v2/instance")).json() == orjson.loads(orjson.dumps(fresh))
            stats = (await api.client.get("/api/v1/instance")).json()["stats"]
            assert (stats["user_count"], stats["status_count"]) == (expected_users, expected_statuses)

        alice = await api.make_user("alice")
        await same(1, 0)
        first = await post(api, alice, "one")
        await same(1, 1)
        bob = await api.make_user("bob")
        await post(api, bob, "two")
        await same(2, 2)
        await api.client.delete(f"/api/v1/statuses/{first['id']}", headers=alice.headers)
        await same(2, 1)
        admin = await api.make_user("root", role="admin", scopes="read write admin:read admin:write")
        await same(3, 1)
        rule = await api.client.post("/api/v1/admin/rules", headers=admin.headers, json={"text": "Be kind"})
        await same(3, 1)
        await api.client.post("/api/v1/admin/rules", headers=admin.headers, json={"text": "No spam"})
        await same(3, 1)
        rule_id = rule.json()["id"]
        await api.client.put(f"/api/v1/admin/rules/{rule_id}", headers=admin.headers, json={"text": "Be kinder"})
        await same(3, 1)
        await api.client.delete(f"/api/v1/admin/rules/{rule_id}", headers=admin.headers)
        await same(3, 1)
        assert [r["text"] for r in (await api.client.get("/api/v1/instance")).json()["rules"]] == ["No spam"]
