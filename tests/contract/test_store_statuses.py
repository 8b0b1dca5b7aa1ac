"""StatusRepository, InteractionStore and Outbox contract: SQLite and PostgreSQL.

Every write stores its outbox rows in the same transaction as the state change."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

import pytest
from postgres_stores import StoreDb

from rookery.workloads.domain.accounts import Account, CountsChange
from rookery.workloads.domain.events import POSTS, Event
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import Status, StatusEdit, StatusQuery, ViewerFlags
from rookery.workloads.ids import new_id

AUTHOR, OTHER = 101, 202
NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def status(account_id: int = AUTHOR, **fields: Any) -> Status:
    text = fields.pop("text", "hello")
    return Status(id=new_id(), account_id=account_id, text=text, content=f"<p>{text}</p>", **fields)


def created(s: Status) -> list[tuple[str, Event]]:
    return [(POSTS, Event("StatusCreated", str(s.account_id), {"status_id": s.id}))]


async def outbox_types(store_db: StoreDb) -> list[str]:
    return [event.type for _, _, event in await store_db.outbox.pending(100)]


async def test_create_round_trips_and_writes_the_outbox(store_db: StoreDb) -> None:
    repo = store_db.statuses()
    s = status(
        visibility="unlisted", spoiler_text="cw", sensitive=True, language="en", mentions=(OTHER,),
        tags=("rookery", "news"), media_ids=(5, 3), application="app",
    )  # fmt: skip
    await repo.create(s, created(s))
    assert await repo.get(s.id) == s
    assert await repo.get_many([s.id, new_id()]) == {s.id: s}
    assert await repo.get_many([]) == {}
    assert await outbox_types(store_db) == ["StatusCreated"]
    rows = await store_db.outbox.pending(10)
    await store_db.outbox.mark_published([row_id for row_id, _, _ in rows])
    assert await store_db.outbox.pending(10) == []
    history = await repo.history(s.id)
    assert [(h.text, h.sensitive) for h in history] == [("hello", True)]


async def test_an_idempotency_key_makes_one_status_per_author(store_db: StoreDb) -> None:
    repo = store_db.statuses()
    first, retry, other_author = status(), status(text="retry"), status(OTHER)
    assert await repo.create(first, created(first), idempotency_key="k") == first.id
    assert await repo.create(retry, created(retry), idempotency_key="k") == first.id  # nothing written
    assert await repo.get(retry.id) is None
    assert await repo.create(other_author, created(other_author), idempotency_key="k") == other_author.id
    unkeyed = status()
    assert await repo.create(unkeyed, created(unkeyed)) == unkeyed.id
    assert await outbox_types(store_db) == ["StatusCreated"] * 3


async def test_failed_write_leaves_neither_state_nor_event(store_db: StoreDb) -> None:
    repo = store_db.statuses()
    s = status()
    await repo.create(s, created(s))
    await store_db.outbox.mark_published([r for r, _, _ in await store_db.outbox.pending(10)])
    duplicate = dataclasses.replace(s, text="other")
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        await repo.create(duplicate, created(duplicate))
    assert (await repo.get(s.id)).text == "hello"
    assert await store_db.outbox.pending(10) == []


async def test_counts_commit_with_the_status_or_not_at_all(store_db: StoreDb) -> None:
    """The accounts' counters handed to create() change in its transaction: once for a status,
    never for an idempotent retry or a write that fails."""
    accounts, repo = store_db.accounts(), store_db.statuses()
    author = Account(id=new_id(), username="counted", email="counted@example.com", password_hash="x", created_at=NOW)
    other = dataclasses.replace(author, id=new_id(), username="other", email="other@example.com", statuses_count=3)
    await accounts.create(author)
    await accounts.create(other)

    def bump(s: Status) -> list[CountsChange]:
        day = s.created_at.date()
        return [CountsChange(author.id, statuses=1, last_status_at=day), CountsChange(other.id, statuses=-1)]

    async def counts() -> tuple[int, int, dt.date | None]:
        got, others = await accounts.get(author.id), await accounts.get(other.id)
        return got.statuses_count, others.statuses_count, got.last_status_at

    first = status(author.id, tags=("t",))
    await repo.create(first, created(first), idempotency_key="once", counts=bump(first))
    assert await counts() == (1, 2, first.created_at.date())
    retry = status(author.id)
    assert await repo.create(retry, created(retry), idempotency_key="once", counts=bump(retry)) == first.id
    assert await counts() == (1, 2, first.created_at.date())
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error (the id is taken)
        await repo.create(first, created(first), counts=bump(first))
    twice = status(author.id, in_reply_to_id=first.id, in_reply_to_account_id=author.id)
    merged = [*bump(twice), CountsChange(author.id, statuses=1)]  # one account twice: the sum
    await repo.create(twice, created(twice), counts=merged)
    assert await counts() == (3, 1, first.created_at.date())
    assert (await repo.get(first.id)).replies_count == 1
    assert await outbox_types(store_db) == ["StatusCreated", "StatusCreated"]


async def test_replies_reblogs_edits_and_delete(store_db: StoreDb) -> None:
    repo, interactions = store_db.statuses(), store_db.interactions()
    original = status(tags=("a",))
    await repo.create(original)
    reply = status(OTHER, in_reply_to_id=original.id, in_reply_to_account_id=AUTHOR)
    reblog = status(OTHER, text="", reblog_of_id=original.id)
    await repo.create(reply)
    await repo.create(reblog)
    got = await repo.get(original.id)
    assert got is not None and (got.replies_count, got.reblogs_count) == (1, 1)
    assert [s.id for s in await repo.replies_to([original.id])] == [reply.id]
    assert await repo.reblog_by(OTHER, original.id) == reblog
    assert await repo.reblogger_ids(original.id) == [OTHER]
    assert await repo.reblogs_of(original.id, PageRequest()) == [(reblog.id, OTHER)]
    assert await repo.history(reblog.id) == []  # a reblog has no versions

    at = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    edited = dataclasses.replace(got, text="v2", content="<p>v2</p>", tags=("b",), edited_at=at)
    await repo.update(edited, StatusEdit(original.id, "v2", "<p>v2</p>", "", False, at), created(edited))
    assert (await repo.get(original.id)).tags == ("b",)
    assert [h.text for h in await repo.history(original.id)] == ["hello", "v2"]
    assert await repo.query(StatusQuery(tagged="a"), PageRequest()) == []
    assert [s.id for s in await repo.query(StatusQuery(tagged="b"), PageRequest())] == [original.id]

    await interactions.favourite(OTHER, original.id)
    await interactions.bookmark(OTHER, original.id)
    removed = await repo.delete(original.id, created(original))
    assert sorted(removed) == sorted([original.id, reblog.id])
    assert await repo.get(original.id) is None and await repo.get(reblog.id) is None
    assert await interactions.favourites_of(OTHER, PageRequest()) == []
    assert await interactions.bookmarks_of(OTHER, PageRequest()) == []
    assert await repo.delete(original.id) == []
    assert (await repo.get(reply.id)).in_reply_to_id == original.id


async def test_versions_keep_their_media_and_poll_and_an_edit_changes_the_media(store_db: StoreDb) -> None:
    repo = store_db.statuses()
    plain = status(media_ids=(7, 5))
    await repo.create(plain)  # the first version, from the status: its media, no alt text kept
    first = StatusEdit(plain.id, "hello", "<p>hello</p>", "", False, plain.created_at)
    assert await repo.history(plain.id) == [dataclasses.replace(first, media_ids=(7, 5))]

    s = status(media_ids=(3, 9))
    at = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    version = StatusEdit(s.id, "hello", "<p>hello</p>", "", False, s.created_at, (3, 9), ("a cat", None))
    await repo.create(s, created(s), version=version)
    assert await repo.get(s.id) == s
    reordered = dataclasses.replace(s, media_ids=(9, 4), edited_at=at)
    second = StatusEdit(s.id, "hello", "<p>hello</p>", "", False, at, (9, 4), (None, "a dog"))
    await repo.update(reordered, second, created(reordered))
    assert (await repo.get(s.id)).media_ids == (9, 4)
    media_only = StatusQuery(account_id=AUTHOR, only_media=True)
    assert [found.id for found in await repo.query(media_only, PageRequest())] == [s.id, plain.id]
    polled = dataclasses.replace(reordered, media_ids=(), edited_at=at + dt.timedelta(seconds=1))
    third = StatusEdit(s.id, "q?", "<p>q?</p>", "", False, polled.edited_at, poll_options=("yes", "no"))
    await repo.update(polled, third, created(polled))
    assert await repo.history(s.id) == [version, second, third]
    assert [h.poll_options for h in await repo.history(s.id)] == [None, None, ("yes", "no")]
    assert (await repo.get(s.id)).media_ids == ()
    assert [found.id for found in await repo.query(media_only, PageRequest())] == [plain.id]


async def test_query_filters_and_cursor_pages(store_db: StoreDb) -> None:
    repo = store_db.statuses()
    made = []
    for i in range(6):
        s = status(
            AUTHOR if i % 2 == 0 else OTHER,
            visibility="public" if i != 5 else "direct",
            tags=("even",) if i % 2 == 0 else ("odd",),
            media_ids=(1,) if i == 4 else (),
        )
        await repo.create(s)
        made.append(s.id)
    public = made[:5][::-1]
    assert [s.id for s in await repo.query(StatusQuery(), PageRequest())] == public
    assert [s.id for s in await repo.query(StatusQuery(account_id=AUTHOR), PageRequest())] == [
        made[4],
        made[2],
        made[0],
    ]
    assert [s.id for s in await repo.query(StatusQuery(only_media=True), PageRequest())] == [made[4]]
    assert [s.id for s in await repo.query(StatusQuery(none_tags=("even",)), PageRequest())] == [
        made[3],
        made[1],
    ]
    assert [s.id for s in await repo.query(StatusQuery(all_tags=("even",), any_tags=("odd", "even")),
                                           PageRequest())] == [made[4], made[2], made[0]]  # fmt: skip
    assert [s.id for s in await repo.query(StatusQuery(), PageRequest(max_id=made[3], limit=2))] == [
        made[2],
        made[1],
    ]
    assert [s.id for s in await repo.query(StatusQuery(), PageRequest(since_id=made[1], limit=2))] == [
        made[4],
        made[3],
    ]
    assert [s.id for s in await repo.query(StatusQuery(), PageRequest(min_id=made[1], limit=2))] == [
        made[3],
        made[2],
    ]
    entries = await repo.by_authors([AUTHOR, OTHER], PageRequest(limit=10))
    assert [e.status_id for e in entries] == public  # direct posts never merged
    assert await repo.by_authors([], PageRequest()) == []


async def test_a_page_found_after_a_long_scan_is_the_same_page(
    store_db: StoreDb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Statuses the page leaves out lie between the newest and the page: SQLite's inline read gives
    up past its budget (lowered here to a scan of about 150 rows) and the page is read on the
    writer's thread; the result is the same page with either path, and on PostgreSQL."""
    from rookery.workloads.adapters.sqlite import statuses as sqlite_statuses

    monkeypatch.setattr(sqlite_statuses, "QUERY_INLINE_STEPS", 1_000)
    repo = store_db.statuses()
    shown = [status(media_ids=(1,)) for _ in range(3)]
    for s in shown:
        await repo.create(s)
    for _ in range(600):
        await repo.create(status())
    media = StatusQuery(account_id=AUTHOR, only_media=True)
    assert [s.id for s in await repo.query(media, PageRequest(limit=2))] == [shown[2].id, shown[1].id]
    assert [s.id for s in await repo.query(media, PageRequest(max_id=shown[1].id))] == [shown[0].id]
    assert len(await repo.query(StatusQuery(account_id=AUTHOR), PageRequest(limit=40))) == 40  # inline


