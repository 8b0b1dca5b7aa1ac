"""Timelines (feed role): home, public, hashtag, and an account's statuses.

The home read is the hot path: ids from the timeline store, entities joined from the cached status
and account fragments (read in one round trip), the viewer's flags in one query. In embedded mode
whole home and account pages are kept until anything they were made from may have changed
(views/pages.py)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Hashable

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, Feed, Graph, Reader, StatusViewsDep, require_user
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.pagination import page_of, paged
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import Response
from rookery.workloads.api.routes.statuses import STATUSES
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.edge import EntityKey
from rookery.workloads.services.feed import TimelinePage
from rookery.workloads.views.pages import KeptPage
from rookery.workloads.views.statuses import StatusViews

router = APIRouter(tags=["timelines"])


async def _render(
    request: Request, views: StatusViews, page: TimelinePage, viewer: int | None, context: str
) -> Response:
    """``context``: where the viewer's filters apply (home, public, account)."""
    body = await views.render_json([e.status_id for e in page.entries], viewer, context, hints=page.entries)
    return paged(request, body, page.next_max_id, page.prev_min_id)


async def _kept_or_rendered(
    request: Request,
    views: StatusViews,
    key: Hashable,
    timeline: Callable[[], Awaitable[TimelinePage]],
    viewer: int | None,
    context: str,
    read: Hashable = None,
) -> Response:
    """The page kept under ``key`` while still current, else ``timeline()`` rendered (and kept).
    ``read``: what the caller read for this request that the page is made from and that the
    stamp does not cover (compared by value, so it may be read before the stamp)."""
    pages = views.pages
    if pages is None:
        return await _render(request, views, await timeline(), viewer, context)
    stamp = (await pages.stamp(), read)  # before the rest is read: a change after it makes the kept page stale
    kept = await pages.get(key, stamp)
    if kept is None:
        seen: dict[EntityKey, str] | None = None
        if pages.versions is not None:  # production: the versions of what the page is made from
            mine = pages.viewer_keys(viewer) if viewer is not None else ()
            seen = dict(zip(mine, await pages.versions(mine), strict=True))
        page = await timeline()
        until: list[float] = []
        body = await views.render_json(
            [e.status_id for e in page.entries], viewer, context, hints=page.entries, until=until, seen=seen
        )
        kept = KeptPage(body, page.next_max_id, page.prev_min_id)
        pages.keep(key, stamp, kept, min(until, default=math.inf), seen)
    return paged(request, kept.body, kept.next_max_id, kept.prev_min_id)


@router.get("/api/v1/timelines/home", summary="Home timeline", responses=STATUSES)
async def home(
    request: Request, feed: Feed, views: StatusViewsDep, ctx: AuthContext = Depends(require_user("read:statuses"))
) -> Response:
    page = page_of(await read_params(request))
    viewer = ctx.user_id
    if feed.ranker is not None:  # a model orders the first page: not kept
        return await _render(request, views, await feed.home(viewer, page), viewer, "home")
    if views.pages is None or views.pages.versions is None:  # none kept, or the stamp covers the timeline
        return await _kept_or_rendered(
            request, views, ("home", viewer, page), lambda: feed.home(viewer, page), viewer, "home"
        )
    # production: the stored timeline (Redis, Cassandra) is read for each request, the page kept while
    # it and the celebrities merged into it are the same
    stored = await feed.stored_home(viewer, page)
    return await _kept_or_rendered(
        request,
        views,
        ("home", viewer, page),
        lambda: feed.home(viewer, page, stored),
        viewer,
        "home",
        (tuple(stored), feed.celebrities_now),
    )


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
    try:
        options = (
            bool(params.flag("exclude_replies", False)),
            bool(params.flag("exclude_reblogs", False)),
            bool(params.flag("only_media", False)),
            bool(params.flag("pinned", False)),
            params.text("tagged", None, max_length=100),
        )
    except Exception:
        await graph.target(target)  # an account that is gone answers 404 before a bad option's 422
        raise

    async def timeline() -> TimelinePage:
        await graph.target(target)  # 404 for an account that is gone (a kept page: it was there, unchanged)
        exclude_replies, exclude_reblogs, only_media, pinned, tagged = options
        return await feed.account(
            target,
            viewer,
            page,
            exclude_replies=exclude_replies,
            exclude_reblogs=exclude_reblogs,
            only_media=only_media,
            pinned=pinned,
            tagged=tagged,
        )

    if views.pages is not None and views.pages.versions is not None:
        # production keeps home pages only: an account's pages are read by many viewers, each rarely
        # twice, and a page that is not found kept costs two more round trips there (the stamp and
        # the viewer's versions) where embedded mode's stamp costs none
        return await _render(request, views, await timeline(), viewer, "account")
    return await _kept_or_rendered(
        request, views, ("account", target, viewer, page, options), timeline, viewer, "account"
    )
