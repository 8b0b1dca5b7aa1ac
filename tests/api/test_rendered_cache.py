"""The rendered-entity cache is sound: after every kind of change, the pages a client reads (joined
from cached status and account fragments plus the viewer's overlay) equal the same pages rendered
afresh with empty caches, for the author and for a reader. The second read of a page is a whole
kept page (views/pages.py; embedded and production modes): it must equal the page made afresh
too, which statuses it holds included.

Changes covered: compose (with a mention, a hashtag, media, a poll, a reply), edit (of the text;
of the media: added, reordered, described, removed), delete,
favourite/unfavourite, reblog/unreblog, bookmark, pin, conversation mute, poll votes, profile
changes (display name, note, locked), follows (counts), moderation (silence, sensitive, suspend and
their lifts), custom emojis added, a viewer's filter.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from api_support import Api, User
from social_support import eventually, follow, post, settle
from test_custom_emojis import ADMIN_SCOPES, add
from test_media import png, small_png_uploaded, wait_processed

from rookery.workloads.adapters.memory.entities import MemoryEntityCache
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.views.accounts import AccountViews
from rookery.workloads.views.statuses import StatusViews


def fresh_views(api: Api) -> StatusViews:
    """The app's own status renderer over empty caches: what a page is without any cached fragment."""
    social = api.container_of("feed").social
    assert social is not None
    views = copy.copy(social.status_views)
    accounts: AccountViews = copy.copy(views.accounts)
    accounts.entities = MemoryEntityCache()
    views.accounts, views.entities = accounts, MemoryEntityCache()
    return views


async def _get(api: Api, path: str, user: User | None) -> Any:
    response = await api.client.get(path, headers=user.headers if user else {})
    assert response.status_code == 200, response.text
    return response.json()


async def fresh_ids(api: Api, context: str, author: User, viewer: User) -> list[int]:
    """The statuses of the first page as the feed finds them now, past any kept page."""
    social = api.container_of("feed").social
    assert social is not None
    if context == "home":
        page = await social.feed.home(viewer.account_id, PageRequest())
    else:
        page = await social.feed.account(author.account_id, viewer.account_id, PageRequest())
    return [entry.status_id for entry in page.entries]


async def assert_cached_equal_fresh(api: Api, author: User, viewers: list[User], what: str) -> None:
    await settle(api)
    await api.moderation_told()
    social = api.container_of("feed").social
    assert social is not None
    kept = social.status_views.pages  # whole pages kept (none in the split topology's tests)
    hits = kept.hits if kept is not None else 0
    pages = [("/api/v1/timelines/home", "home"), (f"/api/v1/accounts/{author.id}/statuses", "account")]
    for viewer in viewers:
        for path, context in pages:
            await _get(api, path, viewer)  # the first read may fill the cache; the second is served from it
            kept_here = kept is not None and (kept.versions is None or context == "home")
            for _ in range(3):  # production: any write to the PostgreSQL server (another test's too) moves the stamp
                served = kept.hits if kept is not None else 0
                cached = await _get(api, path, viewer)
                if not kept_here or kept is None or kept.hits > served:
                    break
            ids = await fresh_ids(api, context, author, viewer)
            fresh = await fresh_views(api).render(ids, viewer.account_id, context=context)
            assert cached == fresh, f"after {what}: {path} as {viewer.username}"
    if kept is not None:  # every second read was the kept page (production keeps home pages only)
        expected = len(viewers) * (len(pages) if kept.versions is None else 1)
        assert kept.hits - hits >= expected, f"after {what}: kept pages not served"
    for account in (author, *viewers):
        await _get(api, f"/api/v1/accounts/{account.id}", None)
        cached = await _get(api, f"/api/v1/accounts/{account.id}", None)
        assert cached == await fresh_views(api).accounts.one(account.account_id), f"after {what}: {account.username}"


async def _ok(api: Api, method: str, path: str, user: User, **kwargs: Any) -> Any:
    response = await api.client.request(method, path, headers=user.headers, **kwargs)
    assert response.status_code == 200, f"{method} {path}: {response.text}"
    return response.json()


