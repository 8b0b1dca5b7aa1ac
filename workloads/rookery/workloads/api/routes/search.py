"""``GET /api/v2/search``: accounts, statuses and hashtags (services/search.py for the rules).

``resolve`` never looks anything up on other servers (there is no federation): it only allows an
exact ``user@this.domain`` to be found. Unauthenticated callers get no pagination (offset), as on
Mastodon. ``exclude_unreviewed`` is accepted (there is no hashtag review: every tag is reviewed).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from rookery.workloads.api.deps import (
    OUTSIDE_SCOPES,
    AccountViewsDep,
    AppSettings,
    OptionalAuth,
    PostsStatusViews,
    Search,
)
from rookery.workloads.api.errors import ApiError, Forbidden, Unprocessable
from rookery.workloads.api.pagination import cursor
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.tags import TAG_SCHEMA, render_tags
from rookery.workloads.ids import parse_id
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA
from rookery.workloads.views.statuses import STATUS_SCHEMA

router = APIRouter(tags=["search"])
TYPES = ("accounts", "hashtags", "statuses")
MAX_QUERY = 500
RESULTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Search results",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "accounts": {"type": "array", "items": ACCOUNT_SCHEMA},
                        "statuses": {"type": "array", "items": STATUS_SCHEMA},
                        "hashtags": {"type": "array", "items": TAG_SCHEMA},
                    },
                }
            }
        },
    }
}


@router.get("/api/v2/search", summary="Search accounts, statuses and hashtags", responses=RESULTS)
async def search(
    request: Request,
    service: Search,
    accounts: AccountViewsDep,
    statuses: PostsStatusViews,
    settings: AppSettings,
    ctx: OptionalAuth,
) -> Response:
    if ctx is not None and not ctx.allows("read:search"):
        raise Forbidden(OUTSIDE_SCOPES)
    params = await read_params(request)
    text = params.text("q", max_length=MAX_QUERY)
    if text is None or not text.strip():
        raise ApiError(400, "Missing required parameter: q")
    kind = params.text("type")
    if kind is not None and kind not in TYPES:
        raise Unprocessable(f"type must be one of {', '.join(TYPES)}")
    limit = params.integer("limit", 20, minimum=1, maximum=40) or 20
    offset = params.integer("offset", 0, minimum=0) or 0
    resolve = bool(params.flag("resolve", False))
    following = bool(params.flag("following", False))
    params.flag("exclude_unreviewed", False)  # validated; every local tag counts as reviewed
    account_raw = params.text("account_id")
    account_id = parse_id(account_raw) if account_raw else None
    if account_raw and account_id is None:
        raise Unprocessable("account_id must be an account id")
    max_id, min_id = cursor(params, "max_id"), cursor(params, "min_id")
    if ctx is None and (offset or resolve):
        raise ApiError(401, "Search queries pagination is not supported without authentication")
    viewer = ctx.account_id if ctx is not None else None
    body: dict[str, list[Any]] = {"accounts": [], "statuses": [], "hashtags": []}
    if kind in (None, "accounts"):
        ids = await service.accounts(text, viewer_id=viewer, limit=limit, offset=offset, following=following)
        entities = await accounts.many(ids)
        body["accounts"] = [entities[i] for i in ids if i in entities]
    if kind in (None, "statuses") and statuses is not None:
        found = await service.statuses(
            text,
            viewer_id=viewer,
            limit=limit,
            offset=offset,
            account_id=account_id,
            max_id=max_id,
            min_id=min_id,
        )
        body["statuses"] = await statuses.render([s.id for s in found], viewer, known=found)
    if kind in (None, "hashtags"):
        names = await service.hashtags(text, limit=limit, offset=offset)
        body["hashtags"] = await render_tags(service, names, settings.base_url, viewer)

    return JsonResponse(body)
