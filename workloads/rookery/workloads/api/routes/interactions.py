"""Interactions on statuses (posts role): favourite, reblog, bookmark, pin and their undo; who
favourited or reblogged; the viewer's favourites and bookmarks (paginated by their own row ids)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import (
    AccountViewsDep,
    AuthContext,
    Feed,
    Interactions,
    Reader,
    StatusViewsDep,
    require_user,
)
from rookery.workloads.api.pagination import page_of, paged, pair_cursors
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.statuses import STATUS, STATUSES
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.statuses import PUBLIC, Status
from rookery.workloads.services.interactions import InteractionsService
from rookery.workloads.views.statuses import StatusViews

router = APIRouter(tags=["statuses"])

Action = Callable[[InteractionsService, int, int], Awaitable[Status]]


async def _act(
    service: InteractionsService, views: StatusViews, status_id: str, actor_id: int, action: Action
) -> Response:
    status = await action(service, actor_id, path_id(status_id))
    return JsonResponse(await views.one(status, actor_id))


def _simple(path: str, summary: str, scope: str, action: Action) -> None:
    async def endpoint(
        status_id: str,
        interactions: Interactions,
        views: StatusViewsDep,
        ctx: AuthContext = Depends(require_user(scope)),
    ) -> Response:
        return await _act(interactions, views, status_id, ctx.user_id, action)

    endpoint.__name__ = path.replace("/", "_")
    router.add_api_route(
        f"/api/v1/statuses/{{status_id}}/{path}",
        endpoint,
        methods=["POST"],
        summary=summary,
        responses=STATUS,
    )


_simple("favourite", "Favourite a status", "write:favourites", lambda s, a, i: s.favourite(a, i))
_simple("unfavourite", "Undo a favourite", "write:favourites", lambda s, a, i: s.unfavourite(a, i))
_simple("unreblog", "Undo a reblog", "write:statuses", lambda s, a, i: s.unreblog(a, i))
_simple("bookmark", "Bookmark a status", "write:bookmarks", lambda s, a, i: s.bookmark(a, i))
_simple("unbookmark", "Undo a bookmark", "write:bookmarks", lambda s, a, i: s.unbookmark(a, i))
_simple("pin", "Pin a status to the profile", "write:accounts", lambda s, a, i: s.pin(a, i))
_simple("unpin", "Unpin a status", "write:accounts", lambda s, a, i: s.unpin(a, i))
_simple(
    "mute",
    "Mute the status's conversation: no more notifications from the thread (the viewer takes part in it)",
    "write:mutes",
    lambda s, a, i: s.mute_conversation(a, i),
)
_simple("unmute", "Unmute the status's conversation", "write:mutes", lambda s, a, i: s.unmute_conversation(a, i))


@router.post("/api/v1/statuses/{status_id}/reblog", summary="Reblog a status", responses=STATUS)
async def reblog(
    request: Request,
    status_id: str,
    interactions: Interactions,
    feed: Feed,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("write:statuses")),
) -> Response:
    params = await read_params(request)
    visibility = params.text("visibility", PUBLIC) or PUBLIC
    reblogged = await interactions.reblog(ctx.user_id, path_id(status_id), visibility)
    original = await interactions.posts.statuses.get(reblogged.reblog_of_id or 0)
    if original is not None:
        await feed.deliver_to_author(reblogged, original.account_id)
    return JsonResponse(await views.one(reblogged, ctx.user_id))


@router.get("/api/v1/statuses/{status_id}/favourited_by", summary="Who favourited a status")
async def favourited_by(
    request: Request, status_id: str, viewer: Reader, interactions: Interactions, accounts: AccountViewsDep
) -> Response:
    page = page_of(await read_params(request), 40, 80)
    pairs = await interactions.favourited_by(path_id(status_id), viewer, page)
    found = await accounts.many([account_id for _, account_id in pairs])
    return paged(request, [found[a] for _, a in pairs if a in found], *pair_cursors(pairs))


@router.get("/api/v1/statuses/{status_id}/reblogged_by", summary="Who reblogged a status")
async def reblogged_by(
    request: Request, status_id: str, viewer: Reader, interactions: Interactions, accounts: AccountViewsDep
) -> Response:
    page = page_of(await read_params(request), 40, 80)
    pairs = await interactions.reblogged_by(path_id(status_id), viewer, page)
    found = await accounts.many([account_id for _, account_id in pairs])
    return paged(request, [found[a] for _, a in pairs if a in found], *pair_cursors(pairs))


@router.get("/api/v1/favourites", summary="The viewer's favourites", responses=STATUSES)
async def favourites(
    request: Request,
    interactions: Interactions,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:favourites")),
) -> Response:
    page = page_of(await read_params(request))
    statuses, next_max, prev_min = await interactions.favourites(ctx.user_id, page)
    body = await views.render([s.id for s in statuses], ctx.user_id, known=statuses)
    return paged(request, body, next_max, prev_min)


@router.get("/api/v1/bookmarks", summary="The viewer's bookmarks", responses=STATUSES)
async def bookmarks(
    request: Request,
    interactions: Interactions,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:bookmarks")),
) -> Response:
    page = page_of(await read_params(request))
    statuses, next_max, prev_min = await interactions.bookmarks(ctx.user_id, page)
    body = await views.render([s.id for s in statuses], ctx.user_id, known=statuses)
    return paged(request, body, next_max, prev_min)
