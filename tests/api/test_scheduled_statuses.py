"""Scheduled statuses over HTTP: ``POST /api/v1/statuses`` with ``scheduled_at`` answers a
ScheduledStatus (at least five minutes ahead, else 422 with nothing stored), list / get / move /
cancel are the owner's alone (404 to others), the media are reserved while it waits and given back
on cancel, and the publisher posts each one once when due, with its media and poll, also when two
publishers race."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from api_support import Api, User
from social_support import post
from test_media import small_png_uploaded, wait_processed

from e2e.waiting import eventually_async


def at(**delta: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**delta)).isoformat()


async def schedule(api: Api, user: User, text: str, when: str, **fields: Any) -> Any:
    return await api.client.post(
        "/api/v1/statuses", headers=user.headers, json={"status": text, "scheduled_at": when, **fields}
    )


async def scheduled_of(api: Api, user: User, **params: Any) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/scheduled_statuses", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def statuses_of(api: Api, user: User) -> list[dict[str, Any]]:
    response = await api.client.get(f"/api/v1/accounts/{user.id}/statuses", headers=user.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_schedule_list_move_and_cancel(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    when = at(minutes=10)
    response = await schedule(api, alice, "see you later", when, visibility="unlisted", spoiler_text="cw")
    assert response.status_code == 200, response.text
    entity = response.json()
    assert set(entity) == {"id", "scheduled_at", "params", "media_attachments"}
    assert entity["scheduled_at"].endswith("Z") and entity["media_attachments"] == []
    params = entity["params"]
    assert params["text"] == "see you later" and params["visibility"] == "unlisted"
    assert params["spoiler_text"] == "cw" and params["poll"] is None and params["media_ids"] is None
    assert params["scheduled_at"] is None and params["in_reply_to_id"] is None
    assert await statuses_of(api, alice) == []  # not posted yet
    second = (await schedule(api, alice, "even later", at(days=2))).json()
    assert [s["id"] for s in await scheduled_of(api, alice)] == [second["id"], entity["id"]]
    paged = await api.client.get("/api/v1/scheduled_statuses", headers=alice.headers, params={"limit": 1})
    assert [s["id"] for s in paged.json()] == [second["id"]] and "max_id=" in paged.headers["link"]
    one = await api.client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.headers)
    assert one.json() == entity

    moved_to = dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)
    moved = await api.client.put(
        f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.headers, json={"scheduled_at": moved_to.isoformat()}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["scheduled_at"][:16] == moved_to.strftime("%Y-%m-%dT%H:%M")
    too_soon = await api.client.put(
        f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.headers, json={"scheduled_at": at(minutes=1)}
    )
    assert too_soon.status_code == 422 and "must be in the future" in too_soon.json()["error"]
    kept = (await api.client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.headers)).json()
    assert kept["scheduled_at"] == moved.json()["scheduled_at"]

    # others see nothing of it
    for method in ("GET", "PUT", "DELETE"):
        response = await api.client.request(
            method,
            f"/api/v1/scheduled_statuses/{entity['id']}",
            headers=bob.headers,
            json={"scheduled_at": at(hours=5)},
        )
        assert response.status_code == 404, (method, response.text)
    assert await scheduled_of(api, bob) == []
    assert (await api.client.get("/api/v1/scheduled_statuses")).status_code == 401

    assert (await api.client.delete(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.headers)).json() == {}
    assert (
        await api.client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.headers)
    ).status_code == 404
    assert (
        await api.client.delete(f"/api/v1/scheduled_statuses/{entity['id']}", headers=alice.headers)
    ).status_code == 404
    assert [s["id"] for s in await scheduled_of(api, alice)] == [second["id"]]


async def test_bad_schedules_are_refused_and_nothing_stored(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    private = await post(api, bob, "mine", visibility="direct")
    cases: list[tuple[str, dict[str, Any]]] = [
        (at(minutes=-5), {}),  # the past
        (at(minutes=2), {}),  # under five minutes ahead
        ("tomorrow-ish", {}),
        ("2026-13-45T99:00:00Z", {}),
        (at(minutes=10), {"poll": {"options": ["only"], "expires_in": 600}}),
        (at(minutes=10), {"media_ids": ["123456"]}),
        (at(minutes=10), {"visibility": "everyone"}),
        (at(minutes=10), {"in_reply_to_id": private["id"]}),
    ]
    for when, fields in cases:
        response = await schedule(api, alice, "bad", when, **fields)
        assert response.status_code in (404, 422), (when, fields, response.text)
        assert response.json()["error"]
    blank = await schedule(api, alice, "", at(minutes=10))
    assert blank.status_code == 422
    assert await scheduled_of(api, alice) == []
    assert await statuses_of(api, alice) == []


async def test_published_once_when_due_with_media_and_poll(app_factory: Any) -> None:
    async with app_factory(scheduled_status_min_lead_s=1, scheduled_status_interval_s=0.2) as api:
        alice, bob = await api.make_users("alice", "bob")
        media = await small_png_uploaded(api, alice, "a.png")
        await wait_processed(api, alice, media["id"])
        response = await schedule(api, alice, "with a picture", at(seconds=4), media_ids=[media["id"]])
        assert response.status_code == 200, response.text
        entity = response.json()
        assert [m["id"] for m in entity["media_attachments"]] == [media["id"]]
        assert entity["params"]["media_ids"] == [media["id"]]
        asked = await schedule(
            api, alice, "a question", at(seconds=4), poll={"options": ["yes", "no"], "expires_in": 600}
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["params"]["poll"]["options"] == ["yes", "no"]
        # reserved: no other status may take the media meanwhile
        taken = await api.client.post(
            "/api/v1/statuses", headers=alice.headers, json={"status": "steal", "media_ids": [media["id"]]}
        )
        assert taken.status_code == 422, taken.text
        assert (
            await api.client.get(f"/api/v1/scheduled_statuses/{entity['id']}", headers=bob.headers)
        ).status_code == 404

        async def published() -> bool:
            return len(await statuses_of(api, alice)) == 2

        await eventually_async(published, timeout_s=30.0, interval_s=0.1, message="not published")
        question, status = await statuses_of(api, alice)
        assert status["content"] == "<p>with a picture</p>" and status["poll"] is None
        assert [m["id"] for m in status["media_attachments"]] == [media["id"]]
        assert status["id"] != entity["id"]
        assert question["content"] == "<p>a question</p>" and question["media_attachments"] == []
        assert [o["title"] for o in question["poll"]["options"]] == ["yes", "no"]
        assert await scheduled_of(api, alice) == []
        service = api.container.social.scheduled
        assert await service.publish_due() == []
        await asyncio.sleep(0.5)  # a few more publisher ticks: still one status
        assert len(await statuses_of(api, alice)) == 2


async def test_racing_publishers_post_each_once_and_cancel_gives_media_back(app_factory: Any) -> None:
    async with app_factory(scheduled_status_min_lead_s=1, scheduled_status_interval_s=0) as api:
        alice = await api.make_user("alice")
        for text in ("one", "two", "three"):
            assert (await schedule(api, alice, text, at(seconds=10))).status_code == 200
        media = await small_png_uploaded(api, alice, "b.png")
        await wait_processed(api, alice, media["id"])
        kept = (await schedule(api, alice, "cancelled", at(hours=1), media_ids=[media["id"]])).json()

        service = api.container.social.scheduled
        service.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)  # the three are due
        results = await asyncio.gather(*(service.publish_due() for _ in range(4)))
        assert sum(len(r) for r in results) == 3
        assert sorted(s["content"] for s in await statuses_of(api, alice)) == [
            "<p>one</p>", "<p>three</p>", "<p>two</p>",
        ]  # fmt: skip
        assert [s["id"] for s in await scheduled_of(api, alice)] == [kept["id"]]

        assert (await api.client.delete(f"/api/v1/scheduled_statuses/{kept['id']}", headers=alice.headers)).json() == {}
        reused = await post(api, alice, "now", media_ids=[media["id"]])
        assert [m["id"] for m in reused["media_attachments"]] == [media["id"]]


async def test_two_replicas_publish_each_once(app_factory: Any, tmp_path: Any) -> None:
    """Two processes' worth of the posts role on one store (production: one PostgreSQL and one Redis
    for the leases), both publishers running: every scheduled status is posted once."""
    shared = {"data_dir": tmp_path / "shared", "scheduled_status_min_lead_s": 1, "scheduled_status_interval_s": 0.05}
    async with app_factory(**shared) as one, app_factory(**shared) as two:
        alice = await one.make_user("alice")
        texts = [f"post {i}" for i in range(8)]
        for index, text in enumerate(texts):
            replica = (one, two)[index % 2]
            assert (await schedule(replica, alice, text, at(seconds=3))).status_code == 200

        async def all_published() -> bool:
            return not await scheduled_of(one, alice)

        await eventually_async(all_published, timeout_s=30.0, interval_s=0.1, message="not all published")
        await asyncio.sleep(0.3)  # more ticks of both publishers
        posted = [s["content"] for s in await statuses_of(two, alice)]
        assert sorted(posted) == sorted(f"<p>{t}</p>" for t in texts)
