"""Profiles and discovery (graph role): account notes, endorsements (pin/unpin, and Mastodon
4.4's endorse/unendorse), remove_from_followers, featured tags, follow suggestions (v2), the
profile directory and familiar followers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import (
    AccountViewsDep,
    AppSettings,
    AuthContext,
    Graph,
    OptionalAuth,
    container,
    require_user,
)
from rookery.workloads.api.errors import Forbidden, NotFound, Unprocessable
from rookery.workloads.api.pagination import page_of
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.graph import ACCOUNTS, RELATIONSHIP, account_page, requested_ids
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.profiles import MAX_NOTE
from rookery.workloads.ids import parse_id
from rookery.workloads.services.profiles import DIRECTORY_ORDERS, FeaturedTagView, ProfilesService
from rookery.workloads.views.social import render_relationship

router = APIRouter(tags=["profiles"])

FEATURED_TAG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon FeaturedTag entity",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "url": {"type": "string"},
        "statuses_count": {"type": "string"},
        "last_status_at": {"type": ["string", "null"]},
    },
}
FEATURED_TAGS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Featured tags",
        "content": {"application/json": {"schema": {"type": "array", "items": FEATURED_TAG_SCHEMA}}},
    }
}


async def profiles_service(request: Request) -> ProfilesService:
    social = container(request).social
    service = social.profiles if social is not None else None
    if service is None:
        raise NotFound()
    return service


def _featured_tag(view: FeaturedTagView, base_url: str, username: str) -> dict[str, Any]:
    return {
        "id": str(view.tag.id),
        "name": view.tag.name,
        "url": f"{base_url}/@{username}/tagged/{view.tag.name}",
        "statuses_count": str(view.statuses_count),  # Mastodon sends the count as a string
        "last_status_at": view.last_status_at.isoformat() if view.last_status_at else None,
    }


async def _featured_tags(service: ProfilesService, graph: Any, account_id: int, base_url: str) -> list[dict[str, Any]]:
    account = await graph.target(account_id)
    return [_featured_tag(v, base_url, account.username) for v in await service.featured_tags(account_id)]


# --- notes, endorsements, followers ---------------------------------------------------------------


@router.post("/api/v1/accounts/{account_id}/note", summary="Set a private note on an account", responses=RELATIONSHIP)
async def set_note(
    request: Request,
    account_id: str,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("write:accounts")),
) -> Response:
    params = await read_params(request)
    comment = params.text("comment", "", max_length=MAX_NOTE) or ""
    return JsonResponse(render_relationship(await service.set_note(ctx.user_id, path_id(account_id), comment)))


def _endorse_action(path: str, summary: str, method: str) -> None:
    async def endorsement(
        account_id: str,
        service: ProfilesService = Depends(profiles_service),
        ctx: AuthContext = Depends(require_user("write:accounts")),
    ) -> Response:
        rel = await getattr(service, method)(ctx.user_id, path_id(account_id))
        return JsonResponse(render_relationship(rel))

    endorsement.__name__ = f"account_{path}"
    router.add_api_route(
        f"/api/v1/accounts/{{account_id}}/{path}",
        endorsement,
        methods=["POST"],
        summary=summary,
        responses=RELATIONSHIP,
    )


_endorse_action("pin", "Endorse (feature) a followed account on your profile", "endorse")
_endorse_action("unpin", "Stop endorsing an account", "unendorse")
_endorse_action("endorse", "Endorse (feature) a followed account on your profile", "endorse")
_endorse_action("unendorse", "Stop endorsing an account", "unendorse")


@router.post(
    "/api/v1/accounts/{account_id}/remove_from_followers",
    summary="Make an account stop following you",
    responses=RELATIONSHIP,
)
async def remove_from_followers(
    account_id: str, graph: Graph, ctx: AuthContext = Depends(require_user("write:follows"))
) -> Response:
    return JsonResponse(render_relationship(await graph.remove_from_followers(ctx.user_id, path_id(account_id))))


@router.get("/api/v1/endorsements", summary="Accounts you endorse", responses=ACCOUNTS)
async def endorsements(
    request: Request,
    views: AccountViewsDep,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("read:accounts")),
) -> Response:
    page = page_of(await read_params(request), 40, 80)
    return await account_page(request, views, await service.endorsements(ctx.user_id, page))


@router.get("/api/v1/accounts/{account_id}/endorsements", summary="Accounts an account endorses", responses=ACCOUNTS)
async def account_endorsements(
    request: Request,
    account_id: str,
    views: AccountViewsDep,
    ctx: OptionalAuth,
    service: ProfilesService = Depends(profiles_service),
) -> Response:
    if ctx is not None and not ctx.allows("read:accounts"):
        raise Forbidden("This action is outside the authorized scopes")
    page = page_of(await read_params(request), 40, 80)
    viewer = ctx.account_id if ctx is not None else None
    return await account_page(request, views, await service.endorsements(path_id(account_id), page, viewer))


# --- featured tags -------------------------------------------------------------------------------


@router.get("/api/v1/featured_tags", summary="Hashtags featured on your profile", responses=FEATURED_TAGS)
async def featured_tags(
    graph: Graph,
    settings: AppSettings,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("read:accounts")),
) -> Response:
    return JsonResponse(await _featured_tags(service, graph, ctx.user_id, settings.base_url))


@router.post(
    "/api/v1/featured_tags",
    summary="Feature a hashtag on your profile",
    responses={200: {"content": {"application/json": {"schema": FEATURED_TAG_SCHEMA}}}},
)
async def feature_tag(
    request: Request,
    graph: Graph,
    settings: AppSettings,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("write:accounts")),
) -> Response:
    params = await read_params(request)
    view = await service.feature_tag(ctx.user_id, params.text("name", max_length=200))
    account = await graph.target(ctx.user_id)
    return JsonResponse(_featured_tag(view, settings.base_url, account.username))


@router.delete("/api/v1/featured_tags/{tag_id}", summary="Stop featuring a hashtag")
async def unfeature_tag(
    tag_id: str,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("write:accounts")),
) -> Response:
    await service.unfeature_tag(ctx.user_id, parse_id(tag_id))
    return JsonResponse({})


@router.get("/api/v1/featured_tags/suggestions", summary="Your most used hashtags not featured yet")
async def featured_tag_suggestions(
    settings: AppSettings,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("read:accounts")),
) -> Response:
    names = await service.featured_tag_suggestions(ctx.user_id)
    return JsonResponse([{"name": n, "url": f"{settings.base_url}/tags/{n}", "history": []} for n in names])


@router.get(
    "/api/v1/accounts/{account_id}/featured_tags", summary="Hashtags an account features", responses=FEATURED_TAGS
)
async def account_featured_tags(
    account_id: str,
    graph: Graph,
    settings: AppSettings,
    ctx: OptionalAuth,
    service: ProfilesService = Depends(profiles_service),
) -> Response:
    return JsonResponse(await _featured_tags(service, graph, path_id(account_id), settings.base_url))


# --- discovery -----------------------------------------------------------------------------------

# Mastodon 4.3 still sends the older single ``source`` beside ``sources``
_LEGACY_SOURCE = {"friends_of_friends": "past_interactions", "most_followed": "global"}


@router.get("/api/v2/suggestions", summary="Accounts to follow, from your graph and the most followed")
async def suggestions(
    request: Request,
    views: AccountViewsDep,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("read")),
) -> Response:
    params = await read_params(request)
    limit = params.integer("limit", 40, minimum=1, maximum=80) or 40
    found = await service.suggestions(ctx.user_id, limit)
    accounts = await views.many([s.account_id for s in found])
    body = [
        {"source": _LEGACY_SOURCE[s.sources[0]], "sources": list(s.sources), "account": accounts[s.account_id]}
        for s in found
        if s.account_id in accounts and s.sources
    ]
    return JsonResponse(body)


@router.delete("/api/v1/suggestions/{account_id}", summary="Stop suggesting an account")
async def dismiss_suggestion(
    account_id: str,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("read")),
) -> Response:
    await service.dismiss_suggestion(ctx.user_id, parse_id(account_id))
    return JsonResponse({})


@router.get("/api/v1/directory", summary="The profile directory: discoverable accounts", responses=ACCOUNTS)
async def directory(
    request: Request,
    views: AccountViewsDep,
    ctx: OptionalAuth,
    service: ProfilesService = Depends(profiles_service),
) -> Response:
    params = await read_params(request)
    order = params.text("order", "active") or "active"
    if order not in DIRECTORY_ORDERS:
        raise Unprocessable(f"order must be one of {', '.join(DIRECTORY_ORDERS)}")
    params.flag("local")  # every account here is local: checked, then nothing to narrow
    limit = params.integer("limit", 40, minimum=1, maximum=80) or 40
    offset = params.integer("offset", 0, minimum=0) or 0
    ids = await service.directory(ctx.account_id if ctx is not None else None, order, limit, offset)
    found = await views.many(ids)
    return JsonResponse([found[a] for a in ids if a in found])


@router.get("/api/v1/accounts/familiar_followers", summary="Accounts you follow that follow each account")
async def familiar_followers(
    request: Request,
    views: AccountViewsDep,
    service: ProfilesService = Depends(profiles_service),
    ctx: AuthContext = Depends(require_user("read:follows")),
) -> Response:
    ids = requested_ids(await read_params(request))
    familiar = await service.familiar_followers(ctx.user_id, ids)
    found = await views.many([a for accounts in familiar.values() for a in accounts])
    body = [
        {"id": str(account_id), "accounts": [found[a] for a in accounts if a in found]}
        for account_id, accounts in familiar.items()
    ]
    return JsonResponse(body)
