"""Search over HTTP: /api/v2/search (accounts, statuses, hashtags), /api/v1/accounts/search on the
search index, /api/v1/tags/:name. Statuses reach the index through the "index" consumer."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from api_support import Api, User
from live_support import free_port
from social_support import follow, post, settle


async def search(api: Api, user: User | None, q: str, **params: Any) -> dict[str, Any]:
    headers = user.headers if user else {}
    response = await api.client.get("/api/v2/search", headers=headers, params={"q": q, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def status_ids(body: dict[str, Any]) -> list[str]:
    return [s["id"] for s in body["statuses"]]


async def test_status_search_respects_visibility_and_blocks(api: Api) -> None:
    ana, ben, eve, mal = [await api.make_user(n) for n in ("ana", "ben", "eve", "mal")]
    await follow(api, ben, ana)
    public = await post(api, ana, "zebra crossing public")
    unlisted = await post(api, ana, "zebra crossing unlisted", visibility="unlisted")
    private = await post(api, ana, "zebra crossing private", visibility="private")
    direct = await post(api, ana, f"@{ben.username} zebra crossing direct", visibility="direct")
    by_mal = await post(api, mal, "zebra crossing by mal")
    await settle(api)
    listed = [by_mal["id"], unlisted["id"], public["id"]]
    assert status_ids(await search(api, None, "zebra cross", type="statuses")) == listed
    # the author finds everything of theirs; the mentioned finds the direct post; a follower does
    # not find followers-only posts through search (only public/unlisted, own and mentioning)
    assert status_ids(await search(api, ana, "zebra", type="statuses")) == [
        by_mal["id"], direct["id"], private["id"], unlisted["id"], public["id"]
    ]  # fmt: skip
    assert status_ids(await search(api, ben, "zebra", type="statuses")) == [
        by_mal["id"], direct["id"], unlisted["id"], public["id"]
    ]  # fmt: skip
    assert status_ids(await search(api, eve, "zebra", type="statuses")) == listed
    # blocking hides both ways; muting hides from the muter
    await api.client.post(f"/api/v1/accounts/{eve.id}/block", headers=mal.headers)
    await api.client.post(f"/api/v1/accounts/{ana.id}/mute", headers=eve.headers)
    assert status_ids(await search(api, eve, "zebra", type="statuses")) == []
    # account_id narrows to one author; the entity is the usual Status
    only_mal = await search(api, ana, "zebra", type="statuses", account_id=mal.id)
    assert status_ids(only_mal) == [by_mal["id"]] and only_mal["statuses"][0]["account"]["username"] == "mal"
    # edits are re-indexed, deletions removed
    edited = await api.client.put(
        f"/api/v1/statuses/{public['id']}", headers=ana.headers, json={"status": "okapi"}
    )
    assert edited.status_code == 200
    await api.client.delete(f"/api/v1/statuses/{unlisted['id']}", headers=ana.headers)
    await settle(api)
    assert status_ids(await search(api, ben, "zebra", type="statuses")) == [by_mal["id"], direct["id"]]
    assert status_ids(await search(api, ben, "okapi", type="statuses")) == [public["id"]]


async def test_account_search_v1_and_v2(api: Api) -> None:
    ana, alf, bob = [await api.make_user(n) for n in ("ana", "alfred", "bob")]
    await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=bob.headers, data={"display_name": "Albatross"}
    )
    await follow(api, ana, bob)
    await settle(api)  # the search index follows the change through the search consumer group
    body = await search(api, ana, "al", type="accounts")
    assert [a["username"] for a in body["accounts"]] == ["alfred", "bob"]  # username prefix first
    assert body["statuses"] == [] and body["hashtags"] == []
    following = await search(api, ana, "al", type="accounts", following="true")
    assert [a["username"] for a in following["accounts"]] == ["bob"]
    v1 = await api.client.get("/api/v1/accounts/search", headers=ana.headers, params={"q": "albat"})
    assert [a["id"] for a in v1.json()] == [bob.id]  # the display name was re-indexed on update
    v1_following = await api.client.get(
        "/api/v1/accounts/search", headers=ana.headers, params={"q": "al", "following": "true"}
    )
    assert [a["id"] for a in v1_following.json()] == [bob.id]
    assert alf.id not in [a["id"] for a in v1_following.json()]


async def test_hashtags_and_tag_page(api: Api) -> None:
    ana, ben = [await api.make_user(n) for n in ("ana", "ben")]
    await post(api, ana, "#Knitting is fun #knitwear")
    await post(api, ben, "more #knitting")
    await post(api, ben, "secret #knitsecret", visibility="private")
    await settle(api)
    body = await search(api, ana, "#knit", type="hashtags")
    assert [t["name"] for t in body["hashtags"]] == [
        "knitting",
        "knitwear",
    ]  # by use; private uses don't count
    tag = body["hashtags"][0]
    assert tag["url"] == "http://testserver/tags/knitting"
    today = tag["history"][0]
    midnight = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(), dt.UTC)
    assert today == {"day": str(int(midnight.timestamp())), "uses": "2", "accounts": "2"}
    assert len(tag["history"]) == 7 and all(h["uses"] == "0" for h in tag["history"][1:])
    page = await api.client.get("/api/v1/tags/Knitting", headers=ana.headers)
    assert page.status_code == 200
    assert page.json()["name"] == "knitting" and page.json()["history"][0]["uses"] == "2"
    assert page.json()["following"] is False
    anonymous = await api.client.get("/api/v1/tags/knitwear")
    assert anonymous.status_code == 200 and "following" not in anonymous.json()
    assert (await api.client.get("/api/v1/tags/not-a-tag!")).status_code == 404
    everything = await search(api, ana, "knitting")
    assert [t["name"] for t in everything["hashtags"]] == ["knitting"]
    assert len(everything["statuses"]) == 2


async def test_bad_search_input(api: Api) -> None:
    ana = await api.make_user("ana")
    cases = [
        ({}, 400),
        ({"q": "  "}, 400),
        ({"q": "x", "type": "people"}, 422),
        ({"q": "x", "limit": "many"}, 422),
        ({"q": "x", "offset": "-1"}, 422),
        ({"q": "x", "account_id": "abc"}, 422),
        ({"q": "x", "max_id": "abc"}, 422),
        ({"q": "x", "following": "maybe"}, 422),
        ({"q": "x" * 501}, 422),
    ]
    for params, status in cases:
        response = await api.client.get("/api/v2/search", headers=ana.headers, params=params)
        assert response.status_code == status, (params, response.text)
        assert "error" in response.json()
    anonymous_paging = await api.client.get("/api/v2/search", params={"q": "x", "offset": 5})
    assert anonymous_paging.status_code == 401
    assert (await api.client.get("/api/v2/search", params={"q": "x", "resolve": "true"})).status_code == 401
    no_scope = await api.make_user("nos", scopes="write")
    assert (
        await api.client.get("/api/v2/search", headers=no_scope.headers, params={"q": "x"})
    ).status_code == 403
    nothing = await search(api, ana, "%%%")
    assert nothing == {"accounts": [], "statuses": [], "hashtags": []}


@pytest.mark.parametrize("api_mode", ["embedded"], indirect=True)
@pytest.mark.needs("search")
async def test_search_api_on_opensearch(app_factory: Any, request: pytest.FixtureRequest) -> None:
    """The same API on the OpenSearch adapter (the stack's OpenSearch 2.19): statuses arrive through
    the indexer's bulk writes, accounts as they are written, tags aggregated from the index."""
    url = request.getfixturevalue("stack_env")["ROOKERY_SEARCH_URL"]
    tenant = "s" + uuid.uuid4().hex[:12]
    try:
        async with app_factory(
            search_url=url, search_engine="opensearch", search_refresh="true", tenant=tenant
        ) as api:
            ana, ben = [await api.make_user(n) for n in ("ana", "benedict")]
            public = await post(api, ana, "quokka selfie #Marsupials")
            await post(api, ana, "quokka private", visibility="private")
            await settle(api)
            assert status_ids(await search(api, ben, "quokka", type="statuses")) == [public["id"]]
            assert [a["username"] for a in (await search(api, ana, "bene", type="accounts"))["accounts"]] == [
                "benedict"
            ]
            tags = (await search(api, ana, "#marsu", type="hashtags"))["hashtags"]
            assert [t["name"] for t in tags] == ["marsupials"] and tags[0]["history"][0]["uses"] == "1"
            await api.client.delete(f"/api/v1/statuses/{public['id']}", headers=ana.headers)
            await settle(api)
            assert status_ids(await search(api, ben, "quokka", type="statuses")) == []
    finally:
        async with httpx.AsyncClient(base_url=url) as http:
            await http.delete(f"/{tenant}-accounts,{tenant}-statuses")
            for kind in ("accounts", "statuses"):
                await http.delete(f"/_index_template/{tenant}-{kind}")


async def test_follow_and_unfollow_hashtags(api: Api) -> None:
    ana, ben = [await api.make_user(n) for n in ("ana", "ben")]
    followed = await api.client.post("/api/v1/tags/Cats/follow", headers=ana.headers)
    assert (
        followed.status_code == 200
        and followed.json()["name"] == "cats"
        and followed.json()["following"] is True
    )
    again = await api.client.post("/api/v1/tags/cats/follow", headers=ana.headers)
    assert again.status_code == 200 and again.json()["following"] is True
    await api.client.post("/api/v1/tags/dogs/follow", headers=ana.headers)
    listed = await api.client.get("/api/v1/followed_tags", headers=ana.headers)
    assert [t["name"] for t in listed.json()] == ["dogs", "cats"] and all(
        t["following"] for t in listed.json()
    )
    first = await api.client.get("/api/v1/followed_tags", headers=ana.headers, params={"limit": 1})
    assert [t["name"] for t in first.json()] == ["dogs"] and 'rel="next"' in first.headers["link"]
    assert (await api.client.get("/api/v1/tags/cats", headers=ben.headers)).json()["following"] is False
    assert (await api.client.get("/api/v1/followed_tags", headers=ben.headers)).json() == []
    body = await search(api, ana, "#cat", type="hashtags")
    assert body["hashtags"] == []  # following a tag nobody used does not make it appear in search
    unfollowed = await api.client.post("/api/v1/tags/cats/unfollow", headers=ana.headers)
    assert unfollowed.status_code == 200 and unfollowed.json()["following"] is False
    assert [
        t["name"] for t in (await api.client.get("/api/v1/followed_tags", headers=ana.headers)).json()
    ] == ["dogs"]
    # bad input and permissions
    assert (await api.client.post("/api/v1/tags/no%20spaces/follow", headers=ana.headers)).status_code == 404
    assert (await api.client.post("/api/v1/tags/cats/follow")).status_code == 401
    reader = await api.make_user("reader", scopes="read")
    assert (await api.client.post("/api/v1/tags/cats/follow", headers=reader.headers)).status_code == 403
    assert (await api.client.get("/api/v1/followed_tags")).status_code == 401


@pytest.mark.parametrize("api_mode", ["embedded"], indirect=True)
async def test_search_cluster_down_answers_503_and_the_rest_works(app_factory: Any) -> None:
    """A search cluster that is away at start does not stop the process: search answers 503
    {"error"}, registration and posting still work."""
    dead = f"http://127.0.0.1:{free_port()}"
    async with app_factory(search_url=dead, search_timeout_s=1.0) as api:
        ana = await api.make_user("ana", via_http=True)
        assert (
            await api.client.post("/api/v1/statuses", headers=ana.headers, json={"status": "hi"})
        ).status_code == 200
        response = await api.client.get("/api/v2/search", headers=ana.headers, params={"q": "hi"})
        assert response.status_code == 503 and "error" in response.json()
        tag = await api.client.get("/api/v1/tags/cats", headers=ana.headers)
        assert tag.status_code == 503


async def test_accounts_written_around_the_index_are_indexed_when_they_post(api: Api) -> None:
    """A write that bypasses the indexing repository (another role writing the account store
    directly) is caught up by the indexer when the account next posts."""
    ana = await api.make_user("ana")
    raw = api.container.accounts.repository
    account = await raw.get(ana.account_id)
    account.display_name = "Zanzibar"
    await raw.update(account)
    assert (await search(api, ana, "zanzi", type="accounts"))["accounts"] == []
    await post(api, ana, "hello")
    await settle(api)
    assert [a["id"] for a in (await search(api, ana, "zanzi", type="accounts"))["accounts"]] == [ana.id]
