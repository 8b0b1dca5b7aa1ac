"""Mastodon's Filter, FilterKeyword, FilterStatus, FilterResult and V1::Filter entities, and the
viewer's filters applied to rendered Status entities (``filtered``; ``hide`` leaves them out)."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import orjson

from rookery.workloads.domain.filters import Filter, FilterKeyword, FilterMatch, FilterStatus, hides, match_status
from rookery.workloads.views.moments import iso

_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


class ActiveFilters(Protocol):
    """The filters role as views use it (``FiltersService``)."""

    async def active(self, viewer_id: int, context: str) -> list[Filter]: ...


def render_keyword(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def render_filter_status(status: FilterStatus) -> dict[str, Any]:
    return {"id": str(status.id), "status_id": str(status.status_id)}


def render_filter(found: Filter, *, children: bool = True) -> dict[str, Any]:
    """A Filter; inside a FilterResult without its keywords and statuses (as Mastodon)."""
    entity: dict[str, Any] = {
        "id": str(found.id),
        "title": found.title,
        "context": list(found.context),
        "expires_at": iso(found.expires_at) if found.expires_at else None,
        "filter_action": found.action,
    }
    if children:
        entity["keywords"] = [render_keyword(k) for k in found.keywords]
        entity["statuses"] = [render_filter_status(s) for s in found.statuses]
    return entity


def render_v1(found: Filter, keyword: FilterKeyword) -> dict[str, Any]:
    """V1::Filter: one keyword of a filter."""
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": list(found.context),
        "whole_word": keyword.whole_word,
        "expires_at": iso(found.expires_at) if found.expires_at else None,
        "irreversible": found.action == "hide",
    }


def render_result(match: FilterMatch) -> dict[str, Any]:
    return {
        "filter": render_filter(match.filter, children=False),
        "keyword_matches": list(match.keyword_matches) if match.keyword_matches is not None else None,
        "status_matches": list(match.status_matches) if match.status_matches is not None else None,
    }


def searchable_text(entity: dict[str, Any]) -> str:
    """What keywords are matched in: the content warning, the text, media descriptions, poll options."""
    content = _TAG.sub("", _BREAK.sub("\n", entity.get("content") or ""))
    parts = [entity.get("spoiler_text") or "", html.unescape(content)]
    parts += [m.get("description") or "" for m in entity.get("media_attachments") or ()]
    poll = entity.get("poll")
    if poll:
        parts += [o.get("title") or "" for o in poll.get("options") or ()]
    return "\n\n".join(p for p in parts if p)


def annotate(
    entity: dict[str, Any], viewer_id: int, filters: Sequence[Filter], *, drop_hidden: bool = True
) -> dict[str, Any] | None:
    """One rendered status under the viewer's active filters: None when a ``hide`` filter matches
    (unless not ``drop_hidden``: a status asked for by id), else with ``filtered`` (also on the
    reblogged status). Own statuses are never filtered."""
    proper = entity.get("reblog") or entity
    if str((proper.get("account") or {}).get("id")) == str(viewer_id):
        return entity
    matches = match_status(filters, searchable_text(proper), [int(entity["id"]), int(proper["id"])])
    if not matches:
        return entity
    if drop_hidden and hides(matches):
        return None
    results = [render_result(m) for m in matches]
    annotated = {**entity, "filtered": results}
    if entity.get("reblog"):
        annotated["reblog"] = {**entity["reblog"], "filtered": results}
    return annotated


async def apply_filters(
    filters: ActiveFilters | None,
    viewer_id: int | None,
    context: str | None,
    entities: list[dict[str, Any]],
    *,
    drop_hidden: bool = True,
) -> list[dict[str, Any]]:
    """Rendered statuses as the viewer sees them in ``context`` (one filter query per call)."""
    if filters is None or viewer_id is None or context is None or not entities:
        return entities
    active = await filters.active(viewer_id, context)
    if not active:
        return entities
    return [
        shown
        for entity in entities
        if (shown := annotate(entity, viewer_id, active, drop_hidden=drop_hidden)) is not None
    ]


def payload_filter(filters: ActiveFilters) -> Callable[[int, str, str], Awaitable[str | None]]:
    """For the streaming hub: a rendered status (its JSON payload) as this viewer receives it in
    this context; None when a ``hide`` filter matches."""

    async def apply(viewer_id: int, context: str, payload: str) -> str | None:
        active = await filters.active(viewer_id, context)
        if not active:
            return payload
        entity = orjson.loads(payload)
        shown = annotate(entity, viewer_id, active)
        if shown is None:
            return None
        return payload if shown is entity else orjson.dumps(shown).decode()

    return apply


KEYWORD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "keyword": {"type": "string"}, "whole_word": {"type": "boolean"}},
}
FILTER_STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "status_id": {"type": "string"}},
}
FILTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Filter entity",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "context": {"type": "array", "items": {"type": "string"}},
        "expires_at": {"type": ["string", "null"]},
        "filter_action": {"type": "string"},
        "keywords": {"type": "array", "items": KEYWORD_SCHEMA},
        "statuses": {"type": "array", "items": FILTER_STATUS_SCHEMA},
    },
}
V1_FILTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon V1::Filter entity",
    "properties": {
        "id": {"type": "string"},
        "phrase": {"type": "string"},
        "context": {"type": "array", "items": {"type": "string"}},
        "whole_word": {"type": "boolean"},
        "expires_at": {"type": ["string", "null"]},
        "irreversible": {"type": "boolean"},
    },
}
