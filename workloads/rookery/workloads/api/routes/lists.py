"""Lists (feed role): ``/api/v1/lists`` and a list's accounts, the lists an account is in, and
the list timeline ``/api/v1/timelines/list/:id``. A list is its owner's alone: anyone else's is
answered 404, as a missing one is. Reading needs ``read:lists``, changing ``write:lists``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AccountViewsDep, AuthContext, Lists, StatusViewsDep, require_user
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.pagination import page_of, paged
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.graph import ACCOUNTS
from rookery.workloads.api.routes.statuses import STATUSES
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.lists import MAX_MEMBERS, MAX_TITLE, TimelineList
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import parse_id

router = APIRouter(tags=["lists"])

LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon List entity",
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "replies_policy": {"type": "string", "enum": ["followed", "list", "none"]},
        "exclusive": {"type": "boolean"},
    },
}
LIST: dict[int | str, dict[str, Any]] = {
    200: {"description": "List", "content": {"application/json": {"schema": LIST_SCHEMA}}}
}
LISTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Lists",
        "content": {"application/json": {"schema": {"type": "array", "items": LIST_SCHEMA}}},
    }
}
EMPTY: dict[int | str, dict[str, Any]] = {
    200: {"description": "Done", "content": {"application/json": {"schema": {"type": "object"}}}}
}

READ = require_user("read:lists")
WRITE = require_user("write:lists")


def render_list(found: TimelineList) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "title": found.title,
        "replies_policy": found.replies_policy,
        "exclusive": found.exclusive,
    }


def _account_ids(params: Params) -> list[int]:
    raw = params.strings("account_ids")
    if not raw:
        raise Unprocessable("Validation failed: account_ids must name at least one account")
    if len(raw) > MAX_MEMBERS:
        raise Unprocessable(f"At most {MAX_MEMBERS} account_ids may be given")
    ids = [parse_id(value) for value in raw]
    if any(i is None for i in ids):
        raise Unprocessable("account_ids must be account ids (positive integers)")
    return [i for i in ids if i is not None]


@router.get("/api/v1/lists", summary="Your lists", responses=LISTS)
async def lists(request: Request, lists: Lists, ctx: AuthContext = Depends(READ)) -> Response:
    return JsonResponse([render_list(found) for found in await lists.lists(ctx.user_id)])


@router.post("/api/v1/lists", summary="Create a list", responses=LIST)
async def create(request: Request, lists: Lists, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    title = params.text("title", max_length=MAX_TITLE)
    created = await lists.create(
        ctx.user_id,
        title,
        replies_policy=params.text("replies_policy", "list") or "list",
        exclusive=bool(params.flag("exclusive", False)),
    )
    return JsonResponse(render_list(created))


@router.get("/api/v1/lists/{list_id}", summary="One of your lists", responses=LIST)
async def one(request: Request, list_id: str, lists: Lists, ctx: AuthContext = Depends(READ)) -> Response:
    found = await lists.get(ctx.user_id, path_id(list_id))
    return JsonResponse(render_list(found))


@router.put("/api/v1/lists/{list_id}", summary="Change a list", responses=LIST)
async def update(request: Request, list_id: str, lists: Lists, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    changed = await lists.update(
        ctx.user_id,
        path_id(list_id),
        title=params.text("title", max_length=MAX_TITLE),
        replies_policy=params.text("replies_policy"),
        exclusive=params.flag("exclusive"),
    )
    return JsonResponse(render_list(changed))


@router.delete("/api/v1/lists/{list_id}", summary="Delete a list", responses=EMPTY)
async def delete(request: Request, list_id: str, lists: Lists, ctx: AuthContext = Depends(WRITE)) -> Response:
    await lists.delete(ctx.user_id, path_id(list_id))
    return JsonResponse({})


@router.get("/api/v1/lists/{list_id}/accounts", summary="Accounts in a list", responses=ACCOUNTS)
async def accounts(
    request: Request, list_id: str, lists: Lists, views: AccountViewsDep, ctx: AuthContext = Depends(READ)
) -> Response:
    params = await read_params(request)
    everything = params.integer("limit") == 0  # Mastodon: limit=0 answers every member, unpaged
    page = PageRequest(limit=MAX_MEMBERS) if everything else page_of(params, 40, 80)
    ids = await lists.members(ctx.user_id, path_id(list_id), page)
    found = await views.many(ids)
    body = [found[i] for i in ids if i in found and not found[i].get("suspended")]
    if everything or not ids:
        return JsonResponse(body)
    return paged(request, body, ids[-1], ids[0])


@router.post("/api/v1/lists/{list_id}/accounts", summary="Add accounts you follow to a list", responses=EMPTY)
async def add_accounts(request: Request, list_id: str, lists: Lists, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    target = path_id(list_id)
    await lists.get(ctx.user_id, target)  # an unknown list is a 404 before bad ids
    await lists.add(ctx.user_id, target, _account_ids(params))
    return JsonResponse({})


@router.delete("/api/v1/lists/{list_id}/accounts", summary="Remove accounts from a list", responses=EMPTY)
async def remove_accounts(request: Request, list_id: str, lists: Lists, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    target = path_id(list_id)
    await lists.get(ctx.user_id, target)
    await lists.remove(ctx.user_id, target, _account_ids(params))
    return JsonResponse({})


@router.get("/api/v1/accounts/{account_id}/lists", summary="Your lists that hold this account", responses=LISTS)
async def account_lists(request: Request, account_id: str, lists: Lists, ctx: AuthContext = Depends(READ)) -> Response:
    found = await lists.lists_with(ctx.user_id, path_id(account_id))
    return JsonResponse([render_list(one) for one in found])


@router.get("/api/v1/timelines/list/{list_id}", summary="List timeline", responses=STATUSES)
async def timeline(
    request: Request, list_id: str, lists: Lists, views: StatusViewsDep, ctx: AuthContext = Depends(READ)
) -> Response:
    page = page_of(await read_params(request))
    found = await lists.timeline(ctx.user_id, path_id(list_id), page)
    body = await views.render([e.status_id for e in found.entries], ctx.user_id, context="home")
    return paged(request, body, found.next_max_id, found.prev_min_id)