async def test_celebrity_merges_asked_at_once_answer_as_one_by_one(store_db: StoreDb) -> None:
    """Readers asking the same authors' same page at once share one statement in production; each
    still gets its own answer (and its own list)."""
    repo = store_db.statuses()
    made = [status(author) for author in (AUTHOR, OTHER, AUTHOR, 303, OTHER)]
    for s in made:
        await repo.create(s)
    newest = PageRequest(limit=3)
    asked = [
        ([AUTHOR, OTHER], newest),
        ([AUTHOR, OTHER], newest),
        ([303], newest),
        ([AUTHOR], PageRequest(max_id=made[2].id)),
    ]
    one_by_one = [await repo.by_authors(authors, page) for authors, page in asked]
    at_once = await asyncio.gather(*(repo.by_authors(authors, page) for authors, page in asked))
    assert at_once == one_by_one
    assert [e.status_id for e in one_by_one[0]] == [made[4].id, made[2].id, made[1].id]
    assert [e.status_id for e in one_by_one[3]] == [made[0].id]
    at_once[0].clear()  # a caller's list is its own
    assert at_once[1] == one_by_one[1]


async def test_interactions_count_page_and_flag(store_db: StoreDb) -> None:
    repo, store = store_db.statuses(), store_db.interactions()
    a, b = status(), status()
    await repo.create(a)
    await repo.create(b)
    fav_event = [(POSTS, Event("Favourited", str(OTHER), {"status_id": a.id}))]
    assert await store.favourite(OTHER, a.id, fav_event) is True
    assert await store.favourite(OTHER, a.id, fav_event) is False  # idempotent, no second event
    assert await outbox_types(store_db) == ["Favourited"]
    assert await store.favourite(AUTHOR, a.id) is True
    assert (await repo.get(a.id)).favourites_count == 2
    assert [acct for _, acct in await store.favourited_by(a.id, PageRequest())] == [AUTHOR, OTHER]
    assert await store.bookmark(OTHER, b.id) and await store.pin(AUTHOR, a.id) and await store.pin(AUTHOR, b.id)
    assert await store.pinned_ids(AUTHOR) == [b.id, a.id]
    flags = await store.viewer_flags(OTHER, [a.id, b.id])
    assert flags.favourited == {a.id} and flags.bookmarked == {b.id} and flags.pinned == frozenset()
    assert (await store.viewer_flags(OTHER, [])).favourited == frozenset()
    assert await store.unfavourite(OTHER, a.id) is True
    assert await store.unfavourite(OTHER, a.id) is False
    assert (await repo.get(a.id)).favourites_count == 1
    assert await store.unpin(AUTHOR, a.id) and await store.pinned_ids(AUTHOR) == [b.id]
    assert await store.unbookmark(OTHER, b.id) and await store.bookmarks_of(OTHER, PageRequest()) == []
    page = await store.favourites_of(AUTHOR, PageRequest(limit=1))
    assert [sid for _, sid in page] == [a.id]


