"""Filters over HTTP (Mastodon 4's v2 API and the v1 shim): CRUD of filters, their keywords and
statuses, owner-only (404 to everyone else), bad input refused with nothing stored, and the filters
applied where Mastodon applies them: ``warn`` marks the status with ``filtered`` results, ``hide``
leaves it out, each in its contexts only (home and lists, notifications, public and tags, thread,
account), never on the viewer's own statuses, not once expired; also on the streaming hub, and on
the WebSocket a client opens (in [split] through the gateway, which passes it to the feed role)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import orjson
from api_support import Api, User
from social_support import follow, post, settle
from split_support import served
from streaming_support import open_socket, payload

from rookery.workloads.services.streaming import Connection, resolve_stream

ALL = ["home", "notifications", "public", "thread", "account"]


async def create(api: Api, user: User, **fields: Any) -> Any:
    return await api.client.post("/api/v2/filters", headers=user.headers, json=fields)


async def made(api: Api, user: User, **fields: Any) -> dict[str, Any]:
    response = await create(api, user, **fields)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def filters_of(api: Api, user: User) -> list[dict[str, Any]]:
    response = await api.client.get("/api/v2/filters", headers=user.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def timeline(api: Api, user: User, path: str) -> dict[str, dict[str, Any]]:
    response = await api.client.get(path, headers=user.headers)
    assert response.status_code == 200, response.text
    return {s["id"]: s for s in response.json()}


def titles(status: dict[str, Any]) -> list[str]:
    return [r["filter"]["title"] for r in status["filtered"]]


async def test_v2_filters_keywords_and_statuses(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    created = await made(
        api,
        alice,
        title="Drinks",
        context=["home", "public"],
        filter_action="warn",
        keywords_attributes=[{"keyword": "coffee", "whole_word": False}, {"keyword": "tea"}],
    )
    assert created["title"] == "Drinks" and created["context"] == ["home", "public"]
    assert created["filter_action"] == "warn" and created["expires_at"] is None and created["statuses"] == []
    assert [(k["keyword"], k["whole_word"]) for k in created["keywords"]] == [("coffee", False), ("tea", True)]
    fid = created["id"]
    coffee, tea = (k["id"] for k in created["keywords"])

    updated = await api.client.put(
        f"/api/v2/filters/{fid}",
        headers=alice.headers,
        json={
            "title": "Hot drinks",
            "filter_action": "hide",
            "expires_in": 3600,
            "keywords_attributes": [
                {"id": coffee, "_destroy": True},
                {"id": tea, "keyword": "green tea", "whole_word": False},
                {"keyword": "cocoa"},
            ],
        },
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["title"] == "Hot drinks" and body["filter_action"] == "hide" and body["expires_at"]
    assert body["context"] == ["home", "public"]
    assert [(k["keyword"], k["whole_word"]) for k in body["keywords"]] == [("green tea", False), ("cocoa", True)]

    # keywords one by one
    path = f"/api/v2/filters/{fid}/keywords"
    added = await api.client.post(path, headers=alice.headers, data={"keyword": "chai", "whole_word": "false"})
    assert added.status_code == 200 and added.json()["keyword"] == "chai" and added.json()["whole_word"] is False
    kid = added.json()["id"]
    assert [k["keyword"] for k in (await api.client.get(path, headers=alice.headers)).json()] == [
        "green tea", "cocoa", "chai",
    ]  # fmt: skip
    one = await api.client.get(f"/api/v2/filters/keywords/{kid}", headers=alice.headers)
    assert one.json() == {"id": kid, "keyword": "chai", "whole_word": False}
    changed = await api.client.put(f"/api/v2/filters/keywords/{kid}", headers=alice.headers, json={"keyword": "mate"})
    assert changed.json() == {"id": kid, "keyword": "mate", "whole_word": False}
    assert (await api.client.delete(f"/api/v2/filters/keywords/{kid}", headers=alice.headers)).json() == {}
    assert (await api.client.get(f"/api/v2/filters/keywords/{kid}", headers=alice.headers)).status_code == 404

    # statuses
    status = await post(api, bob, "a post to filter")
    spath = f"/api/v2/filters/{fid}/statuses"
    added = await api.client.post(spath, headers=alice.headers, data={"status_id": status["id"]})
    assert added.status_code == 200, added.text
    sid = added.json()["id"]
    assert added.json()["status_id"] == status["id"]
    assert (await api.client.post(spath, headers=alice.headers, data={"status_id": status["id"]})).status_code == 422
    assert (await api.client.post(spath, headers=alice.headers, data={"status_id": "123"})).status_code == 404
    assert (await api.client.get(spath, headers=alice.headers)).json() == [{"id": sid, "status_id": status["id"]}]
    one = await api.client.get(f"/api/v2/filters/statuses/{sid}", headers=alice.headers)
    assert one.json() == {"id": sid, "status_id": status["id"]}
    assert (await api.client.get(f"/api/v2/filters/{fid}", headers=alice.headers)).json()["statuses"] == [
        {"id": sid, "status_id": status["id"]}
    ]

    # nobody else sees or changes any of it
    for method, url in (
        ("GET", f"/api/v2/filters/{fid}"),
        ("PUT", f"/api/v2/filters/{fid}"),
        ("DELETE", f"/api/v2/filters/{fid}"),
        ("GET", f"/api/v2/filters/{fid}/keywords"),
        ("POST", f"/api/v2/filters/{fid}/keywords"),
        ("GET", f"/api/v2/filters/keywords/{tea}"),
        ("PUT", f"/api/v2/filters/keywords/{tea}"),
        ("DELETE", f"/api/v2/filters/keywords/{tea}"),
        ("GET", f"/api/v2/filters/{fid}/statuses"),
        ("POST", f"/api/v2/filters/{fid}/statuses"),
        ("GET", f"/api/v2/filters/statuses/{sid}"),
        ("DELETE", f"/api/v2/filters/statuses/{sid}"),
        ("GET", f"/api/v1/filters/{tea}"),
        ("PUT", f"/api/v1/filters/{tea}"),
        ("DELETE", f"/api/v1/filters/{tea}"),
    ):
        response = await api.client.request(
            method, url, headers=bob.headers, json={"keyword": "x", "status_id": status["id"], "phrase": "x",
                                                     "context": ["home"]}
        )  # fmt: skip
        assert response.status_code == 404, (method, url, response.text)
        assert response.json() == {"error": "Record not found"}
    assert await filters_of(api, bob) == []
    (kept,) = await filters_of(api, alice)
    assert kept["title"] == "Hot drinks" and len(kept["keywords"]) == 2 and len(kept["statuses"]) == 1
    assert (await api.client.get("/api/v2/filters")).status_code == 401

    assert (await api.client.delete(f"/api/v2/filters/statuses/{sid}", headers=alice.headers)).json() == {}
    assert (await api.client.delete(f"/api/v2/filters/{fid}", headers=alice.headers)).json() == {}
    assert await filters_of(api, alice) == []
    assert (await api.client.get(f"/api/v2/filters/keywords/{tea}", headers=alice.headers)).status_code == 404


async def test_bad_filters_are_refused_and_nothing_stored(api: Api) -> None:
    alice = await api.make_user("alice")
    ok = {"title": "t", "context": ["home"], "keywords_attributes": [{"keyword": "k"}]}
    bad: list[dict[str, Any]] = [
        {**ok, "title": ""},
        {**ok, "title": None},
        {**ok, "context": []},
        {**ok, "context": ["everywhere"]},
        {**ok, "filter_action": "explode"},
        {**ok, "keywords_attributes": [{"keyword": ""}]},
        {**ok, "keywords_attributes": [{"whole_word": True}]},
        {**ok, "keywords_attributes": "coffee"},
        {**ok, "expires_in": -5},
        {**ok, "expires_in": "soon"},
        {**ok, "title": "x" * 300},
    ]
    for fields in bad:
        response = await create(api, alice, **fields)
        assert response.status_code == 422, (fields, response.text)
        assert response.json()["error"]
    # a keyword id on create is Mastodon's 404
    assert (await create(api, alice, **{**ok, "keywords_attributes": [{"id": "5", "keyword": "k"}]})).status_code == 404
    assert await filters_of(api, alice) == []

    fid = (await made(api, alice, **ok))["id"]
    for fields in ({"context": ["nowhere"]}, {"title": " "}, {"keywords_attributes": [{"id": "99", "keyword": "z"}]}):
        refused = await api.client.put(f"/api/v2/filters/{fid}", headers=alice.headers, json=fields)
        assert refused.status_code in (404, 422), (fields, refused.text)
    refused = await api.client.post(f"/api/v2/filters/{fid}/keywords", headers=alice.headers, json={"keyword": " "})
    assert refused.status_code == 422 and "Keyword can't be blank" in refused.json()["error"]
    assert (await api.client.get("/api/v2/filters/nope", headers=alice.headers)).status_code == 404
    (kept,) = await filters_of(api, alice)
    assert kept["title"] == "t" and kept["context"] == ["home"] and [k["keyword"] for k in kept["keywords"]] == ["k"]
    # v1: a blank phrase or context
    for fields in ({"phrase": "", "context": ["home"]}, {"phrase": "x", "context": []}, {"phrase": "x"}):
        refused = await api.client.post("/api/v1/filters", headers=alice.headers, json=fields)
        assert refused.status_code == 422, (fields, refused.text)
    assert len(await filters_of(api, alice)) == 1


async def test_v1_shim_maps_onto_v2(api: Api) -> None:
    alice = await api.make_user("alice")
    v1 = await api.client.post(
        "/api/v1/filters",
        headers=alice.headers,
        data={"phrase": "spoiler", "context[]": ["home", "thread"], "irreversible": "true", "expires_in": "600"},
    )
    assert v1.status_code == 200, v1.text
    entity = v1.json()
    assert entity["phrase"] == "spoiler" and entity["context"] == ["home", "thread"]
    assert entity["irreversible"] is True and entity["whole_word"] is False and entity["expires_at"]
    (group,) = await filters_of(api, alice)
    assert group["title"] == "spoiler" and group["filter_action"] == "hide"
    assert group["keywords"] == [{"id": entity["id"], "keyword": "spoiler", "whole_word": False}]
    assert (await api.client.get("/api/v1/filters", headers=alice.headers)).json() == [entity]

    changed = await api.client.put(
        f"/api/v1/filters/{entity['id']}",
        headers=alice.headers,
        json={"phrase": "spoilers", "context": ["home"], "irreversible": False, "whole_word": True},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["phrase"] == "spoilers" and changed.json()["irreversible"] is False
    assert changed.json()["context"] == ["home"] and changed.json()["whole_word"] is True
    # a filter of several keywords: only phrase and whole_word may change through v1
    await api.client.post(f"/api/v2/filters/{group['id']}/keywords", headers=alice.headers, json={"keyword": "leak"})
    refused = await api.client.put(
        f"/api/v1/filters/{entity['id']}", headers=alice.headers, json={"context": ["public"]}
    )
    assert refused.status_code == 422
    assert len((await api.client.get("/api/v1/filters", headers=alice.headers)).json()) == 2
    # deleting a v1 filter removes its keyword only
    assert (await api.client.delete(f"/api/v1/filters/{entity['id']}", headers=alice.headers)).json() == {}
    (group,) = await filters_of(api, alice)
    assert [k["keyword"] for k in group["keywords"]] == ["leak"] and group["context"] == ["home"]


async def test_warn_and_hide_where_they_apply(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    await follow(api, alice, bob)
    warn = await made(
        api, alice, title="Caffeine", context=ALL, filter_action="warn", keywords_attributes=[{"keyword": "coffee"}]
    )
    await made(
        api, alice, title="Spoilers", context=["home", "notifications", "thread"], filter_action="hide",
        keywords_attributes=[{"keyword": "spoiler", "whole_word": True}],
    )  # fmt: skip
    coffee = await post(api, bob, "I like #coffee a lot")
    spoiler = await post(api, bob, "the spoiler: it was the butler")
    unmatched = await post(api, bob, "spoilerific but not a whole word")
    mention = await post(api, bob, "@alice coffee later?")
    hidden_mention = await post(api, bob, "@alice no spoiler, promise")
    own = await post(api, alice, "my coffee")
    await settle(api)

    home = await timeline(api, alice, "/api/v1/timelines/home")
    assert titles(home[coffee["id"]]) == ["Caffeine"]
    (result,) = home[coffee["id"]]["filtered"]
    assert result["keyword_matches"] == ["coffee"] and result["status_matches"] is None
    assert result["filter"] == {
        "id": warn["id"], "title": "Caffeine", "context": ALL, "expires_at": None, "filter_action": "warn",
    }  # fmt: skip
    assert spoiler["id"] not in home and hidden_mention["id"] not in home
    assert home[unmatched["id"]]["filtered"] == [] and home[own["id"]]["filtered"] == []
    # the hide filter is not for public timelines: there the post shows, unmarked
    public = await timeline(api, alice, "/api/v1/timelines/public")
    assert titles(public[coffee["id"]]) == ["Caffeine"] and public[spoiler["id"]]["filtered"] == []
    tag = await timeline(api, alice, "/api/v1/timelines/tag/coffee")
    assert titles(tag[coffee["id"]]) == ["Caffeine"]
    profile = await timeline(api, alice, f"/api/v1/accounts/{bob.id}/statuses")
    assert titles(profile[coffee["id"]]) == ["Caffeine"] and spoiler["id"] in profile
    # others are not filtered by alice's filters, nor is anyone without a token
    assert (await timeline(api, bob, "/api/v1/timelines/public"))[coffee["id"]]["filtered"] == []
    anonymous = (await api.client.get("/api/v1/timelines/public")).json()
    assert all(s["filtered"] == [] for s in anonymous)

    # lists are the home context
    made_list = (await api.client.post("/api/v1/lists", headers=alice.headers, json={"title": "b"})).json()
    await api.client.post(
        f"/api/v1/lists/{made_list['id']}/accounts", headers=alice.headers, json={"account_ids": [bob.id]}
    )
    listed = await timeline(api, alice, f"/api/v1/timelines/list/{made_list['id']}")
    assert spoiler["id"] not in listed
    # a thread
    root = await post(api, alice, "what happened?")
    reply = await post(api, bob, "spoiler alert", in_reply_to_id=root["id"])
    warned = await post(api, bob, "and coffee", in_reply_to_id=root["id"])
    context = (await api.client.get(f"/api/v1/statuses/{root['id']}/context", headers=alice.headers)).json()
    descendants = {s["id"]: s for s in context["descendants"]}
    assert reply["id"] not in descendants and titles(descendants[warned["id"]]) == ["Caffeine"]
    # a status asked for by id is never left out: it carries the thread context's results, hide's too
    single = (await api.client.get(f"/api/v1/statuses/{reply['id']}", headers=alice.headers)).json()
    assert titles(single) == ["Spoilers"] and single["filtered"][0]["filter"]["filter_action"] == "hide"
    assert (await api.client.get(f"/api/v1/statuses/{reply['id']}")).json()["filtered"] == []

    # notifications: warned ones marked, hidden ones left out
    notes = (await api.client.get("/api/v1/notifications", headers=alice.headers)).json()
    by_status = {n["status"]["id"]: n for n in notes if n.get("status")}
    assert titles(by_status[mention["id"]]["status"]) == ["Caffeine"]
    assert hidden_mention["id"] not in by_status
    grouped = (await api.client.get("/api/v2/notifications", headers=alice.headers)).json()
    group_statuses = {s["id"]: s for s in grouped["statuses"]}
    assert titles(group_statuses[mention["id"]]) == ["Caffeine"] and hidden_mention["id"] not in group_statuses
    assert hidden_mention["id"] not in [g.get("status_id") for g in grouped["notification_groups"]]

    # a reblog of a matched status is matched too, on both levels
    carol = await api.make_user("carol")
    await follow(api, alice, carol)
    reblog = await api.client.post(f"/api/v1/statuses/{coffee['id']}/reblog", headers=carol.headers)
    assert reblog.status_code == 200, reblog.text
    await settle(api)
    home = await timeline(api, alice, "/api/v1/timelines/home")
    boosted = home.get(reblog.json()["id"])
    if boosted is not None:  # Mastodon leaves out a reblog of what the viewer saw already; ours shows it
        assert titles(boosted) == ["Caffeine"] and titles(boosted["reblog"]) == ["Caffeine"]


async def test_status_filters_and_expiry(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    await follow(api, alice, bob)
    target = await post(api, bob, "nothing to see")
    other = await post(api, bob, "something else")
    group = await made(api, alice, title="That one", context=["home"], filter_action="hide")
    await api.client.post(
        f"/api/v2/filters/{group['id']}/statuses", headers=alice.headers, json={"status_id": target["id"]}
    )
    warn = await made(api, alice, title="Soon over", context=["home"], expires_in=3600, keywords_attributes=[
        {"keyword": "something"}])  # fmt: skip
    await settle(api)
    home = await timeline(api, alice, "/api/v1/timelines/home")
    assert target["id"] not in home and titles(home[other["id"]]) == ["Soon over"]
    await api.client.put(f"/api/v2/filters/{group['id']}", headers=alice.headers, json={"filter_action": "warn"})
    home = await timeline(api, alice, "/api/v1/timelines/home")
    (result,) = home[target["id"]]["filtered"]
    assert result["status_matches"] == [target["id"]] and result["keyword_matches"] is None

    # once expired, a filter is ignored (the service's clock moved past expires_at)
    filters = api.container_of("feed").social.filters  # [split]: the app that serves the home
    filters.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    home = await timeline(api, alice, "/api/v1/timelines/home")
    assert home[other["id"]]["filtered"] == [] and titles(home[target["id"]]) == ["That one"]
    listed = {f["id"]: f for f in await filters_of(api, alice)}
    assert listed[warn["id"]]["expires_at"]  # still listed for its owner


async def test_streaming_hub_applies_the_viewers_filters(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    await follow(api, alice, bob)
    await made(api, alice, title="W", context=["home", "public"], keywords_attributes=[{"keyword": "coffee"}])
    await made(api, alice, title="H", context=["home"], filter_action="hide", keywords_attributes=[{"keyword": "tea"}])
    hub = api.container_of("feed").streaming_hub  # [split]: the feed role serves the streams
    ctx = await api.container.tokens.validate(alice.token)
    user_socket, public_socket = Connection(ctx, 100), Connection(ctx, 100)
    await hub.add(user_socket, resolve_stream("user", ctx))
    await hub.add(public_socket, resolve_stream("public", ctx))
    try:
        await asyncio.sleep(0.2)  # the subscriptions go live asynchronously
        coffee = await post(api, bob, "coffee time")
        tea = await post(api, bob, "tea time")
        plain = await post(api, bob, "plain")
        await settle(api)

        async def received(connection: Connection, count: int) -> dict[str, dict[str, Any]]:
            got: dict[str, dict[str, Any]] = {}
            while len(got) < count:
                _frame, event, payload = await asyncio.wait_for(connection.queue.get(), 10)
                if event == "update":
                    entity = orjson.loads(payload)
                    got[entity["id"]] = entity
            return got

        home = await received(user_socket, 2)
        assert tea["id"] not in home
        assert [r["filter"]["title"] for r in home[coffee["id"]]["filtered"]] == ["W"]
        assert home[plain["id"]]["filtered"] == []
        public = await received(public_socket, 3)
        assert [r["filter"]["title"] for r in public[coffee["id"]]["filtered"]] == ["W"]
        assert public[tea["id"]]["filtered"] == []  # the hide filter is for home only
    finally:
        await hub.detach(user_socket)
        await hub.detach(public_socket)


async def test_streaming_sockets_carry_the_viewers_filter_results(api: Api) -> None:
    """What the hub test above checks, over a real WebSocket: `rookery up`'s own socket, and in
    [split] the gateway's, passed through to the feed role's hub (the filters are the viewer's)."""
    alice, bob = await api.make_users("alice", "bob")
    await follow(api, alice, bob)
    await made(api, alice, title="W", context=["home", "public"], keywords_attributes=[{"keyword": "coffee"}])
    await made(api, alice, title="H", context=["home"], filter_action="hide", keywords_attributes=[{"keyword": "tea"}])
    async with served(api.app, api.settings) as base:
        home = await open_socket(base, stream="user", access_token=alice.token)
        public = await open_socket(base, stream="public", access_token=alice.token)
        try:

            async def updates_until(socket: Any, last_id: str, timeout_s: float = 30) -> dict[str, dict[str, Any]]:
                got: dict[str, dict[str, Any]] = {}
                while last_id not in got:
                    frame = await socket.next(timeout_s)
                    if frame.get("event") == "update":
                        got[payload(frame)["id"]] = payload(frame)
                return got

            async def until_live(text: str) -> None:  # the subscriptions go live asynchronously
                for _ in range(20):
                    ready = await post(api, bob, text)
                    try:
                        await updates_until(home, ready["id"], 3)
                        await updates_until(public, ready["id"], 3)
                        return
                    except TimeoutError:
                        continue
                raise AssertionError("the sockets got no update")

            await until_live("are you there?")
            coffee = await post(api, bob, "coffee time")
            tea = await post(api, bob, "tea time")
            last = await post(api, bob, "plain")
            on_home, on_public = await updates_until(home, last["id"]), await updates_until(public, last["id"])
            assert tea["id"] not in on_home  # hidden in home
            assert [r["filter"]["title"] for r in on_home[coffee["id"]]["filtered"]] == ["W"]
            assert on_home[last["id"]]["filtered"] == []
            assert [r["filter"]["title"] for r in on_public[coffee["id"]]["filtered"]] == ["W"]
            assert on_public[tea["id"]]["filtered"] == []  # the hide filter is for home only
        finally:
            await home.ws.close()
            await public.ws.close()
