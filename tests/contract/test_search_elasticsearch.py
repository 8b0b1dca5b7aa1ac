"""The Elasticsearch adapter against an HTTP double (no Elasticsearch server can run here: the stack
has OpenSearch's distribution only). The double speaks Elasticsearch's documented wire format —
index templates, index existence and creation, ``_bulk`` NDJSON with per-item results, ``_search``
hits and aggregations, the ``X-Elastic-Product`` header the official client insists on — and
records what the client sent. The checks: the adapter sends exactly the requests the OpenSearch
adapter sends (which test_search_index.py runs against a real OpenSearch), and reads the documented
responses right, failures included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web

from rookery.workloads.adapters.search import engine
from rookery.workloads.adapters.search.elasticsearch import ElasticsearchIndex
from rookery.workloads.domain.search import AccountDocument, StatusDocument, StatusSearch, TagUse
from rookery.workloads.domain.unavailable import StoreUnavailable

PRODUCT = {
    "X-Elastic-Product": "Elasticsearch",
    "Content-Type": "application/vnd.elasticsearch+json;compatible-with=9",
}


class ElasticsearchDouble:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.indices: set[str] = set()
        self.search_responses: list[dict[str, Any]] = []

    def reply(self, body: Any, status: int = 200) -> web.Response:
        return web.Response(body=orjson.dumps(body), status=status, headers=PRODUCT)

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        path = request.path
        self.requests.append(
            {
                "method": request.method,
                "path": path,
                "query": dict(request.query),
                "content_type": request.headers.get("Content-Type", ""),
                "body": raw,
            }
        )
        if path.startswith("/_index_template/") and request.method == "PUT":
            return self.reply({"acknowledged": True})
        if path == "/_bulk" and request.method in ("POST", "PUT"):
            return self.reply(self.bulk(raw))
        if path.endswith("/_search"):
            return self.reply(self.search_responses.pop(0))
        index = path.strip("/")
        if request.method == "HEAD":
            return web.Response(status=200 if index in self.indices else 404, headers=PRODUCT)
        if request.method == "PUT":
            self.indices.add(index)
            return self.reply({"acknowledged": True, "shards_acknowledged": True, "index": index})
        return self.reply({"error": {"type": "unexpected", "reason": path}, "status": 400}, 400)

    def bulk(self, raw: bytes) -> dict[str, Any]:
        lines = [orjson.loads(line) for line in raw.splitlines() if line.strip()]
        items, errors, i = [], False, 0
        while i < len(lines):
            ((action, meta),) = lines[i].items()
            i += 1
            if action == "delete":
                items.append({"delete": {**meta, "status": 404, "result": "not_found"}})
                continue
            source = lines[i]
            i += 1
            if source.get("text") == "FAIL":
                errors = True
                items.append(
                    {
                        action: {
                            **meta,
                            "status": 400,
                            "error": {"type": "document_parsing_exception", "reason": "bad"},
                        }
                    }
                )
            else:
                items.append({action: {**meta, "status": 201, "result": "created", "_version": 1}})
        return {"took": 3, "errors": errors, "items": items}


@pytest.fixture
async def double() -> AsyncIterator[tuple[ElasticsearchDouble, str]]:
    fake = ElasticsearchDouble()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def index(double: tuple[ElasticsearchDouble, str]) -> AsyncIterator[ElasticsearchIndex]:
    found = ElasticsearchIndex(double[1], "Tenant1", refresh="wait_for")
    try:
        yield found
    finally:
        await found.close()


async def test_setup_installs_templates_then_creates_missing_indices(
    double: tuple[ElasticsearchDouble, str], index: ElasticsearchIndex
) -> None:
    fake, _ = double
    await index.setup()
    await index.setup()  # the second time the indices exist: templates only
    calls = [(r["method"], r["path"]) for r in fake.requests]
    assert calls == [
        ("PUT", "/_index_template/tenant1-accounts"),
        ("PUT", "/_index_template/tenant1-statuses"),
        ("HEAD", "/tenant1-accounts"),
        ("PUT", "/tenant1-accounts"),
        ("HEAD", "/tenant1-statuses"),
        ("PUT", "/tenant1-statuses"),
        ("PUT", "/_index_template/tenant1-accounts"),
        ("PUT", "/_index_template/tenant1-statuses"),
        ("HEAD", "/tenant1-accounts"),
        ("HEAD", "/tenant1-statuses"),
    ]
    templates = engine.index_templates("tenant1")
    assert orjson.loads(fake.requests[0]["body"]) == templates["tenant1-accounts"]
    assert orjson.loads(fake.requests[1]["body"]) == templates["tenant1-statuses"]
    assert "compatible-with" in fake.requests[0]["content_type"]


async def test_bulk_requests_and_item_errors(
    double: tuple[ElasticsearchDouble, str], index: ElasticsearchIndex
) -> None:
    fake, _ = double
    created = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)
    doc = StatusDocument(10, 1, "hello #cats", "public", ("Cats",), (2,), created_at=created)
    await index.index_statuses([doc])
    await index.index_accounts([AccountDocument(1, "Ana", "Ana A", followers_count=3)])
    await index.delete_statuses([10, 11])  # absent ids answer 404 per item: not an error
    await index.delete_account(5)
    bulk = [r for r in fake.requests if r["path"] == "/_bulk"]
    assert all(r["query"] == {"refresh": "wait_for"} for r in bulk)
    assert "x-ndjson" in bulk[0]["content_type"]
    lines = [orjson.loads(line) for line in bulk[0]["body"].splitlines()]
    assert lines == [
        {"index": {"_index": "tenant1-statuses", "_id": "10"}},
        {
            "id": 10,
            "account_id": 1,
            "text": "hello #cats",
            "visibility": "public",
            "tags": ["cats"],
            "mentions": [2],
            "created_at": "2026-11-20T08:30:00.000Z",
        },
    ]
    assert [orjson.loads(line) for line in bulk[1]["body"].splitlines()][1]["username_lower"] == "ana"
    assert [orjson.loads(line) for line in bulk[2]["body"].splitlines()] == [
        {"delete": {"_index": "tenant1-statuses", "_id": "10"}},
        {"delete": {"_index": "tenant1-statuses", "_id": "11"}},
    ]
    with pytest.raises(StoreUnavailable, match="document_parsing_exception"):
        await index.index_statuses([StatusDocument(12, 1, "FAIL", "public")])


async def test_queries_are_the_opensearch_ones_and_responses_are_read(
    double: tuple[ElasticsearchDouble, str], index: ElasticsearchIndex
) -> None:
    fake, _ = double
    hits: dict[str, Any] = {
        "took": 1,
        "timed_out": False,
        "hits": {"total": {"value": 2, "relation": "eq"}, "max_score": None},
    }
    fake.search_responses = [
        {
            **hits,
            "hits": {
                **hits["hits"],
                "hits": [
                    {"_index": "tenant1-statuses", "_id": "14", "_score": None, "sort": [14]},
                    {"_index": "tenant1-statuses", "_id": "11", "_score": None, "sort": [11]},
                ],
            },
        },
        {
            **hits,
            "hits": {**hits["hits"], "hits": [{"_index": "tenant1-accounts", "_id": "4", "_score": 3.0}]},
        },
        {
            **hits,
            "aggregations": {
                "tags": {
                    "doc_count_error_upper_bound": 0,
                    "sum_other_doc_count": 0,
                    "buckets": [{"key": "cats", "doc_count": 3}, {"key": "catalog", "doc_count": 1}],
                }
            },
        },
        {
            **hits,
            "aggregations": {
                "days": {
                    "buckets": [
                        {
                            "key_as_string": "2026-11-19",
                            "key": 1763510400000,
                            "doc_count": 2,
                            "accounts": {"value": 1},
                        },
                        {
                            "key_as_string": "2026-11-20",
                            "key": 1763596800000,
                            "doc_count": 1,
                            "accounts": {"value": 1},
                        },
                    ]
                }
            },
        },
    ]
    query = StatusSearch("hello wor", viewer_id=2, exclude_account_ids=frozenset({9}), max_id=20, limit=5)
    assert await index.search_statuses(query) == [14, 11]
    assert await index.search_accounts("al", limit=3, offset=1, among=[4, 5]) == [4]
    assert await index.search_hashtags("#cat", limit=1, offset=1) == ["catalog"]
    today = dt.date(2026, 11, 21)
    assert await index.hashtag_history("cats", 3, today) == [
        TagUse(dt.date(2026, 11, 21), 0, 0),
        TagUse(dt.date(2026, 11, 20), 1, 1),
        TagUse(dt.date(2026, 11, 19), 2, 1),
    ]
    searches = [r for r in fake.requests if r["path"].endswith("/_search")]
    assert [r["path"] for r in searches] == [
        "/tenant1-statuses/_search",
        "/tenant1-accounts/_search",
        "/tenant1-statuses/_search",
        "/tenant1-statuses/_search",
    ]
    bodies = [orjson.loads(r["body"]) for r in searches]
    assert bodies[0] == engine.statuses_query(query)
    assert bodies[1] == engine.accounts_query("al", limit=3, offset=1, among=[4, 5])
    assert bodies[2] == engine.hashtags_query("#cat", limit=1, offset=1)
    assert bodies[3] == engine.history_query("cats", 3, today)
    # nothing is sent for a query with no words
    assert await index.search_statuses(StatusSearch("!!")) == []
    assert len([r for r in fake.requests if r["path"].endswith("/_search")]) == 4


async def test_unreachable_server_is_store_unavailable() -> None:
    closed = ElasticsearchIndex("http://127.0.0.1:9", "t", timeout_s=1)
    try:
        with pytest.raises(StoreUnavailable):
            await closed.search_statuses(StatusSearch("hello"))
        with pytest.raises(StoreUnavailable):
            await closed.index_accounts([AccountDocument(1, "a")])
    finally:
        await closed.close()
