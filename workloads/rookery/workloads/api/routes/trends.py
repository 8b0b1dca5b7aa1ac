"""Trends (analytics role): ``/api/v1/trends/tags`` (and its old name ``/api/v1/trends``),
``/api/v1/trends/statuses`` and ``/api/v1/trends/links`` (links of recent public posts, cards made without
fetching them); and
``/api/v1/instance/activity`` (weekly counts from the same analytics store).

Ranks come from the trend aggregator (hourly buckets, 24 h window, 6 h half-life); only public,
non-sensitive statuses of accounts in good standing count, and hidden or deleted statuses and
statuses the viewer may not see are left out on read."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from fastapi import APIRouter, Request

from rookery.workloads.api.deps import (
    Analytics,
    AppSettings,
    OptionalAuth,
    OptionalSearch,
    Posts,
    Reader,
    StatusViewsDep,
)
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.statuses import STATUSES
from rookery.workloads.domain import analytics as counters
from rookery.workloads.domain.links import preview_card, rank_links
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import StatusQuery
from rookery.workloads.services.analytics import TRENDS_MAX, AnalyticsService
from rookery.workloads.services.search import SearchService
from rookery.workloads.settings import Settings

router = APIRouter(tags=["trends"])
TAG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Tag entity (history: uses and accounts per day, newest first)",
    "properties": {"name": {"type": "string"}, "url": {"type": "string"}, "history": {"type": "array"}},
}
TAGS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Tag list",
        "content": {"application/json": {"schema": {"type": "array", "items": TAG_SCHEMA}}},
    }
}


async def render_trending_tag(search: Any, name: str, base_url: str) -> dict[str, Any]:
    """A Tag entity; its daily history from the search role's hashtag counts when present."""
    history = await search.hashtag_history(name) if search is not None else []
    return {
        "name": name,
        "url": f"{base_url}/tags/{name}",
        "history": [
            {"day": str(calendar.timegm(u.day.timetuple())), "uses": str(u.uses), "accounts": str(u.accounts)}
            for u in history
        ],
    }


async def _tags(
    request: Request, analytics: AnalyticsService, search: SearchService | None, settings: Settings
) -> Response:
    params = await read_params(request)
    limit = params.integer("limit", 10, minimum=1, maximum=TRENDS_MAX) or 10
    offset = params.integer("offset", 0, minimum=0) or 0
    ranked = await analytics.trending_tags(limit, offset)
    body = [await render_trending_tag(search, name, settings.base_url) for name, _score in ranked]
    return JsonResponse(body)


@router.get("/api/v1/trends/tags", summary="Trending hashtags", responses=TAGS)
async def trending_tags(
    request: Request,
    analytics: Analytics,
    search: OptionalSearch,
    settings: AppSettings,
    ctx: OptionalAuth,
) -> Response:
    return await _tags(request, analytics, search, settings)


@router.get("/api/v1/trends", summary="Trending hashtags (deprecated name)", responses=TAGS)
async def trends(
    request: Request,
    analytics: Analytics,
    search: OptionalSearch,
    settings: AppSettings,
    ctx: OptionalAuth,
) -> Response:
    return await _tags(request, analytics, search, settings)


@router.get("/api/v1/trends/statuses", summary="Trending statuses", responses=STATUSES)
async def trending_statuses(
    request: Request, viewer: Reader, analytics: Analytics, posts: Posts, views: StatusViewsDep
) -> Response:
    params = await read_params(request)
    limit = params.integer("limit", 20, minimum=1, maximum=40) or 20
    offset = params.integer("offset", 0, minimum=0) or 0
    ids = await analytics.trending_status_ids(limit * 2, offset)
    visible = await posts.get_many_visible(ids, viewer)
    shown = [s for s in visible if s.visibility == "public" and not s.sensitive and s.reblog_of_id is None][:limit]
    body = await views.render([s.id for s in shown], viewer, known=shown)
    return JsonResponse(body)


LINK_SCAN = 400  # the newest public posts whose links are counted


@router.get("/api/v1/trends/links", summary="Links shared most in public posts of the last 7 days")
async def trending_links(request: Request, posts: Posts) -> Response:
    params = await read_params(request)
    limit = params.integer("limit", 10, minimum=1, maximum=20) or 10
    offset = params.integer("offset", 0, minimum=0) or 0
    query = StatusQuery(include_reblogs=False, visibilities=("public",))
    recent = await posts.statuses.query(query, PageRequest(limit=LINK_SCAN))
    visible = await posts.visible_filter(recent, None)  # what anyone may see: no hidden posts
    moderation = posts.moderation
    shown = [s for s in visible if not s.sensitive and (moderation is None or moderation.in_public(s))]
    ranked = rank_links(shown, dt.datetime.now(dt.UTC).date())
    return JsonResponse([preview_card(t) for t in ranked[offset : offset + limit]])


ACTIVITY_WEEKS = 12


@router.get("/api/v1/instance/activity", summary="Weekly activity over the last 12 weeks, newest first")
async def instance_activity(stats: Analytics) -> Response:
    """Mastodon's weekly buckets from the analytics counters: statuses posted, sign-ups, and (for
    ``logins``) the accounts active that week: Rookery records activity, not sign-ins. A week
    starts on Monday 00:00 UTC; ``week`` is that moment as a UNIX timestamp; values are strings."""
    today = dt.datetime.now(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday())
    body = []
    for n in range(ACTIVITY_WEEKS):
        start = monday - dt.timedelta(weeks=n)
        days = [start + dt.timedelta(days=d) for d in range(7) if start + dt.timedelta(days=d) <= today]
        body.append(
            {
                "week": str(calendar.timegm(start.timetuple())),
                "statuses": str(sum(await stats.daily(counters.STATUSES, days))),
                "logins": str(await stats.active_accounts(days)),
                "registrations": str(sum(await stats.daily(counters.NEW_USERS, days))),
            }
        )
    return JsonResponse(body)
