"""Statuses over HTTP: compose, read, edit with history, delete for redraft, replies and context."""

from __future__ import annotations

import pytest
from api_support import Api
from social_support import follow, post, settle


async def test_post_renders_a_mastodon_status(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    status = await post(api, alice, "Hello @bob, see #Rookery at https://example.com/x <b>", spoiler_text="cw")
    assert status["account"]["id"] == alice.id
    assert status["visibility"] == "public"
    assert status["spoiler_text"] == "cw" and status["sensitive"] is True
    assert status["mentions"] == [{"id": bob.id, "username": "bob", "url": "http://testserver/@bob", "acct": "bob"}]
    assert status["tags"] == [{"name": "rookery", "url": "http://testserver/tags/rookery"}]
    assert 'class="u-url mention"' in status["content"] and "&lt;b&gt;" in status["content"]
    assert 'href="https://example.com/x"' in status["content"]
    assert status["uri"] == f"http://testserver/users/alice/statuses/{status['id']}"
    assert status["url"] == f"http://testserver/@alice/{status['id']}"
    assert status["favourited"] is False and status["pinned"] is False
    assert status["application"] == {"name": "rookery tests", "website": None}
    for key in ("media_attachments", "emojis", "filtered"):
        assert status[key] == []
    assert status["card"] is None and status["poll"] is None and status["reblog"] is None

    fetched = await api.client.get(f"/api/v1/statuses/{status['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["content"] == status["content"]
    assert "favourited" not in fetched.json()  # anonymous: no viewer flags
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.json()["statuses_count"] == 1


async def test_the_compose_answer_is_the_status_a_read_gives(api: Api) -> None:
    """Compose renders its new status without asking for what it cannot have yet (a cached entity,
    a poll it was not given, others' favourites); its answer must be what a read of it gives the
    author: a plain post, one with a poll and a mention, a reply in a conversation the author muted
    (``muted`` true), and the author's statuses_count counted in the same transaction."""
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    root = await post(api, bob, "@alice muted thread")
    muted = await api.client.post(f"/api/v1/statuses/{root['id']}/mute", headers=alice.headers)
    assert muted.status_code == 200, muted.text
    made = [
        await post(api, alice, "plain"),
        await post(api, alice, "@bob a poll", poll={"options": ["a", "b"], "expires_in": 3600}),
        await post(api, alice, "@bob in a muted thread", in_reply_to_id=root["id"]),
    ]
    assert made[1]["poll"] is not None and made[2]["muted"] is True
    for count, answer in enumerate(made, start=1):
        read = await api.client.get(f"/api/v1/statuses/{answer['id']}", headers=alice.headers)
        assert read.status_code == 200, read.text
        assert answer == {**read.json(), "account": answer["account"]}
        assert answer["account"]["statuses_count"] == count
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.json()["statuses_count"] == 3 and me.json()["last_status_at"] is not None


async def test_a_post_without_visibility_takes_the_authors_default(api: Api) -> None:
    alice = await api.make_user("alice")
    changed = await api.client.patch(
        "/api/v1/accounts/update_credentials", headers=alice.headers, json={"source": {"privacy": "unlisted"}}
    )
    assert changed.status_code == 200, changed.text
    assert (await post(api, alice, "no visibility given"))["visibility"] == "unlisted"
    assert (await post(api, alice, "empty", visibility=""))["visibility"] == "unlisted"
    assert (await post(api, alice, "given", visibility="public"))["visibility"] == "public"


async def test_form_encoded_post_and_default_visibility(api: Api) -> None:
    alice = await api.make_user("alice")
    response = await api.client.post(
        "/api/v1/statuses", headers=alice.headers, data={"status": "form post", "visibility": "unlisted"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["visibility"] == "unlisted"
    assert response.json()["content"] == "<p>form post</p>"


async def test_edit_keeps_history_and_source(api: Api) -> None:
    alice = await api.make_user("alice")
    status = await post(api, alice, "first version")
    edited = await api.client.put(
        f"/api/v1/statuses/{status['id']}", headers=alice.headers, json={"status": "second #version"}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["edited_at"] is not None
    assert edited.json()["tags"][0]["name"] == "version"
    history = await api.client.get(f"/api/v1/statuses/{status['id']}/history", headers=alice.headers)
    assert [h["content"] for h in history.json()] == ["<p>first version</p>", edited.json()["content"]]
    assert history.json()[0]["account"]["id"] == alice.id
    source = await api.client.get(f"/api/v1/statuses/{status['id']}/source", headers=alice.headers)
    assert source.json() == {"id": status["id"], "text": "second #version", "spoiler_text": ""}
    again = await api.client.get(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert again.json()["content"] == edited.json()["content"]  # the cached entity was dropped


async def test_delete_returns_text_for_redraft(api: Api) -> None:
    alice = await api.make_user("alice")
    status = await post(api, alice, "to be redrafted")
    deleted = await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["text"] == "to be redrafted"
    assert deleted.json()["account"]["id"] == alice.id
    assert (await api.client.get(f"/api/v1/statuses/{status['id']}")).status_code == 404
    assert (await api.client.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers)).status_code == 404
    me = await api.client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    assert me.json()["statuses_count"] == 0


async def test_replies_and_context(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    root = await post(api, alice, "root")
    reply = await post(api, bob, "@alice reply", in_reply_to_id=root["id"])
    assert reply["in_reply_to_id"] == root["id"] and reply["in_reply_to_account_id"] == alice.id
    nested = await post(api, alice, "@bob nested", in_reply_to_id=reply["id"])
    second = await post(api, alice, "second reply", in_reply_to_id=root["id"])
    context = await api.client.get(f"/api/v1/statuses/{reply['id']}/context", headers=alice.headers)
    assert [s["id"] for s in context.json()["ancestors"]] == [root["id"]]
    assert [s["id"] for s in context.json()["descendants"]] == [nested["id"]]
    root_context = await api.client.get(f"/api/v1/statuses/{root['id']}/context")
    assert [s["id"] for s in root_context.json()["descendants"]] == [reply["id"], nested["id"], second["id"]]
    fetched = await api.client.get(f"/api/v1/statuses/{root['id']}")
    assert fetched.json()["replies_count"] == 2


async def test_many_by_id_skips_unknown_and_hidden(api: Api) -> None:
    alice = await api.make_user("alice")
    bob = await api.make_user("bob")
    public = await post(api, alice, "public")
    private = await post(api, alice, "private", visibility="private")
    response = await api.client.get(
        "/api/v1/statuses",
        headers=bob.headers,
        params=[("id[]", public["id"]), ("id[]", private["id"]), ("id[]", "12345")],
    )
    assert [s["id"] for s in response.json()] == [public["id"]]
    await follow(api, bob, alice)
    await settle(api)
    response = await api.client.get(
        "/api/v1/statuses", headers=bob.headers, params=[("id[]", public["id"]), ("id[]", private["id"])]
    )
    assert [s["id"] for s in response.json()] == [public["id"], private["id"]]


async def test_idempotency_key_posts_once(api: Api) -> None:
    alice = await api.make_user("alice")
    headers = {**alice.headers, "Idempotency-Key": "compose-1"}
    first = await api.client.post("/api/v1/statuses", headers=headers, json={"status": "only once"})
    again = await api.client.post("/api/v1/statuses", headers=headers, json={"status": "only once"})
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    statuses = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert [s["id"] for s in statuses.json()] == [first.json()["id"]]


async def test_a_retried_compose_whose_answer_was_lost_posts_once(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first try committed, then its answer was lost (a failover after the commit: the gateway
    forgets the key on a 5xx, and a failed-over Redis may have lost it anyway): the retry with the
    same Idempotency-Key gets the status the first try made, with its poll, and nothing new."""
    alice = await api.make_user("alice")
    headers = {**alice.headers, "Idempotency-Key": "lost-answer"}
    body = {"status": "once", "poll": {"options": ["a", "b"], "expires_in": 3600}}
    first = await api.client.post("/api/v1/statuses", headers=headers, json=body)
    assert first.status_code == 200, first.text

    async def forgotten(*args: object) -> None:
        return None

    async def free(*args: object) -> bool:
        return True

    for container in api.containers:  # what a Redis failover can lose: the edge's record of the key
        monkeypatch.setattr(container.infra.idempotency, "get", forgotten)
        monkeypatch.setattr(container.infra.idempotency, "reserve", free)
    again = await api.client.post("/api/v1/statuses", headers=headers, json=body)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["poll"]["id"] == first.json()["poll"]["id"]
    assert again.headers.get("idempotent-replayed") is None  # not the gateway's replay: the store's
    statuses = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert [s["id"] for s in statuses.json()] == [first.json()["id"]]
    other = await api.client.post("/api/v1/statuses", headers={**headers, "Idempotency-Key": "new"}, json=body)
    assert other.json()["id"] != first.json()["id"]