async def test_cached_pages_equal_fresh_ones_after_every_kind_of_change(api: Api) -> None:
    alice, bob, carol = await api.make_users("alice", "bob", "carol")
    admin = await api.make_user("root", role="admin", scopes=ADMIN_SCOPES)
    mod = await api.make_user("mod", role="moderator", scopes=ADMIN_SCOPES)
    await follow(api, bob, alice)
    await follow(api, bob, carol)
    first = await post(api, alice, f"hello @carol #tea :blob: {'x' * 10}")
    media = await small_png_uploaded(api, alice, "cat.png")
    await wait_processed(api, alice, media["id"])
    pictured = await post(api, alice, "a picture", media_ids=[media["id"]])
    polled = await post(api, alice, "tea or coffee?", poll={"options": ["tea", "coffee"], "expires_in": 3600})
    viewers = [bob, alice, carol]

    async def check(what: str, *, readers: list[User] = viewers) -> None:
        await assert_cached_equal_fresh(api, alice, readers, what)

    await check("compose")
    status = f"/api/v1/statuses/{first['id']}"
    await _ok(api, "PUT", status, alice, json={"status": "hello again @carol #coffee", "spoiler_text": "cw"})
    await check("an edit")
    other = await small_png_uploaded(api, alice, "dog.png")
    await wait_processed(api, alice, other["id"])
    pictured_path = f"/api/v1/statuses/{pictured['id']}"
    described = [{"id": media["id"], "description": "a cat"}]
    two = {"status": "two pictures", "media_ids": [other["id"], media["id"]], "media_attributes": described}
    await _ok(api, "PUT", pictured_path, alice, json=two)
    await check("an edit adding, reordering and describing media")
    await _ok(api, "PUT", pictured_path, alice, json={"status": "one", "media_ids": [media["id"]]})
    await check("an edit removing media")
    reply = await post(api, carol, "@alice a reply", in_reply_to_id=first["id"])
    await check("a reply")
    await _ok(api, "POST", f"{status}/favourite", carol)
    await _ok(api, "POST", f"{status}/favourite", bob)
    await check("favourites")
    await _ok(api, "POST", f"{status}/reblog", carol)
    await check("a reblog")
    await _ok(api, "POST", f"{status}/bookmark", bob)
    await _ok(api, "POST", f"{status}/mute", carol)  # mentioned: part of it
    await _ok(api, "POST", f"/api/v1/statuses/{pictured['id']}/pin", alice)
    await check("a bookmark, a conversation mute, a pin")
    await _ok(api, "POST", f"{status}/unreblog", carol)
    await _ok(api, "POST", f"{status}/unfavourite", bob)
    await _ok(api, "POST", f"{status}/unmute", carol)
    await check("an unreblog, an unfavourite, an unmute")
    await _ok(api, "DELETE", f"/api/v1/statuses/{reply['id']}", carol)
    await check("a deleted reply")
    poll_id = polled["poll"]["id"]
    await _ok(api, "POST", f"/api/v1/polls/{poll_id}/votes", bob, json={"choices": [0]})
    await _ok(api, "POST", f"/api/v1/polls/{poll_id}/votes", carol, json={"choices": [1]})
    await check("poll votes")
    await _ok(api, "PATCH", "/api/v1/accounts/update_credentials", alice, data={"display_name": "Alice :blob:"})
    await _ok(api, "PATCH", "/api/v1/accounts/update_credentials", alice, data={"note": "#tea lover", "locked": "1"})
    await check("profile changes")
    await follow(api, carol, alice)  # a request now (locked): no counts move
    await _ok(api, "POST", f"/api/v1/follow_requests/{carol.id}/authorize", alice)
    await check("a follow")
    created = await add(api, admin, "blob", ("blob.png", png((16, 16)), "image/png"))
    assert created.status_code == 200, created.text
    await check("a custom emoji added")
    await _ok(
        api,
        "POST",
        "/api/v2/filters",
        bob,
        json={
            "title": "Drinks",
            "context": ["home"],
            "filter_action": "warn",
            "keywords_attributes": [{"keyword": "coffee"}],
        },
    )
    await check("a filter")
    for action, lift in (("silence", "unsilence"), ("sensitive", "unsensitive")):
        await _ok(api, "POST", f"/api/v1/admin/accounts/{alice.id}/action", mod, json={"type": action})
        await check(f"a {action}")
        await _ok(api, "POST", f"/api/v1/admin/accounts/{alice.id}/{lift}", mod)
        await check(f"an {lift}")
    await _ok(api, "POST", f"/api/v1/admin/accounts/{carol.id}/action", mod, json={"type": "suspend"})
    await check("a suspension", readers=[bob, alice])  # carol may not read now
    await _ok(api, "POST", f"/api/v1/admin/accounts/{carol.id}/unsuspend", mod)
    await check("an unsuspension")
    await _ok(api, "DELETE", status, alice)
    await check("a deleted status")


