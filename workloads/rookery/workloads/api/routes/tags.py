"""Hashtag pages (``GET /api/v1/tags/:name``): the Tag entity with its daily use history."""

from __future__ import annotations

import calendar
from typing import Any

from fastapi import APIRouter, Depends, Request
from rookery.workloads.api.deps import AuthContext, container, optional_auth
from rookery.workloads.api.errors import NotFound
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.domain.search import TAG_RE
from rookery.workloads.services.search import SearchService

router = APIRouter(tags=["search"])
TAG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Tag entity",
    "properties": {
        "name": {"type": "string"},
        "url": {"type": "string"},
        "history": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "day": {"type": "string", "description": "UNIX timestamp of the day's midnight (UTC)"},
                    "uses": {"type": "string"},
                    "accounts": {"type": "string"},
                },
            },
        },
        "following": {"type": "boolean"},
    },
}
TAG: dict[int | str, dict[str, Any]] = {
    200: {"description": "Tag", "content": {"application/json": {"schema": TAG_SCHEMA}}}
}


async def render_tag(search: SearchService, name: str, base_url: str, *, viewer: bool) -> dict[str, Any]:
    history = await search.hashtag_history(name)
    entity: dict[str, Any] = {
        "name": name,
        "url": f"{base_url}/tags/{name}",
        "history": [
            {
                "day": str(calendar.timegm(use.day.timetuple())),
                "uses": str(use.uses),
                "accounts": str(use.accounts),
            }
            for use in history
        ],
    }
    if viewer:
        entity["following"] = False  # following hashtags is not supported yet
    return entity


@router.get("/api/v1/tags/{name}", summary="A hashtag and its use over the last week", responses=TAG)
async def tag(request: Request, name: str, ctx: AuthContext | None = Depends(optional_auth)) -> Response:
    name = name.lstrip("#")
    if not TAG_RE.match(name):
        raise NotFound()
    built = container(request)
    entity = await render_tag(
        built.services["search"], name.lower(), built.settings.base_url, viewer=ctx is not None
    )
    return JsonResponse(entity)
