"""Editing a status's media and poll as Mastodon does (PUT /api/v1/statuses/:id): ``media_ids[]`` is
the media the status keeps, in order (none given: none kept), ``media_attributes[]`` changes their
alt text and focus, and the history (StatusEdit entities) shows each version's media and poll."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from api_support import Api, User
from social_support import post
from test_media import png, wait_processed


async def uploaded(api: Api, user: User, description: str | None = None) -> str:
    """A processed 20x20 PNG of ``user``: its id."""
    data = {"description": description} if description is not None else {}
    files = {"file": ("p.png", png((20, 20)), "image/png")}
    response = await api.client.post("/api/v1/media", headers=user.headers, files=files, data=data)
    assert response.status_code in (200, 202), response.text
    await wait_processed(api, user, response.json()["id"])
    return str(response.json()["id"])


async def edit(api: Api, user: User, status_id: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("headers", user.headers)
    response = await api.client.put(f"/api/v1/statuses/{status_id}", **kwargs)
    assert response.status_code == 200, response.text
    return dict(response.json())


def media_of(entity: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(m["id"], m["description"]) for m in entity["media_attachments"]]


async def history(api: Api, status_id: str) -> list[dict[str, Any]]:
    response = await api.client.get(f"/api/v1/statuses/{status_id}/history")
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_an_edit_adds_reorders_describes_and_removes_media(api: Api) -> None:
    alice = await api.make_user("alice")
    cat, dog = await uploaded(api, alice, "first words"), await uploaded(api, alice)
    status = await post(api, alice, "a picture", media_ids=[cat])
    sid = status["id"]

    # form-encoded, the way Mastodon's web client sends it: add one, reorder, describe and focus one
    form = [("status", "two pictures"), ("media_ids[]", dog), ("media_ids[]", cat),
            ("media_attributes[][id]", cat), ("media_attributes[][description]", "a cat"),
            ("media_attributes[][focus]", "0.5,-0.5")]  # fmt: skip
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    both = await edit(api, alice, sid, content=urllib.parse.urlencode(form), headers={**alice.headers, **headers})
    assert media_of(both) == [(dog, None), (cat, "a cat")]
    assert both["media_attachments"][1]["meta"]["focus"] == {"x": 0.5, "y": -0.5}
    fetched = (await api.client.get(f"/api/v1/statuses/{sid}")).json()
    assert media_of(fetched) == media_of(both) and fetched["edited_at"] is not None

    # JSON, as Mastodon.py sends it: media and no text is a status too
    described = [{"id": dog, "description": "a dog"}]
    only_dog = await edit(api, alice, sid, json={"status": "", "media_ids": [dog], "media_attributes": described})
    assert media_of(only_dog) == [(dog, "a dog")]
    none = await edit(api, alice, sid, json={"status": "no pictures"})  # no media_ids: none kept
    assert none["media_attachments"] == []
    assert (await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"only_media": "true"})).json() == []
    back = await edit(api, alice, sid, json={"status": "the cat again", "media_ids": [cat]})  # it was the status's
    assert media_of(back) == [(cat, "a cat")]
    pictured = await api.client.get(f"/api/v1/accounts/{alice.id}/statuses", params={"only_media": "true"})
    assert [s["id"] for s in pictured.json()] == [sid]

    versions = await history(api, sid)
    assert [media_of(v) for v in versions] == [
        [(cat, "first words")],
        [(dog, None), (cat, "a cat")],
        [(dog, "a dog")],
        [],
        [(cat, "a cat")],
    ]
    assert all("poll" not in v for v in versions)  # Mastodon leaves it out for versions without a poll
    assert versions[1]["media_attachments"][1]["url"] == both["media_attachments"][1]["url"]
    # media an edit dropped stays the status's (its history shows it), like Mastodon's
    reused = await api.client.post("/api/v1/statuses", headers=alice.headers, json={"status": "x", "media_ids": [dog]})
    assert reused.status_code == 422, reused.text


async def test_bad_media_edits_are_refused_and_change_nothing(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    cat = await uploaded(api, alice, "a cat")
    spare = [await uploaded(api, alice) for _ in range(4)]
    bobs = await uploaded(api, bob)
    reserved = await uploaded(api, alice)  # by a scheduled status
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    await post(api, alice, "later", media_ids=[reserved], scheduled_at=later)
    status = await post(api, alice, "a picture", media_ids=[cat])
    sid = status["id"]
    polled = await post(api, alice, "tea?", poll={"options": ["yes", "no"], "expires_in": 3600})

    def attributes(*changes: Any) -> dict[str, Any]:
        return {"media_ids": [cat], "media_attributes": list(changes)}

    refused: list[tuple[str, dict[str, Any]]] = [
        ("another account's media", {"media_ids": [cat, bobs]}),
        ("an unknown id", {"media_ids": [cat, "999999"]}),
        ("media a scheduled status holds", {"media_ids": [cat, reserved]}),
        ("a malformed id", {"media_ids": ["abc"]}),
        ("more than four", {"media_ids": [cat, *spare]}),
        ("media and a poll", {"media_ids": [cat], "poll": {"options": ["a", "b"], "expires_in": 3600}}),
        ("attributes of media not kept", attributes({"id": spare[0], "description": "x"})),
        ("attributes of an unknown id", attributes({"id": "nope", "description": "x"})),
        ("too long a description", attributes({"id": cat, "description": "x" * 1501})),
        ("a bad focus", attributes({"id": cat, "focus": "2,0"})),
        ("attributes not objects", attributes("x")),
    ]
    for what, body in refused:
        response = await api.client.put(
            f"/api/v1/statuses/{sid}", headers=alice.headers, json={"status": "changed", **body}
        )
        assert response.status_code == 422, f"{what}: {response.status_code} {response.text}"
        assert "error" in response.json(), what
    fetched = (await api.client.get(f"/api/v1/statuses/{sid}")).json()
    assert fetched["content"] == "<p>a picture</p>" and fetched["edited_at"] is None
    assert media_of(fetched) == [(cat, "a cat")] and fetched["media_attachments"][0]["meta"].get("focus") is None
    assert len(await history(api, sid)) == 1
    # none of the media of a refused edit was taken: each can still go on a new status
    for media_id in (*spare[:3], bobs):
        owner = bob if media_id == bobs else alice
        await post(api, owner, "mine", media_ids=[media_id])

    # the poll's status: media together with its poll is refused, and the poll stays
    response = await api.client.put(
        f"/api/v1/statuses/{polled['id']}", headers=alice.headers,
        json={"status": "tea?", "media_ids": [spare[3]], "poll": {"options": ["yes", "no"], "expires_in": 3600}},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    still = (await api.client.get(f"/api/v1/statuses/{polled['id']}")).json()
    assert still["poll"]["id"] == polled["poll"]["id"] and still["media_attachments"] == []
    # someone else's status: nothing to edit
    stolen = await api.client.put(f"/api/v1/statuses/{sid}", headers=bob.headers, json={"media_ids": [bobs]})
    assert stolen.status_code in (403, 404)


async def test_the_history_shows_each_versions_poll(api: Api) -> None:
    alice = await api.make_user("alice")
    status = await post(api, alice, "tea?", poll={"options": ["yes", "no"], "expires_in": 3600})
    sid = status["id"]
    three = {"options": ["yes", "no", "later"], "expires_in": 3600}
    await edit(api, alice, sid, json={"status": "tea?", "poll": three})
    await edit(api, alice, sid, json={"status": "no poll now"})
    versions = await history(api, sid)
    assert [v.get("poll") for v in versions] == [
        {"options": [{"title": "yes"}, {"title": "no"}]},
        {"options": [{"title": "yes"}, {"title": "no"}, {"title": "later"}]},
        None,
    ]
    assert "poll" not in versions[2] and all(v["media_attachments"] == [] for v in versions)
