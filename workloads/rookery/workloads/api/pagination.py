"""Mastodon's cursor pages in the API: reading ``max_id`` / ``since_id`` / ``min_id`` / ``limit``
into a ``PageRequest`` and writing the ``Link`` header of the answer. Every paged route uses these.

A cursor that is not an id is a 422 (``max_id must be a status id (a positive integer)``); a limit
is clamped to the route's maximum, zero or less reads as its default. ``Link`` points at the public
base URL with the request's other parameters kept: ``rel="next"`` (older, ``max_id``) and
``rel="prev"`` (newer, ``min_id``). An ``access_token`` parameter is never kept: as in Mastodon, a
credential is not echoed into a response header (where proxies log it), and the links stay short.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import Any

from fastapi import Request

from rookery.workloads.api.deps import settings_of
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.params import Params
from rookery.workloads.api.responses import JsonResponse, RawJsonResponse
from rookery.workloads.domain.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, clamp_limit
from rookery.workloads.ids import parse_id

CURSORS = ("max_id", "since_id", "min_id")
NOT_KEPT = frozenset((*CURSORS, "access_token"))  # what a Link leaves out of the request's query
STATUS_ID = "a status id (a positive integer)"


def cursor(params: Params, name: str, kind: str = STATUS_ID) -> int | None:
    """One cursor: None when absent or empty, else an id (422 ``<name> must be <kind>``)."""
    raw = params.raw(name)
    if raw is None or raw == "":
        return None
    parsed = parse_id(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else None
    if parsed is None:
        raise Unprocessable(f"{name} must be {kind}")
    return parsed


def page_of(
    params: Params, default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT, *, kind: str = STATUS_ID
) -> PageRequest:
    """The page a request asks for (cursors as ``kind`` names them in the 422)."""
    max_id, since_id, min_id = (cursor(params, name, kind) for name in CURSORS)
    return PageRequest(
        max_id=max_id,
        since_id=since_id,
        min_id=min_id,
        limit=clamp_limit(params.integer("limit", None), default_limit, max_limit),
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
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in NOT_KEPT]
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
    request: Request, body: list[Any] | dict[str, Any] | bytes, next_max_id: int | None, prev_min_id: int | None
) -> JsonResponse | RawJsonResponse:
    """A page as the answer, with its ``Link`` header; ``body`` may be JSON already encoded."""
    headers = link_header(request, next_max_id, prev_min_id)
    if isinstance(body, bytes):
        return RawJsonResponse(body, headers=headers)
    return JsonResponse(body, headers=headers)


def id_cursors(ids: Sequence[int]) -> tuple[int | None, int | None]:
    """Cursors of a page of ids, newest first: older than the last, newer than the first."""
    if not ids:
        return None, None
    return ids[-1], ids[0]


def pair_cursors(pairs: Sequence[tuple[int, object]]) -> tuple[int | None, int | None]:
    """Cursors of (row id, other id) pages: opaque row ids, as Mastodon does for favourites etc."""
    return id_cursors([row_id for row_id, _ in pairs])
