"""The AI layer over the ModelClient port, against a real model server (`rookery inference
--models moderation,ranking` in a subprocess): abusive posts reach the admin queue through the
real moderation model; with the server down, posting and (ranked) home timelines keep working
and statuses are allowed; once it is back, moderation decisions resume."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from api_support import Api, User
from live_support import ModelServerProcess
from social_support import eventually, follow, home_ids, post, settle

ADMIN_SCOPES = "read write follow push admin:read admin:write"
ABUSIVE = (
    "You are a fucking idiot and everyone here knows it.",
    "Shut the fuck up, nobody asked for your opinion, moron.",
    "Go fuck yourself, you worthless piece of shit.",
)


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelServerProcess]:
    server = ModelServerProcess("moderation,ranking", log=tmp_path_factory.mktemp("models") / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def unavailable(api: Api) -> int:
    """Posts the moderation workers let through unjudged ([split]: whichever app runs the group)."""
    workers = [c.admin.moderation_worker for c in api.containers if c.admin is not None]
    return sum(worker.unavailable for worker in workers if worker is not None)


async def reported_status_ids(api: Api, moderator: User) -> set[str]:
    response = await api.client.get("/api/v1/admin/reports", headers=moderator.headers)
    assert response.status_code == 200, response.text
    return {s["id"] for r in response.json() for s in r["statuses"]}


async def test_moderation_and_ranking_survive_the_model_server_going_away(
    app_factory, model_server: ModelServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROOKERY_INFERENCE_COOLDOWN_S", "0.5")  # the breaker's trial comes quickly
    overrides = {"inference_url": model_server.url, "ranking_enabled": True, "ranking_timeout_s": 2.0}
    async with app_factory(**overrides) as api:
        alice, troll = await api.make_user("alice"), await api.make_user("troll")
        mod = await api.make_user("mod", scopes=ADMIN_SCOPES, role="moderator")
        await follow(api, alice, troll)
        await settle(api)

        # up: the real moderation model puts the abusive post in the queue; the kind one stays out
        kind = await post(api, troll, "What a lovely morning for a walk in the park.")
        abusive = await post(api, troll, ABUSIVE[0])
        await settle(api)
        await eventually(lambda: _contains(api, mod, abusive["id"]), timeout_s=10)
        assert kind["id"] not in await reported_status_ids(api, mod)
        report = (await api.client.get("/api/v1/admin/reports", headers=mod.headers)).json()[0]
        assert report["source"] == "model:moderation" and report["account"] is None
        assert "toxic" in report["labels"]
        assert kind["id"] in await home_ids(api, alice)  # ranked first page

        # down: posting, reading and the ranked home page keep working; statuses are allowed
        await asyncio.to_thread(model_server.stop)
        unavailable_before = unavailable(api)
        during = await post(api, troll, ABUSIVE[1])
        await settle(api)
        assert unavailable(api) == unavailable_before + 1
        assert during["id"] in await home_ids(api, alice)
        assert during["id"] not in await reported_status_ids(api, mod)
        more = await post(api, alice, "still here")
        assert more["id"] in await home_ids(api, alice)
        paged = await api.client.get("/api/v1/timelines/home", headers=alice.headers, params={"limit": 2})
        assert paged.status_code == 200 and len(paged.json()) == 2 and 'rel="next"' in paged.headers["link"]

        # back: decisions resume
        await settle(api)
        unavailable_down = unavailable(api)
        await asyncio.to_thread(model_server.start)
        await asyncio.sleep(0.6)  # past the breaker's cool-down
        after = await post(api, troll, ABUSIVE[2])
        await settle(api)
        await eventually(lambda: _contains(api, mod, after["id"]), timeout_s=10)
        assert unavailable(api) == unavailable_down  # answered by the model again


async def _contains(api: Api, moderator: User, status_id: str) -> bool:
    return status_id in await reported_status_ids(api, moderator)
