"""The SearchIndex on an OpenSearch / Elasticsearch cluster: index templates, mappings, bulk
documents and queries, the same for both engines (their REST APIs agree on everything used here:
composable index templates, ``_bulk``, ``_search`` with bool/match_bool_prefix/terms/range,
``terms`` / ``date_histogram`` / ``cardinality`` aggregations). Engine subclasses only adapt the
client call (opensearch.py, elasticsearch.py).

Indices are ``<tenant>-accounts`` and ``<tenant>-statuses``; hashtags are aggregated from the
statuses index (public and unlisted ones), so there is nothing else to keep in step.
Semantics: domain/search.py and its StatusSearch, identical to the SQLite FTS5 adapter.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from typing import Any

from rookery.workloads.domain.search import (
    TAG_RE,
    AccountDocument,
    StatusDocument,
    StatusSearch,
    TagUse,
    account_terms,
    tag_prefix,
    words,
)
from rookery.workloads.domain.statuses import created_at_of
from rookery.workloads.domain.unavailable import StoreUnavailable

LISTED = ["public", "unlisted"]

# Only what every distribution has (the minimal OpenSearch ships no analysis-common module): the
# standard analyzer (Unicode word breaks, lower-cased), as domain/search.py cuts words.
TEXT: dict[str, Any] = {"type": "text", "analyzer": "standard"}

ACCOUNT_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "long"},
        "username": TEXT,
        "username_lower": {"type": "keyword"},  # exact and prefix ranking
        "display_name": TEXT,
        "followers_count": {"type": "long"},
        "discoverable": {"type": "boolean"},
    },
}

STATUS_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "long"},
        "account_id": {"type": "long"},
        "text": TEXT,
        "visibility": {"type": "keyword"},
        "tags": {"type": "keyword"},
        "mentions": {"type": "long"},
        "created_at": {"type": "date"},
    },
}


def index_templates(prefix: str, shards: int = 1, replicas: int = 0) -> dict[str, dict[str, Any]]:
    """Composable index templates by name: what `setup()` installs (and the operator may too)."""
    settings = {"number_of_shards": shards, "number_of_replicas": replicas}
    return {
        f"{prefix}-accounts": {
            "index_patterns": [f"{prefix}-accounts*"],
            "priority": 100,
            "template": {"settings": settings, "mappings": ACCOUNT_MAPPINGS},
        },
        f"{prefix}-statuses": {
            "index_patterns": [f"{prefix}-statuses*"],
            "priority": 100,
            "template": {"settings": settings, "mappings": STATUS_MAPPINGS},
        },
    }


def account_source(doc: AccountDocument) -> dict[str, Any]:
    return {
        "id": doc.id,
        "username": doc.username,
        "username_lower": doc.username.lower(),
        "display_name": doc.display_name,
        "followers_count": doc.followers_count,
        "discoverable": doc.discoverable,
    }


def status_source(doc: StatusDocument) -> dict[str, Any]:
    created = (doc.created_at or created_at_of(doc.id)).astimezone(dt.UTC)
    return {
        "id": doc.id,
        "account_id": doc.account_id,
        "text": doc.text,
        "visibility": doc.visibility,
        "tags": [t.lower() for t in doc.tags],
        "mentions": list(doc.mentions),
        "created_at": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def accounts_query(
    text: str, *, limit: int, offset: int, among: Sequence[int] | None
) -> dict[str, Any] | None:
    found, exact = account_terms(text)
    if not found:
        return None
    filters: list[dict[str, Any]] = [
        {"multi_match": {"query": word, "type": "bool_prefix", "fields": ["username", "display_name"]}}
        for word in found
    ]
    filters.append(
        {"bool": {"should": [{"term": {"discoverable": True}}, {"term": {"username_lower": exact}}]}}
    )
    if among is not None:
        filters.append({"terms": {"id": list(among)}})
    return {
        "from": offset,
        "size": limit,
        "_source": False,
        "track_total_hits": False,
        "query": {
            "bool": {
                "filter": filters,
                # scoring only ranks: exact username 2, username prefix 1 (then followers, id)
                "should": [
                    {"constant_score": {"filter": {"term": {"username_lower": exact}}, "boost": 2}},
                    {"constant_score": {"filter": {"prefix": {"username_lower": exact}}, "boost": 1}},
                ],
            }
        },
        "sort": [{"_score": "desc"}, {"followers_count": "desc"}, {"id": "asc"}],
    }


def _listed_or_viewer(viewer_id: int | None) -> dict[str, Any]:
    listed: dict[str, Any] = {"terms": {"visibility": LISTED}}
    if viewer_id is None:
        return listed
    return {
        "bool": {
            "should": [listed, {"term": {"account_id": viewer_id}}, {"term": {"mentions": viewer_id}}],
            "minimum_should_match": 1,
        }
    }


def statuses_query(query: StatusSearch) -> dict[str, Any] | None:
    found = words(query.text)
    if not found:
        return None
    filters: list[dict[str, Any]] = [
        {"match_bool_prefix": {"text": {"query": " ".join(found), "operator": "and"}}},
        _listed_or_viewer(query.viewer_id),
    ]
    if query.account_id is not None:
        filters.append({"term": {"account_id": query.account_id}})
    bounds: dict[str, int] = {}
    if query.max_id is not None:
        bounds["lt"] = query.max_id
    if query.min_id is not None:
        bounds["gt"] = query.min_id
    if bounds:
        filters.append({"range": {"id": bounds}})
    bool_query: dict[str, Any] = {"filter": filters}
    if query.exclude_account_ids:
        bool_query["must_not"] = [{"terms": {"account_id": sorted(query.exclude_account_ids)}}]
    return {
        "from": query.offset,
        "size": query.limit,
        "_source": False,
        "track_total_hits": False,
        "query": {"bool": bool_query},
        "sort": [{"id": "desc"}],
    }


def hashtags_query(text: str, *, limit: int, offset: int) -> dict[str, Any] | None:
    prefix = tag_prefix(text)
    if prefix is None:
        return None
    return {
        "size": 0,
        "query": {"bool": {"filter": [{"terms": {"visibility": LISTED}}, {"prefix": {"tags": prefix}}]}},
        "aggs": {
            "tags": {
                "terms": {
                    "field": "tags",
                    "include": f"{prefix}.*",  # tag names are \w only: nothing to escape
                    # "map": OpenSearch 2.19's global-ordinals path fails (500) when no term matches
                    "execution_hint": "map",
                    "size": offset + limit,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
        },
    }


def history_query(name: str, days: int, today: dt.date) -> dict[str, Any]:
    first = today - dt.timedelta(days=days - 1)
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"tags": name.lower()}},
                    {"terms": {"visibility": LISTED}},
                    {
                        "range": {
                            "created_at": {
                                "gte": first.isoformat(),
                                "lt": (today + dt.timedelta(days=1)).isoformat(),
                            }
                        }
                    },
                ]
            }
        },
        "aggs": {
            "days": {
                "date_histogram": {"field": "created_at", "calendar_interval": "day", "format": "yyyy-MM-dd"},
                "aggs": {"accounts": {"cardinality": {"field": "account_id"}}},
            }
        },
    }


def hit_ids(response: dict[str, Any]) -> list[int]:
    return [int(hit["_id"]) for hit in response.get("hits", {}).get("hits", [])]


class EngineSearchIndex(abc.ABC):
    """SearchIndex over an engine client; ``refresh`` is passed to writes ("false": visible within
    the refresh interval, "wait_for": the write returns once searchable, "true": refresh now)."""

    def __init__(self, prefix: str, *, refresh: str = "false") -> None:
        self.prefix = prefix.lower()
        self.accounts_index = f"{self.prefix}-accounts"
        self.statuses_index = f"{self.prefix}-statuses"
        self.refresh = refresh
        self._ready = False  # templates and indices in place (setup() succeeded once)

    # --- engine calls (subclasses) ---------------------------------------------------------

    @abc.abstractmethod
    async def _put_template(self, name: str, body: dict[str, Any]) -> None: ...

    @abc.abstractmethod
    async def _ensure_index(self, index: str) -> None: ...

    @abc.abstractmethod
    async def _bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]: ...

    @abc.abstractmethod
    async def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    # --- SearchIndex ------------------------------------------------------------------------

    async def setup(self) -> None:
        for name, body in index_templates(self.prefix).items():
            await self._put_template(name, body)
        for index in (self.accounts_index, self.statuses_index):
            await self._ensure_index(index)
        self._ready = True

    async def _ensure_ready(self) -> None:
        """A process that started while the cluster was away sets it up on first use (never
        writing into an index created without the templates' mappings)."""
        if not self._ready:
            await self.setup()

    async def _write(self, operations: list[dict[str, Any]]) -> None:
        if not operations:
            return
        await self._ensure_ready()
        response = await self._bulk(operations)
        if response.get("errors"):
            failed = [
                item
                for entry in response.get("items", [])
                for item in entry.values()
                if item.get("status", 200) >= 300 and item.get("status") != 404  # deleting the absent is fine
            ]
            if failed:
                raise StoreUnavailable(f"search bulk request failed: {failed[0].get('error')}")

    async def index_accounts(self, documents: Sequence[AccountDocument]) -> None:
        operations: list[dict[str, Any]] = []
        for doc in documents:
            operations += [
                {"index": {"_index": self.accounts_index, "_id": str(doc.id)}},
                account_source(doc),
            ]
        await self._write(operations)

    async def delete_account(self, account_id: int) -> None:
        await self._write([{"delete": {"_index": self.accounts_index, "_id": str(account_id)}}])

    async def index_statuses(self, documents: Sequence[StatusDocument]) -> None:
        operations: list[dict[str, Any]] = []
        for doc in documents:
            operations += [{"index": {"_index": self.statuses_index, "_id": str(doc.id)}}, status_source(doc)]
        await self._write(operations)

    async def delete_statuses(self, status_ids: Sequence[int]) -> None:
        await self._write([{"delete": {"_index": self.statuses_index, "_id": str(i)}} for i in status_ids])

    async def search_accounts(
        self, text: str, *, limit: int, offset: int = 0, among: Sequence[int] | None = None
    ) -> list[int]:
        if among is not None and not among:
            return []
        body = accounts_query(text, limit=limit, offset=offset, among=among)
        if body is None:
            return []
        await self._ensure_ready()
        return hit_ids(await self._search(self.accounts_index, body))

    async def search_statuses(self, query: StatusSearch) -> list[int]:
        body = statuses_query(query)
        if body is None:
            return []
        await self._ensure_ready()
        return hit_ids(await self._search(self.statuses_index, body))

    async def search_hashtags(self, text: str, *, limit: int, offset: int = 0) -> list[str]:
        body = hashtags_query(text, limit=limit, offset=offset)
        if body is None:
            return []
        await self._ensure_ready()
        response = await self._search(self.statuses_index, body)
        buckets = response.get("aggregations", {}).get("tags", {}).get("buckets", [])
        return [str(b["key"]) for b in buckets][offset : offset + limit]

    async def hashtag_history(self, name: str, days: int, today: dt.date) -> list[TagUse]:
        if not TAG_RE.match(name):
            return [TagUse(today - dt.timedelta(days=i), 0, 0) for i in range(days)]
        await self._ensure_ready()
        response = await self._search(self.statuses_index, history_query(name, days, today))
        by_day = {
            dt.date.fromisoformat(b["key_as_string"]): (int(b["doc_count"]), int(b["accounts"]["value"]))
            for b in response.get("aggregations", {}).get("days", {}).get("buckets", [])
        }
        return [
            TagUse(day, *by_day.get(day, (0, 0)))
            for day in (today - dt.timedelta(days=i) for i in range(days))
        ]
