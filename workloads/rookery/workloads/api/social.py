"""Shared by the social routers (statuses, interactions, graph, timelines, notifications): reading
cursor pages, writing ``Link`` headers, mapping domain errors to API errors. (The services come
from api/deps.py.)"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

from fastapi import Request

from rookery.workloads.api.deps import settings_of
from rookery.workloads.api.errors import ApiError, NotFound, Unprocessable
from rookery.workloads.api.params import Params
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.pagination import PageRequest, clamp_limit
from rookery.workloads.ids import parse_id

CURSORS = ("max_id", "since_id", "min_id")


def path_id(value: str) -> int:
    """An id in the path: anything that is not one cannot exist."""
    parsed = parse_id(value)
    if parsed is None:
        raise NotFound()
    return parsed


def page_of(params: Params, default_limit: int = 20, max_limit: int = 40) -> PageRequest:
    cursors: dict[str, int | None] = {}
    for name in CURSORS:
        raw = params.raw(name)
        if raw is None or raw == "":
            cursors[name] = None
            continue
        parsed = parse_id(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else None
        if parsed is None:
            raise Unprocessable(f"{name} must be a status id (a positive integer)")
        cursors[name] = parsed
    limit = params.integer("limit", None)
    return PageRequest(
        max_id=cursors["max_id"],
        since_id=cursors["since_id"],
        min_id=cursors["min_id"],
        limit=clamp_limit(limit, default_limit, max_limit),
    )


def link_header(request: Request, next_max_id: int | None, prev_min_id: int | None) -> dict[str, str]:
    """``Link: <...max_id=N>; rel="next", <...min_id=M>; rel="prev"`` on the public base URL.

    Built from the raw scope: ``request.url`` and ``request.query_params`` cost more than the rest
    of the header on a home-timeline read, and a plain path and an empty query need neither."""
    if next_max_id is None and prev_min_id is None:
        return {}
    scope = request.scope
    path: str = scope["path"]
    if "?" in path or "#" in path or "\\" in path:  # what Starlette's URL escapes
        path = request.url.path
    base = settings_of(request).base_url + path
    if scope.get("query_string"):
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in CURSORS]
        before = urllib.parse.urlencode(kept) + "&" if kept else ""
    else:
        before = ""
    links = []
    if next_max_id is not None:
        links.append(f'<{base}?{before}max_id={next_max_id}>; rel="next"')
    if prev_min_id is not None:
        links.append(f'<{base}?{before}min_id={prev_min_id}>; rel="prev"')
    return {"Link": ", ".join(links)}


def paged(
    request: Request, body: list[Any], next_max_id: int | None, prev_min_id: int | None
) -> JsonResponse:
    return JsonResponse(body, headers=link_header(request, next_max_id, prev_min_id))


def pair_cursors(pairs: Sequence[tuple[int, object]]) -> tuple[int | None, int | None]:
    """Cursors of (row id, other id) pages: opaque row ids, as Mastodon does for favourites etc."""
    if not pairs:
        return None, None
    return pairs[-1][0], pairs[0][0]


def require(condition: bool, message: str) -> None:
    if not condition:
        raise ApiError(400, message)
