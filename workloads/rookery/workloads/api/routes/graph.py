"""The social graph (graph role): follow, unfollow, block, mute and their lists, relationships,
follow requests."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AccountViewsDep, AuthContext, Graph, OptionalAuth, require_user
from rookery.workloads.api.errors import Forbidden, Unprocessable
from rookery.workloads.api.pagination import page_of, paged, pair_cursors
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.graph import Relationship
from rookery.workloads.ids import parse_id
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA, AccountViews
from rookery.workloads.views.social import RELATIONSHIP_SCHEMA, render_relationship

router = APIRouter(tags=["graph"])

RELATIONSHIP: dict[int | str, dict[str, Any]] = {
    200: {"description": "Relationship", "content": {"application/json": {"schema": RELATIONSHIP_SCHEMA}}}
}
RELATIONSHIPS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Relationships",
        "content": {"application/json": {"schema": {"type": "array", "items": RELATIONSHIP_SCHEMA}}},
    }
}
ACCOUNTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Accounts",
        "content": {"application/json": {"schema": {"type": "array", "items": ACCOUNT_SCHEMA}}},
    }
}


def _relationship(rel: Relationship) -> Response:
    return JsonResponse(render_relationship(rel))


def requested_ids(params: Params) -> list[int]:
    """``id[]`` of a batch read (at most 80; what is not an id cannot exist and is dropped)."""
    raw = params.strings("id")
    if len(raw) > 80:
        raise Unprocessable("At most 80 ids may be requested")
    return [parsed for value in raw if (parsed := parse_id(value)) is not None]


async def account_page(request: Request, views: AccountViews, pairs: list[tuple[int, int]]) -> Response:
    found = await views.many([account_id for _, account_id in pairs])
    return paged(request, [found[a] for _, a in pairs if a in found], *pair_cursors(pairs))


@router.post("/api/v1/accounts/{account_id}/follow", summary="Follow (or request to follow)", responses=RELATIONSHIP)
async def follow(
    request: Request, account_id: str, graph: Graph, ctx: AuthContext = Depends(require_user("write:follows"))
) -> Response:
    params = await read_params(request)
    languages = params.strings("languages") if "languages" in params else None
    rel = await graph.follow(
        ctx.user_id,
        path_id(account_id),
        reblogs=bool(params.flag("reblogs", True)),
        notify=bool(params.flag("notify", False)),
        languages=tuple(languages) if languages else None,
    )
    return _relationship(rel)


def _graph_action(path: str, summary: str, scope: str, method: str) -> None:
    async def endpoint(
        request: Request, account_id: str, graph: Graph, ctx: AuthContext = Depends(require_user(scope))
    ) -> Response:
        rel = await getattr(graph, method)(ctx.user_id, path_id(account_id))
        return _relationship(rel)

    endpoint.__name__ = f"account_{method}"
    router.add_api_route(
        f"/api/v1/accounts/{{account_id}}/{path}",
        endpoint,
        methods=["POST"],
        summary=summary,
        responses=RELATIONSHIP,
    )


_graph_action("unfollow", "Unfollow (or withdraw a request)", "write:follows", "unfollow")
_graph_action("block", "Block (removes follows both ways)", "write:blocks", "block")
_graph_action("unblock", "Unblock", "write:blocks", "unblock")
_graph_action("unmute", "Unmute", "write:mutes", "unmute")


@router.post("/api/v1/accounts/{account_id}/mute", summary="Mute", responses=RELATIONSHIP)
async def mute(
    request: Request, account_id: str, graph: Graph, ctx: AuthContext = Depends(require_user("write:mutes"))
) -> Response:
    params = await read_params(request)
    rel = await graph.mute(ctx.user_id, path_id(account_id), notifications=bool(params.flag("notifications", True)))
    return _relationship(rel)


@router.get("/api/v1/accounts/relationships", summary="Relationships to accounts", responses=RELATIONSHIPS)
async def relationships(
    request: Request, graph: Graph, ctx: AuthContext = Depends(require_user("read:follows"))
) -> Response:
    found = await graph.relationships(ctx.user_id, requested_ids(await read_params(request)))
    return JsonResponse([render_relationship(rel) for rel in found])


@router.get("/api/v1/accounts/{account_id}/followers", summary="Followers", responses=ACCOUNTS)
async def followers(
    request: Request,
    account_id: str,
    graph: Graph,
    views: AccountViewsDep,
    ctx: OptionalAuth,
) -> Response:
    if ctx is not None and not ctx.allows("read:accounts"):
        raise Forbidden("This action is outside the authorized scopes")
    page = page_of(await read_params(request), 40, 80)
    pairs = await graph.followers(path_id(account_id), page)
    return await account_page(request, views, pairs)


@router.get("/api/v1/accounts/{account_id}/following", summary="Followed accounts", responses=ACCOUNTS)
async def following(
    request: Request,
    account_id: str,
    graph: Graph,
    views: AccountViewsDep,
    ctx: OptionalAuth,
) -> Response:
    if ctx is not None and not ctx.allows("read:accounts"):
        raise Forbidden("This action is outside the authorized scopes")
    page = page_of(await read_params(request), 40, 80)
    pairs = await graph.following(path_id(account_id), page)
    return await account_page(request, views, pairs)


@router.get("/api/v1/follow_requests", summary="Pending follow requests", responses=ACCOUNTS)
async def follow_requests(
    request: Request, graph: Graph, views: AccountViewsDep, ctx: AuthContext = Depends(require_user("read:follows"))
) -> Response:
    page = page_of(await read_params(request), 40, 80)
    return await account_page(request, views, await graph.follow_requests(ctx.user_id, page))


@router.post(
    "/api/v1/follow_requests/{account_id}/authorize",
    summary="Accept a follow request",
    responses=RELATIONSHIP,
)
async def authorize(
    request: Request, account_id: str, graph: Graph, ctx: AuthContext = Depends(require_user("write:follows"))
) -> Response:
    return _relationship(await graph.authorize(ctx.user_id, path_id(account_id)))


@router.post("/api/v1/follow_requests/{account_id}/reject", summary="Reject a follow request", responses=RELATIONSHIP)
async def reject(
    request: Request, account_id: str, graph: Graph, ctx: AuthContext = Depends(require_user("write:follows"))
) -> Response:
    return _relationship(await graph.reject(ctx.user_id, path_id(account_id)))


@router.get("/api/v1/blocks", summary="Blocked accounts", responses=ACCOUNTS)
async def blocks(
    request: Request, graph: Graph, views: AccountViewsDep, ctx: AuthContext = Depends(require_user("read:blocks"))
) -> Response:
    page = page_of(await read_params(request), 40, 80)
    return await account_page(request, views, await graph.blocks(ctx.user_id, page))


@router.get("/api/v1/mutes", summary="Muted accounts", responses=ACCOUNTS)
async def mutes(
    request: Request, graph: Graph, views: AccountViewsDep, ctx: AuthContext = Depends(require_user("read:mutes"))
) -> Response:
    page = page_of(await read_params(request), 40, 80)
    return await account_page(request, views, await graph.mutes(ctx.user_id, page))
