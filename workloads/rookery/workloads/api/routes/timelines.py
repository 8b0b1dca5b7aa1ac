"""Timelines (feed role): home, public, hashtag, and an account's statuses.

The home read is the hot path: ids from the timeline store, entities joined from the cached status
and account fragments (read in one round trip), the viewer's flags in one query."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, Feed, Graph, Reader, StatusViewsDep, require_user
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.pagination import page_of, paged
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import Response
from rookery.workloads.api.routes.statuses import STATUSES
from rookery.workloads.api.social import path_id
from rookery.workloads.services.feed import TimelinePage
from rookery.workloads.views.statuses import StatusViews

router = APIRouter(tags=["timelines"])


async def _render(
    request: Request, views: StatusViews, page: TimelinePage, viewer: int | None, context: str
) -> Response:
    """``context``: where the viewer's filters apply (home, public, account)."""
    body = await views.render_json([e.status_id for e in page.entries], viewer, context, hints=page.entries)
    return paged(request, body, page.next_max_id, page.prev_min_id)


@router.get("/api/v1/timelines/home", summary="Home timeline", responses=STATUSES)
async def home(
    request: Request, feed: Feed, views: StatusViewsDep, ctx: AuthContext = Depends(require_user("read:statuses"))
) -> Response:
    page = page_of(await read_params(request))
    return await _render(request, views, await feed.home(ctx.user_id, page), ctx.user_id, "home")


@router.get("/api/v1/timelines/public", summary="Public timeline", responses=STATUSES)
async def public(request: Request, viewer: Reader, feed: Feed, views: StatusViewsDep) -> Response:
    params = await read_params(request)
    page = page_of(params)
    timeline = await feed.public(
        viewer,
        page,
        local=bool(params.flag("local", False)),
        remote=bool(params.flag("remote", False)),
        only_media=bool(params.flag("only_media", False)),
    )
    return await _render(request, views, timeline, viewer, "public")


@router.get("/api/v1/timelines/tag/{hashtag}", summary="Hashtag timeline", responses=STATUSES)
async def hashtag(
    request: Request, hashtag: str, viewer: Reader, feed: Feed, views: StatusViewsDep
) -> Response:
    params = await read_params(request)
    page = page_of(params)
    tag = hashtag.lstrip("#")
    if not tag or len(tag) > 100:
        raise Unprocessable("Validation failed: hashtag must be 1-100 characters")
    timeline = await feed.hashtag(
        tag,
        viewer,
        page,
        any_tags=params.strings("any"),
        all_tags=params.strings("all"),
        none_tags=params.strings("none"),
        remote=bool(params.flag("remote", False)),
        only_media=bool(params.flag("only_media", False)),
    )
    return await _render(request, views, timeline, viewer, "public")


@router.get("/api/v1/accounts/{account_id}/statuses", summary="An account's statuses", responses=STATUSES)
async def account_statuses(
    request: Request, account_id: str, viewer: Reader, graph: Graph, feed: Feed, views: StatusViewsDep
) -> Response:
    params = await read_params(request)
    page = page_of(params)
    target = path_id(account_id)
    await graph.target(target)
    timeline = await feed.account(
        target,
        viewer,
        page,
        exclude_replies=bool(params.flag("exclude_replies", False)),
        exclude_reblogs=bool(params.flag("exclude_reblogs", False)),
        only_media=bool(params.flag("only_media", False)),
        pinned=bool(params.flag("pinned", False)),
        tagged=params.text("tagged", None, max_length=100),
    )
    return await _render(request, views, timeline, viewer, "account")
