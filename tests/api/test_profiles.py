"""Profiles and discovery over HTTP: private notes and endorsements on the Relationship,
remove_from_followers, featured tags with their counts, follow suggestions from the graph,
the profile directory, familiar followers; and the small deletes (unattached media, avatar and
header). Bad input answers 4xx with nothing stored; endorsements of a blocked account are never
shown to the blocker."""

from __future__ import annotations

from typing import Any

from api_support import Api, User
from social_support import follow, post, settle
from test_media import png

SCOPES = "read write follow"


async def call(api: Api, method: str, path: str, user: User | None = None, **kwargs: Any) -> Any:
    return await api.client.request(method, path, headers=user.headers if user else {}, **kwargs)


async def relationship(api: Api, viewer: User, other: User) -> dict[str, Any]:
    response = await call(api, "GET", "/api/v1/accounts/relationships", viewer, params={"id[]": other.id})
    assert response.status_code == 200, response.text
    return dict(response.json()[0])


async def test_notes_endorsements_and_remove_from_followers(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    noted = await call(api, "POST", f"/api/v1/accounts/{bob.id}/note", alice, json={"comment": "met at the fair"})
    assert noted.status_code == 200, noted.text
    assert noted.json()["note"] == "met at the fair" and noted.json()["id"] == bob.id
    assert (await relationship(api, alice, bob))["note"] == "met at the fair"
    assert (await relationship(api, carol, bob))["note"] == ""  # private to alice
    too_long = await call(api, "POST", f"/api/v1/accounts/{bob.id}/note", alice, json={"comment": "x" * 2001})
    assert too_long.status_code == 422 and "error" in too_long.json()
    assert (await relationship(api, alice, bob))["note"] == "met at the fair"  # unchanged
    cleared = await call(api, "POST", f"/api/v1/accounts/{bob.id}/note", alice, data={"comment": ""})
    assert cleared.json()["note"] == ""
    assert (await call(api, "POST", "/api/v1/accounts/999999/note", alice, json={"comment": "x"})).status_code == 404

    # endorsing needs following
    refused = await call(api, "POST", f"/api/v1/accounts/{bob.id}/pin", alice)
    assert refused.status_code == 422 and "follow" in refused.json()["error"]
    assert (await call(api, "GET", "/api/v1/endorsements", alice)).json() == []
    await follow(api, alice, bob)
    await follow(api, alice, carol)
    pinned = await call(api, "POST", f"/api/v1/accounts/{bob.id}/pin", alice)
    assert pinned.status_code == 200 and pinned.json()["endorsed"] is True
    assert (await call(api, "POST", f"/api/v1/accounts/{carol.id}/endorse", alice)).json()["endorsed"] is True
    assert (await call(api, "POST", f"/api/v1/accounts/{alice.id}/pin", alice)).status_code == 422  # oneself
    mine = await call(api, "GET", "/api/v1/endorsements", alice)
    assert [a["id"] for a in mine.json()] == [carol.id, bob.id]
    public = await call(api, "GET", f"/api/v1/accounts/{alice.id}/endorsements")
    assert [a["id"] for a in public.json()] == [carol.id, bob.id]
    # bob blocks carol: carol is never shown to bob among alice's endorsements (nor bob to carol)
    await call(api, "POST", f"/api/v1/accounts/{carol.id}/block", bob)
    seen_by_bob = await call(api, "GET", f"/api/v1/accounts/{alice.id}/endorsements", bob)
    assert [a["id"] for a in seen_by_bob.json()] == [bob.id]
    seen_by_carol = await call(api, "GET", f"/api/v1/accounts/{alice.id}/endorsements", carol)
    assert [a["id"] for a in seen_by_carol.json()] == [carol.id]
    unpinned = await call(api, "POST", f"/api/v1/accounts/{carol.id}/unpin", alice)
    assert unpinned.json()["endorsed"] is False
    # an unfollow ends the endorsement
    await call(api, "POST", f"/api/v1/accounts/{bob.id}/unfollow", alice)
    assert (await relationship(api, alice, bob))["endorsed"] is False
    assert (await call(api, "GET", "/api/v1/endorsements", alice)).json() == []

    # remove_from_followers: carol stops following alice
    await follow(api, carol, alice)
    assert (await relationship(api, alice, carol))["followed_by"] is True
    removed = await call(api, "POST", f"/api/v1/accounts/{carol.id}/remove_from_followers", alice)
    assert removed.status_code == 200, removed.text
    assert removed.json()["followed_by"] is False and removed.json()["following"] is True
    assert (await relationship(api, carol, alice))["following"] is False
    me = (await call(api, "GET", "/api/v1/accounts/verify_credentials", alice)).json()
    assert me["followers_count"] == 0
    assert (await call(api, "POST", "/api/v1/accounts/nope/remove_from_followers", alice)).status_code == 404


async def test_featured_tags(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    for text in ("#cats are great", "more #cats and #dogs", "#birds"):
        await post(api, alice, text)
    await post(api, alice, "secret #cats", visibility="private")  # not counted
    suggested = await call(api, "GET", "/api/v1/featured_tags/suggestions", alice)
    assert [t["name"] for t in suggested.json()] == ["cats", "birds", "dogs"]
    created = await call(api, "POST", "/api/v1/featured_tags", alice, json={"name": "#Cats"})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["name"] == "cats" and body["statuses_count"] == "2" and body["last_status_at"]
    assert body["url"].endswith("/@alice/tagged/cats") and isinstance(body["id"], str)
    for bad in ({"name": "cats"}, {"name": ""}, {"name": "no spaces"}, {"name": "123"}, {}):
        refused = await call(api, "POST", "/api/v1/featured_tags", alice, json=bad)
        assert refused.status_code == 422, (bad, refused.text)
    assert [t["name"] for t in (await call(api, "GET", "/api/v1/featured_tags", alice)).json()] == ["cats"]
    unused = (await call(api, "POST", "/api/v1/featured_tags", alice, data={"name": "fish"})).json()
    assert unused["statuses_count"] == "0" and unused["last_status_at"] is None
    assert [t["name"] for t in (await call(api, "GET", "/api/v1/featured_tags/suggestions", alice)).json()] == [
        "birds",
        "dogs",
    ]
    shown = await call(api, "GET", f"/api/v1/accounts/{alice.id}/featured_tags")
    assert [t["name"] for t in shown.json()] == ["cats", "fish"]
    assert (await call(api, "DELETE", f"/api/v1/featured_tags/{unused['id']}", bob)).status_code == 404
    assert (await call(api, "DELETE", f"/api/v1/featured_tags/{unused['id']}", alice)).json() == {}
    assert (await call(api, "DELETE", f"/api/v1/featured_tags/{unused['id']}", alice)).status_code == 404
    for n in range(9):
        assert (await call(api, "POST", "/api/v1/featured_tags", alice, json={"name": f"t{n}"})).status_code == 200
    full = await call(api, "POST", "/api/v1/featured_tags", alice, json={"name": "eleventh"})
    assert full.status_code == 422 and "10" in full.json()["error"]
    assert len((await call(api, "GET", "/api/v1/featured_tags", alice)).json()) == 10
    assert (await call(api, "GET", "/api/v1/accounts/424242/featured_tags")).status_code == 404


async def test_suggestions_directory_and_familiar_followers(api: Api) -> None:
    me, friend, fof, star, muted, blocker, dismissed, hidden = await api.make_users(
        "me", "friend", "fof", "star", "muted", "blocker", "dismissed", "hidden"
    )
    await call(api, "PATCH", "/api/v1/accounts/update_credentials", hidden, data={"discoverable": "false"})
    await follow(api, me, friend)
    await follow(api, friend, fof)
    await follow(api, friend, hidden)
    for fan in (friend, fof, muted, blocker, dismissed):
        await follow(api, fan, star)
    await call(api, "POST", f"/api/v1/accounts/{muted.id}/mute", me)
    await call(api, "POST", f"/api/v1/accounts/{me.id}/block", blocker)
    dropped = await call(api, "DELETE", f"/api/v1/suggestions/{dismissed.id}", me)
    assert dropped.status_code == 200 and dropped.json() == {}
    assert (await call(api, "DELETE", "/api/v1/suggestions/777777", me)).status_code == 404

    found = await call(api, "GET", "/api/v2/suggestions", me, params={"limit": 10})
    assert found.status_code == 200, found.text
    by_id = {s["account"]["id"]: s for s in found.json()}
    assert set(list(by_id)[:2]) == {fof.id, star.id}  # friends of a friend first
    assert by_id[fof.id]["sources"][0] == "friends_of_friends" and by_id[fof.id]["source"] == "past_interactions"
    assert by_id[star.id]["sources"] == ["friends_of_friends", "most_followed"]
    assert not {me.id, friend.id, muted.id, blocker.id, dismissed.id, hidden.id} & set(by_id)
    assert (await call(api, "GET", "/api/v2/suggestions", me, params={"limit": 0})).status_code == 422
    assert (await call(api, "GET", "/api/v2/suggestions")).status_code == 401

    # the directory: discoverable accounts, newest or most recently active first
    await post(api, star, "hello")
    await settle(api)
    active = await call(api, "GET", "/api/v1/directory", params={"order": "active", "limit": 3})
    assert active.status_code == 200 and active.json()[0]["id"] == star.id
    new = [
        a["id"] for a in (await call(api, "GET", "/api/v1/directory", params={"order": "new", "local": "true"})).json()
    ]
    assert new[0] == dismissed.id and hidden.id not in new and len(new) == 7
    paged = await call(api, "GET", "/api/v1/directory", params={"order": "new", "offset": 1, "limit": 2})
    assert [a["id"] for a in paged.json()] == new[1:3]
    mine = [a["id"] for a in (await call(api, "GET", "/api/v1/directory", me, params={"order": "new"})).json()]
    assert blocker.id not in mine
    for bad in ({"order": "loud"}, {"limit": "x"}, {"offset": -1}, {"local": "maybe"}):
        assert (await call(api, "GET", "/api/v1/directory", params=bad)).status_code == 422, bad

    # familiar followers: whom I follow among each account's followers
    await follow(api, me, fof)
    familiar = await call(
        api, "GET", "/api/v1/accounts/familiar_followers", me, params=[("id[]", star.id), ("id[]", fof.id)]
    )
    assert familiar.status_code == 200, familiar.text
    assert {f["id"]: sorted(a["id"] for a in f["accounts"]) for f in familiar.json()} == {
        star.id: sorted([friend.id, fof.id]),
        fof.id: [friend.id],
    }
    assert (await call(api, "GET", "/api/v1/accounts/familiar_followers", me)).json() == []
    many = [("id[]", str(n)) for n in range(81)]
    assert (await call(api, "GET", "/api/v1/accounts/familiar_followers", me, params=many)).status_code == 422


async def test_media_and_profile_image_deletes(api: Api) -> None:
    alice, bob = await api.make_users("alice", "bob")
    if api.container.media is None:
        return
    upload = await call(api, "POST", "/api/v1/media", alice, files={"file": ("a.png", png((20, 20)), "image/png")})
    loose = upload.json()["id"]
    posted = (
        await call(api, "POST", "/api/v1/media", alice, files={"file": ("b.png", png((20, 20)), "image/png")})
    ).json()["id"]
    await post(api, alice, "with a picture", media_ids=[posted])
    assert (await call(api, "DELETE", f"/api/v1/media/{loose}", bob)).status_code == 404  # not theirs
    in_use = await call(api, "DELETE", f"/api/v1/media/{posted}", alice)
    assert in_use.status_code == 422 and "status" in in_use.json()["error"]
    assert (await call(api, "GET", f"/api/v1/media/{posted}", alice)).status_code == 200  # kept
    deleted = await call(api, "DELETE", f"/api/v1/media/{loose}", alice)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert (await call(api, "GET", f"/api/v1/media/{loose}", alice)).status_code == 404
    assert (await call(api, "DELETE", f"/api/v1/media/{loose}", alice)).status_code == 404
    assert (await call(api, "DELETE", "/api/v1/media/zzz", alice)).status_code == 404

    files = {"avatar": ("me.png", png((40, 40)), "image/png"), "header": ("h.png", png((60, 20)), "image/png")}
    pictured = await call(api, "PATCH", "/api/v1/accounts/update_credentials", alice, files=files)
    assert not pictured.json()["avatar"].endswith("missing.png")
    no_avatar = await call(api, "DELETE", "/api/v1/profile/avatar", alice)
    assert no_avatar.status_code == 200, no_avatar.text
    assert no_avatar.json()["avatar"].endswith("/avatars/original/missing.png")
    assert not no_avatar.json()["header"].endswith("missing.png")
    no_header = await call(api, "DELETE", "/api/v1/profile/header", alice)
    assert no_header.json()["header"].endswith("/headers/original/missing.png")
    shown = (await call(api, "GET", f"/api/v1/accounts/{alice.id}")).json()
    assert shown["avatar"].endswith("missing.png") and shown["header"].endswith("missing.png")
    assert (await call(api, "DELETE", "/api/v1/profile/avatar")).status_code == 401
