"""Polls over HTTP: created with a status, read, voted on (single and multiple choice), totals
hidden while a hide_totals poll is open, edits, bad input refused with nothing stored, polls of
private and direct posts hidden, and expiry closing each poll once with ``poll`` notifications to
the voters and the author (also on their user channel)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from api_support import Api, User
from social_support import eventually, follow, post, settle


def poll(*options: str, expires_in: int = 600, **flags: Any) -> dict[str, Any]:
    return {"options": list(options), "expires_in": expires_in, **flags}


async def get_poll(api: Api, poll_id: str, user: User | None = None) -> Any:
    return await api.client.get(f"/api/v1/polls/{poll_id}", headers=user.headers if user else {})


async def vote(api: Api, user: User, poll_id: str, *choices: int) -> Any:
    return await api.client.post(
        f"/api/v1/polls/{poll_id}/votes", headers=user.headers, json={"choices": list(choices)}
    )


async def test_single_choice_poll(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    status = await post(api, alice, "tea or coffee?", poll=poll("tea", "coffee", "neither"))
    entity = status["poll"]
    assert entity["options"] == [
        {"title": "tea", "votes_count": 0},
        {"title": "coffee", "votes_count": 0},
        {"title": "neither", "votes_count": 0},
    ]
    assert entity["multiple"] is False and entity["expired"] is False and entity["expires_at"]
    assert entity["votes_count"] == 0 and entity["voters_count"] == 0 and entity["emojis"] == []
    assert entity["voted"] is True and entity["own_votes"] == []  # the author counts as voted
    anonymous = (await get_poll(api, entity["id"])).json()
    assert "voted" not in anonymous and "own_votes" not in anonymous
    assert (await get_poll(api, entity["id"], bob)).json()["voted"] is False

    voted = await vote(api, bob, entity["id"], 1)
    assert voted.status_code == 200, voted.text
    body = voted.json()
    assert body["voted"] is True and body["own_votes"] == [1]
    assert body["votes_count"] == 1 and body["voters_count"] == 1
    assert [o["votes_count"] for o in body["options"]] == [0, 1, 0]
    # the status carries the poll, as each viewer sees it
    seen = (await api.client.get(f"/api/v1/statuses/{status['id']}", headers=bob.headers)).json()
    assert seen["poll"]["id"] == entity["id"] and seen["poll"]["own_votes"] == [1]
    assert (await api.client.get(f"/api/v1/statuses/{status['id']}")).json()["poll"]["votes_count"] == 1

    # refused, and nothing stored: a second vote, out of range, two choices on a single-choice poll
    for voter, choices in ((bob, (0,)), (carol, (3,)), (carol, (-1,)), (carol, (0, 1)), (carol, ())):
        refused = await vote(api, voter, entity["id"], *choices)
        assert refused.status_code == 422, (choices, refused.text)
        assert "error" in refused.json()
    after = (await get_poll(api, entity["id"], carol)).json()
    assert after["votes_count"] == 1 and after["voted"] is False and after["own_votes"] == []
    assert (await vote(api, carol, "12345")).status_code in (404, 422)
    assert (await vote(api, carol, "nope", 0)).status_code == 404


async def test_multiple_choice_with_hidden_totals(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    status = await post(
        api, alice, "pick any", poll=poll("a", "b", "c", "d", multiple=True, hide_totals=True)
    )
    poll_id = status["poll"]["id"]
    assert status["poll"]["multiple"] is True
    body = (await vote(api, bob, poll_id, 0, 2)).json()
    assert body["own_votes"] == [0, 2] and body["votes_count"] == 2 and body["voters_count"] == 1
    assert [o["votes_count"] for o in body["options"]] == [None, None, None, None]  # open: hidden
    assert (await vote(api, bob, poll_id, 2)).status_code == 422  # that option again
    assert (await vote(api, bob, poll_id, 1, 1)).status_code == 422  # the same option twice
    assert (await vote(api, bob, poll_id, 3)).json()["own_votes"] == [0, 2, 3]  # another option
    body = (await vote(api, carol, poll_id, 2)).json()
    assert body["votes_count"] == 4 and body["voters_count"] == 2


async def test_bad_polls_are_refused_and_nothing_stored(api: Api) -> None:
    alice = await api.make_user("alice")
    bad: list[dict[str, Any]] = [
        {"poll": poll("only one")},
        {"poll": poll("a", "b", "c", "d", "e")},
        {"poll": poll("a", "b", expires_in=10)},
        {"poll": poll("a", "b", expires_in=2629747)},
        {"poll": poll("a", "a")},
        {"poll": poll("a", "")},
        {"poll": poll("a", "x" * 51)},
        {"poll": {"options": ["a", "b"]}},
        {"poll": poll("a", "b", expires_in="soon")},
        {"poll": "yes"},
        {"poll": poll("a", "b"), "media_ids": ["1234"]},
    ]
    for fields in bad:
        response = await api.client.post(
            "/api/v1/statuses", headers=alice.headers, json={"status": "question", **fields}
        )
        assert response.status_code == 422, (fields, response.text)
    # a form-encoded poll (poll[options][]) is read as Mastodon's clients send it
    form = await api.client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={"status": "form", "poll[options][]": ["x", "y"], "poll[expires_in]": "300"},
    )
    assert form.status_code == 200, form.text
    assert [o["title"] for o in form.json()["poll"]["options"]] == ["x", "y"]
    statuses = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert [s["content"] for s in statuses.json()] == ["<p>form</p>"]


async def test_polls_of_private_and_direct_posts_stay_hidden(api: Api) -> None:
    alice, follower, stranger, friend = await api.make_users("alice", "follower", "stranger", "friend")
    await follow(api, follower, alice)
    private = await post(api, alice, "followers only", visibility="private", poll=poll("y", "n"))
    direct = await post(api, alice, "@friend psst", visibility="direct", poll=poll("y", "n"))
    for status, allowed in ((private, follower), (direct, friend)):
        poll_id = status["poll"]["id"]
        assert (await get_poll(api, poll_id)).status_code == 404
        assert (await get_poll(api, poll_id, stranger)).status_code == 404
        assert (await vote(api, stranger, poll_id, 0)).status_code == 404
        assert (await get_poll(api, poll_id, allowed)).status_code == 200
        assert (await vote(api, allowed, poll_id, 0)).status_code == 200
    assert (await get_poll(api, private["poll"]["id"], friend)).status_code == 404


async def test_edits_follow_mastodons_rules(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    status = await post(api, alice, "q", poll=poll("a", "b"))
    poll_id = status["poll"]["id"]
    await vote(api, bob, poll_id, 0)

    async def edit(**fields: Any) -> dict[str, Any]:
        response = await api.client.put(
            f"/api/v1/statuses/{status['id']}", headers=alice.headers, json={"status": "q?", **fields}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    same = await edit(poll=poll("a", "b", expires_in=900))  # same options: the votes stay
    assert same["poll"]["id"] == poll_id and same["poll"]["votes_count"] == 1
    changed = await edit(poll=poll("a", "b", "c"))  # other options: the votes go
    assert changed["poll"]["votes_count"] == 0 and len(changed["poll"]["options"]) == 3
    assert (await get_poll(api, poll_id, bob)).json()["own_votes"] == []
    bad = await api.client.put(
        f"/api/v1/statuses/{status['id']}", headers=alice.headers, json={"status": "q", "poll": poll("a")}
    )
    assert bad.status_code == 422
    assert len((await get_poll(api, poll_id, bob)).json()["options"]) == 3  # the refused edit changed nothing
    removed = await edit()  # an edit without a poll removes it
    assert removed["poll"] is None
    assert (await get_poll(api, poll_id, bob)).status_code == 404
    added = await edit(poll=poll("yes", "no"))
    assert [o["title"] for o in added["poll"]["options"]] == ["yes", "no"]


async def poll_notifications(api: Api, user: User) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v1/notifications", headers=user.headers, params={"types[]": "poll"})
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_expiry_closes_once_and_notifies_voters_and_author(app_factory: Any) -> None:
    async with app_factory(poll_min_expires_in_s=1, poll_close_interval_s=0.2) as api:
        alice, bob, carol, dave = await api.make_users("alice", "bob", "carol", "dave")
        realtime = api.container.infra.realtime
        frames: list[dict[str, Any]] = []

        async def listen() -> None:
            async for _channel, raw in realtime.subscribe([f"user:{bob.id}"]):
                frames.append(orjson.loads(raw))

        listener = asyncio.create_task(listen())
        try:
            await asyncio.sleep(0.2)  # the subscription goes live asynchronously
            status = await post(api, alice, "quick one", poll=poll("a", "b", expires_in=2))
            poll_id = status["poll"]["id"]
            assert (await vote(api, bob, poll_id, 0)).status_code == 200
            assert (await vote(api, carol, poll_id, 1)).status_code == 200

            async def expired() -> bool:
                return bool((await get_poll(api, poll_id, dave)).json()["expired"])

            await eventually(expired)
            late = await vote(api, dave, poll_id, 0)
            assert late.status_code == 422 and "ended" in late.json()["error"]

            async def everyone_told() -> bool:
                await settle(api)
                return all([len(await poll_notifications(api, u)) == 1 for u in (alice, bob, carol)])

            await eventually(everyone_told)
            for user in (alice, bob, carol):
                (note,) = await poll_notifications(api, user)
                assert note["account"]["id"] == alice.id and note["status"]["id"] == status["id"]
                assert note["status"]["poll"]["expired"] is True
            assert await poll_notifications(api, dave) == []
            closer = api.container.social.polls
            assert await closer.close_expired() == []  # closed already: nothing twice
            await settle(api)
            assert len(await poll_notifications(api, bob)) == 1

            async def streamed() -> bool:
                return any(
                    f["event"] == "notification" and orjson.loads(f["payload"])["type"] == "poll" for f in frames
                )

            await eventually(streamed)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
