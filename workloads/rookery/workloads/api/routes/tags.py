"""Hashtag pages (``GET /api/v1/tags/:name``: the Tag entity with its daily use history) and
followed hashtags (``POST /api/v1/tags/:name/follow|unfollow``, ``GET /api/v1/followed_tags``).
Following a hashtag is recorded and shown; it does not yet bring the tag's posts into the home
timeline (that is the feed role's fan-out)."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AppSettings, AuthContext, OptionalAuth, Search, require_user
from rookery.workloads.api.errors import NotFound
from rookery.workloads.api.pagination import page_of, paged, pair_cursors
from rookery.workloads.api.params import read_params
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
TAGS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Tags",
        "content": {"application/json": {"schema": {"type": "array", "items": TAG_SCHEMA}}},
    }
}


async def render_tags(
    search: SearchService, names: Sequence[str], base_url: str, viewer_id: int | None
) -> list[dict[str, Any]]:
    """Tag entities; ``following`` only for a user token (Mastodon leaves it out otherwise)."""
    followed = await search.following_tags(viewer_id, names)
    rendered = []
    for name in names:
        entity: dict[str, Any] = {
            "name": name,
            "url": f"{base_url}/tags/{name}",
            "history": [
                {
                    "day": str(calendar.timegm(use.day.timetuple())),
                    "uses": str(use.uses),
                    "accounts": str(use.accounts),
                }
                for use in await search.hashtag_history(name)
            ],
        }
        if viewer_id is not None:
            entity["following"] = name in followed
        rendered.append(entity)
    return rendered


async def render_tag(search: SearchService, name: str, base_url: str, *, viewer: bool) -> dict[str, Any]:
    """One Tag entity for a caller that knows only whether there is a viewer (``following``:
    false); prefer ``render_tags`` with the viewer's id."""
    (entity,) = await render_tags(search, [name], base_url, None)
    if viewer:
        entity["following"] = False
    return entity


def _name(raw: str) -> str:
    name = raw.lstrip("#")
    if not TAG_RE.match(name):
        raise NotFound()
    return name.lower()


async def _one(search: SearchService, base_url: str, name: str, viewer_id: int | None) -> Response:
    (entity,) = await render_tags(search, [name], base_url, viewer_id)
    return JsonResponse(entity)


@router.get("/api/v1/tags/{name}", summary="A hashtag and its use over the last week", responses=TAG)
async def tag(
    request: Request,
    name: str,
    search: Search,
    settings: AppSettings,
    ctx: OptionalAuth,
) -> Response:
    return await _one(search, settings.base_url, _name(name), ctx.account_id if ctx is not None else None)


@router.post("/api/v1/tags/{name}/follow", summary="Follow a hashtag", responses=TAG)
async def follow(
    request: Request,
    name: str,
    search: Search,
    settings: AppSettings,
    ctx: AuthContext = Depends(require_user("write:follows")),
) -> Response:
    tag_name = _name(name)
    await search.follow_tag(ctx.user_id, tag_name)
    return await _one(search, settings.base_url, tag_name, ctx.user_id)


@router.post("/api/v1/tags/{name}/unfollow", summary="Stop following a hashtag", responses=TAG)
async def unfollow(
    request: Request,
    name: str,
    search: Search,
    settings: AppSettings,
    ctx: AuthContext = Depends(require_user("write:follows")),
) -> Response:
    tag_name = _name(name)
    await search.unfollow_tag(ctx.user_id, tag_name)
    return await _one(search, settings.base_url, tag_name, ctx.user_id)


@router.get("/api/v1/followed_tags", summary="Hashtags you follow", responses=TAGS)
async def followed_tags(
    request: Request, search: Search, settings: AppSettings, ctx: AuthContext = Depends(require_user("read:follows"))
) -> Response:
    page = page_of(await read_params(request), default_limit=100, max_limit=200)
    rows = await search.followed_tags(ctx.user_id, page)
    body = await render_tags(search, [tag for _, tag in rows], settings.base_url, ctx.user_id)
    next_max, prev_min = pair_cursors(rows)
    return paged(request, body, next_max, prev_min)
