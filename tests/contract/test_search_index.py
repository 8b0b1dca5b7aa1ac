"""SearchIndex contract: the same queries give the same answers on SQLite FTS5 and on OpenSearch
(the stack's OpenSearch 2.19, needs("search")). Elasticsearch runs the OpenSearch adapter's
requests through its own client: test_search_elasticsearch.py checks them against an HTTP double.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import AsyncIterator

import httpx
import pytest
from contract_support import sqlite_database

from rookery.workloads.adapters.sqlite import search as sqlite_search
from rookery.workloads.domain.search import AccountDocument, StatusDocument, StatusSearch, TagUse
from rookery.workloads.ports.search import SearchIndex


@pytest.fixture(params=["sqlite", pytest.param("opensearch", marks=pytest.mark.needs("search"))])
async def index(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path, tenant: str
) -> AsyncIterator[SearchIndex]:
    if request.param == "sqlite":
        async with sqlite_database(tmp_path / "search.db", sqlite_search.MIGRATIONS) as db:
            yield sqlite_search.SqliteSearchIndex(db)
        return
    from rookery.workloads.adapters.search.opensearch import OpenSearchIndex

    url = request.getfixturevalue("stack_env")["ROOKERY_SEARCH_URL"]
    found = OpenSearchIndex(url, tenant, refresh="true")  # every write searchable at once
    await found.setup()
    await found.setup()  # idempotent: templates replaced, existing indices kept
    try:
        yield found
    finally:
        await found.close()
        async with httpx.AsyncClient(base_url=url) as http:  # leave nothing behind on the shared server
            await http.delete(f"/{tenant}-accounts,{tenant}-statuses")
            for kind in ("accounts", "statuses"):
                await http.delete(f"/_index_template/{tenant}-{kind}")


def when(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


async def test_accounts_rank_exact_then_prefix_then_followers(index: SearchIndex) -> None:
    await index.index_accounts(
        [
            AccountDocument(1, "alice", "Wonderland Al", followers_count=5),
            AccountDocument(2, "alfred", "Butler", followers_count=50),
            AccountDocument(3, "bob", "Al Bundy", followers_count=500),
            AccountDocument(4, "al", "", followers_count=0),
            AccountDocument(5, "carol", "Café Owner", followers_count=1),
        ]
    )
    assert await index.search_accounts("al", limit=10) == [4, 2, 1, 3]  # exact, prefixes by followers, name
    assert await index.search_accounts("@alfred", limit=10) == [2]
    assert await index.search_accounts("@alfred@rookery.example", limit=10) == [2]
    assert await index.search_accounts("wonder", limit=10) == [1]
    assert await index.search_accounts("wonder al", limit=10) == [1]  # every word a prefix
    assert await index.search_accounts("café", limit=10) == [5]  # diacritics kept (no folding)
    assert await index.search_accounts("CAF", limit=10) == [5]
    assert await index.search_accounts("%", limit=10) == []
    assert await index.search_accounts("al", limit=2, offset=1) == [2, 1]
    assert await index.search_accounts("al", limit=10, among=[1, 3]) == [1, 3]
    assert await index.search_accounts("al", limit=10, among=[]) == []


async def test_accounts_reindex_delete_and_discoverability(index: SearchIndex) -> None:
    await index.index_accounts(
        [AccountDocument(1, "dora", "Explorer"), AccountDocument(2, "hidden", "", discoverable=False)]
    )
    assert await index.search_accounts("explorer", limit=10) == [1]
    await index.index_accounts([AccountDocument(1, "dora", "Navigator")])  # replaced, not added
    assert await index.search_accounts("explorer", limit=10) == []
    assert await index.search_accounts("navi", limit=10) == [1]
    assert await index.search_accounts("hid", limit=10) == []  # not discoverable: only by exact username
    assert await index.search_accounts("hidden", limit=10) == [2]
    await index.delete_account(1)
    await index.delete_account(99)  # unknown: nothing happens
    assert await index.search_accounts("dora", limit=10) == []


STATUSES = [
    StatusDocument(10, 1, "Hello world of cats", "public", ("cats",), created_at=when("2026-11-19")),
    StatusDocument(11, 1, "hello quiet world", "unlisted", ("cats",), created_at=when("2026-11-19", 13)),
    StatusDocument(12, 1, "hello followers world", "private", ("cats",), created_at=when("2026-11-20")),
    StatusDocument(
        13, 1, "hello @bob world secretly", "direct", ("cats",), mentions=(2,), created_at=when("2026-11-20")
    ),
    StatusDocument(
        14, 2, "Hello world from bob", "public", ("cats", "catalog"), created_at=when("2026-11-20")
    ),
    StatusDocument(15, 3, "hello worldwide café", "public", ("dogs",), created_at=when("2026-11-21")),
]


async def test_statuses_words_and_viewer_rules(index: SearchIndex) -> None:
    await index.index_statuses(STATUSES)

    async def found(text: str, **fields: object) -> list[int]:
        return await index.search_statuses(StatusSearch(text, **fields))  # type: ignore[arg-type]

    assert await found("hello world") == [
        15,
        14,
        11,
        10,
    ]  # anonymous: public and unlisted; last word a prefix
    assert await found("hello world", viewer_id=3) == [15, 14, 11, 10]
    assert await found("hello world", viewer_id=1) == [15, 14, 13, 12, 11, 10]  # the author's own
    assert await found("hello world", viewer_id=2) == [15, 14, 13, 11, 10]  # mentioned in the direct one
    assert await found("HELLO WORLD", viewer_id=2, exclude_account_ids=frozenset({1})) == [15, 14]
    assert await found("hello world", account_id=1) == [11, 10]
    assert await found("hello world", max_id=14, min_id=10) == [11]
    assert await found("hello world", limit=2, offset=1) == [14, 11]
    assert await found("café") == [15]
    assert await found("world cats") == [10]  # every word, not any
    assert await found("wor hello") == []  # only the last word is a prefix
    assert await found("!!!") == []


async def test_statuses_reindex_and_delete(index: SearchIndex) -> None:
    await index.index_statuses(STATUSES[:2])
    await index.index_statuses([StatusDocument(10, 1, "edited text about dogs", "public", ("dogs",))])
    assert await index.search_statuses(StatusSearch("hello")) == [11]
    assert await index.search_statuses(StatusSearch("dogs")) == [10]
    assert await index.search_hashtags("dog", limit=5) == ["dogs"]
    await index.delete_statuses([10, 11, 999])
    assert await index.search_statuses(StatusSearch("hello")) == []
    assert await index.search_hashtags("", limit=5) == []
    assert await index.search_hashtags("dogs", limit=5) == []


async def test_hashtags_by_use_and_history(index: SearchIndex) -> None:
    await index.index_statuses(STATUSES)
    # private and direct uses are not counted: cats has 3 listed uses, catalog 1
    assert await index.search_hashtags("cat", limit=10) == ["cats", "catalog"]
    assert await index.search_hashtags("#CAT", limit=1, offset=1) == ["catalog"]
    assert await index.search_hashtags("do", limit=10) == ["dogs"]
    assert await index.search_hashtags("zzz", limit=10) == []
    history = await index.hashtag_history("cats", 3, dt.date(2026, 11, 21))
    assert history == [
        TagUse(dt.date(2026, 11, 21), 0, 0),
        TagUse(dt.date(2026, 11, 20), 1, 1),
        TagUse(dt.date(2026, 11, 19), 2, 1),
    ]
    assert [u.uses for u in await index.hashtag_history("nothing", 2, dt.date(2026, 11, 21))] == [0, 0]