async def test_concurrent_viewers_get_their_own_flags(store_db: StoreDb) -> None:
    """Pages rendered at once (production reads them in one statement) each get their viewer's flags."""
    repo, store = store_db.statuses(), store_db.interactions()
    a, b, c = status(), status(), status()
    for s in (a, b, c):
        await repo.create(s)
    await store.favourite(OTHER, a.id)
    await store.bookmark(AUTHOR, b.id)
    await store.pin(AUTHOR, c.id)
    await repo.create(status(OTHER, reblog_of_id=b.id))
    every = [a.id, b.id, c.id]
    asked = [(OTHER, every), (AUTHOR, every), (OTHER, [c.id]), (303, [a.id]), (AUTHOR, [b.id])]
    one_by_one = [await store.viewer_flags(viewer, ids) for viewer, ids in asked]
    assert await asyncio.gather(*(store.viewer_flags(viewer, ids) for viewer, ids in asked)) == one_by_one
    assert one_by_one[0].favourited == {a.id} and one_by_one[0].reblogged == {b.id} and not one_by_one[0].bookmarked
    assert one_by_one[1].bookmarked == {b.id} and one_by_one[1].pinned == {c.id} and not one_by_one[1].favourited
    assert one_by_one[2] == ViewerFlags() and one_by_one[3] == ViewerFlags()  # OTHER's flags on a and b stay out
    assert one_by_one[4].bookmarked == {b.id} and not one_by_one[4].pinned


async def test_tag_usage_counts_the_authors_public_posts(store_db: StoreDb) -> None:
    repo = store_db.statuses()
    made = [
        status(tags=("cats", "dogs")),
        status(tags=("cats",), visibility="unlisted"),
        status(tags=("cats",), visibility="private"),  # not counted: followers only
        status(tags=("birds",)),
        status(OTHER, tags=("cats",)),  # someone else's
    ]
    for s in made:
        await repo.create(s)
    expected = [("cats", 2, made[1].id), ("birds", 1, made[3].id), ("dogs", 1, made[0].id)]
    assert await repo.tag_usage(AUTHOR, None, 10) == expected
    assert await repo.tag_usage(AUTHOR, None, 1) == [("cats", 2, made[1].id)]
    assert await repo.tag_usage(AUTHOR, ["Dogs", "fish"], 10) == [("dogs", 1, made[0].id)]
    assert await repo.tag_usage(AUTHOR, [], 10) == []