async def test_a_page_changes_with_the_clock_when_a_poll_closes_or_a_filter_expires(app_factory: Any) -> None:
    """Nothing is written when a poll's time is up (the closer runs only hourly here) or when a
    filter expires: a page kept in embedded mode must end with them all the same."""
    async with app_factory(poll_min_expires_in_s=1, poll_close_interval_s=3600) as api:
        alice, bob = await api.make_users("alice", "bob")
        await follow(api, bob, alice)
        polled = await post(api, alice, "quick one", poll={"options": ["a", "b"], "expires_in": 2})
        coffee = await post(api, alice, "coffee time")
        hide = {"title": "Drinks", "context": ["home"], "filter_action": "hide", "expires_in": 3}
        await _ok(api, "POST", "/api/v2/filters", bob, json={**hide, "keywords_attributes": [{"keyword": "coffee"}]})
        await settle(api)

        async def home() -> dict[str, dict[str, Any]]:
            return {s["id"]: s for s in await _get(api, "/api/v1/timelines/home", bob)}

        first, again = await home(), await home()
        assert first == again and set(first) == {polled["id"]}  # coffee hidden by the filter
        assert first[polled["id"]]["poll"]["expired"] is False

        async def poll_closed() -> bool:
            return bool((await home())[polled["id"]]["poll"]["expired"])

        await eventually(poll_closed, timeout_s=10, what="the poll shown closed")

        async def filter_gone() -> bool:
            return coffee["id"] in await home()

        await eventually(filter_gone, timeout_s=10, what="the hidden status shown once its filter expired")


async def test_a_page_made_between_a_commit_and_its_invalidation_is_not_kept_past_it(api: Api) -> None:
    """A write commits, then invalidates the fragments it changed. A page read in between holds the
    old fragment; once the invalidation is done, the next read must show the change (a kept page
    is stamped with the entity cache's invalidations in embedded mode, checked by the versions of
    its fragments in production: the database's version or snapshot had already moved)."""
    alice, bob = await api.make_users("alice", "bob")
    await follow(api, bob, alice)
    status = await post(api, alice, "before the edit")
    await settle(api)
    assert [s["content"] for s in await _get(api, "/api/v1/timelines/home", bob)] == ["<p>before the edit</p>"]
    entities = api.container_of("feed").infra.entities
    invalidate, gate, held = entities.invalidate, asyncio.Event(), asyncio.Event()

    async def held_back(keys: Any) -> None:
        keys = list(keys)
        held.set()
        await gate.wait()
        await invalidate(keys)

    entities.invalidate = held_back  # type: ignore[method-assign]
    try:
        edit = asyncio.create_task(
            api.client.put(f"/api/v1/statuses/{status['id']}", headers=alice.headers, json={"status": "after"})
        )
        await asyncio.wait_for(held.wait(), 10)  # committed; its invalidation waits
        await _get(api, "/api/v1/timelines/home", bob)  # made now: the old fragment, whatever it shows
    finally:
        gate.set()
        entities.invalidate = invalidate  # type: ignore[method-assign]
    assert (await edit).status_code == 200
    assert [s["content"] for s in await _get(api, "/api/v1/timelines/home", bob)] == ["<p>after</p>"]
