"""Filters (posts role): v2 filters with their keywords and statuses, and the v1 shim (one v1
filter per keyword). Everything here is the caller's own: another account's ids answer 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, Filters, require_user
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.social import path_id
from rookery.workloads.ids import parse_id
from rookery.workloads.services.filters import FilterChanges, KeywordChange
from rookery.workloads.views.filters import (
    FILTER_SCHEMA,
    FILTER_STATUS_SCHEMA,
    KEYWORD_SCHEMA,
    V1_FILTER_SCHEMA,
    render_filter,
    render_filter_status,
    render_keyword,
    render_v1,
)

router = APIRouter(tags=["filters"])
READ = require_user("read:filters")
WRITE = require_user("write:filters")


def _one(schema: dict[str, Any], what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": what, "content": {"application/json": {"schema": schema}}}}


def _many(schema: dict[str, Any], what: str) -> dict[int | str, dict[str, Any]]:
    return _one({"type": "array", "items": schema}, what)


def _expires_in(params: Params) -> tuple[int | None, bool]:
    """``expires_in`` (seconds) and whether it was sent at all (empty: never expires)."""
    if "expires_in" not in params:
        return None, False
    return params.integer("expires_in", None, minimum=0), True


def _context(params: Params) -> tuple[str, ...] | None:
    return tuple(params.strings("context")) if "context" in params else None


def _keyword_changes(params: Params) -> tuple[KeywordChange, ...]:
    changes = []
    for raw in params.objects("keywords_attributes"):
        item = Params(raw)
        keyword_id = None
        if item.raw("id") not in (None, ""):
            keyword_id = parse_id(item.text("id") or "")
            if keyword_id is None:
                raise Unprocessable("Validation failed: keywords_attributes id must be a keyword id")
        changes.append(
            KeywordChange(
                id=keyword_id,
                keyword=item.text("keyword", None, max_length=1024),
                whole_word=item.flag("whole_word", None),
                destroy=bool(item.flag("_destroy", False)),
            )
        )
    return tuple(changes)


def _changes(params: Params) -> FilterChanges:
    expires_in, given = _expires_in(params)
    return FilterChanges(
        title=params.text("title", None, max_length=1024),
        context=_context(params),
        action=params.text("filter_action", None, max_length=32),
        expires_in=expires_in,
        expires_in_given=given,
        keywords=_keyword_changes(params),
    )


def _status_id(params: Params) -> int | None:
    raw = params.text("status_id", None, max_length=32)
    if not raw:
        raise Unprocessable("Validation failed: Status can't be blank")
    return parse_id(raw)


# --- v2 ---------------------------------------------------------------------------------------


@router.get("/api/v2/filters", summary="The caller's filters", responses=_many(FILTER_SCHEMA, "Filters"))
async def list_filters(request: Request, filters: Filters, ctx: AuthContext = Depends(READ)) -> Response:
    return JsonResponse([render_filter(f) for f in await filters.of_account(ctx.user_id)])


@router.post("/api/v2/filters", summary="Create a filter", responses=_one(FILTER_SCHEMA, "Filter"))
async def create_filter(request: Request, filters: Filters, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    return JsonResponse(render_filter(await filters.create(ctx.user_id, _changes(params))))


@router.get("/api/v2/filters/{filter_id}", summary="One filter", responses=_one(FILTER_SCHEMA, "Filter"))
async def get_filter(request: Request, filter_id: str, filters: Filters, ctx: AuthContext = Depends(READ)) -> Response:
    return JsonResponse(render_filter(await filters.get(ctx.user_id, path_id(filter_id))))


@router.put("/api/v2/filters/{filter_id}", summary="Update a filter", responses=_one(FILTER_SCHEMA, "Filter"))
async def update_filter(
    request: Request, filter_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)
) -> Response:
    params = await read_params(request)
    return JsonResponse(render_filter(await filters.update(ctx.user_id, path_id(filter_id), _changes(params))))


@router.delete("/api/v2/filters/{filter_id}", summary="Delete a filter")
async def delete_filter(
    request: Request, filter_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)
) -> Response:
    await filters.delete(ctx.user_id, path_id(filter_id))
    return JsonResponse({})


@router.get(
    "/api/v2/filters/{filter_id}/keywords", summary="A filter's keywords", responses=_many(KEYWORD_SCHEMA, "Keywords")
)
async def list_keywords(
    request: Request, filter_id: str, filters: Filters, ctx: AuthContext = Depends(READ)
) -> Response:
    found = await filters.get(ctx.user_id, path_id(filter_id))
    return JsonResponse([render_keyword(k) for k in found.keywords])


@router.post("/api/v2/filters/{filter_id}/keywords", summary="Add a keyword", responses=_one(KEYWORD_SCHEMA, "Keyword"))
async def add_keyword(
    request: Request, filter_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)
) -> Response:
    params = await read_params(request)
    keyword = await filters.add_keyword(
        ctx.user_id,
        path_id(filter_id),
        params.text("keyword", None, max_length=1024),
        bool(params.flag("whole_word", True)),
    )
    return JsonResponse(render_keyword(keyword))


@router.get("/api/v2/filters/keywords/{keyword_id}", summary="One keyword", responses=_one(KEYWORD_SCHEMA, "Keyword"))
async def get_keyword(
    request: Request, keyword_id: str, filters: Filters, ctx: AuthContext = Depends(READ)
) -> Response:
    _, keyword = await filters.keyword(ctx.user_id, path_id(keyword_id))
    return JsonResponse(render_keyword(keyword))


@router.put(
    "/api/v2/filters/keywords/{keyword_id}", summary="Edit a keyword", responses=_one(KEYWORD_SCHEMA, "Keyword")
)
async def update_keyword(
    request: Request, keyword_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)
) -> Response:
    params = await read_params(request)
    keyword = await filters.update_keyword(
        ctx.user_id,
        path_id(keyword_id),
        params.text("keyword", None, max_length=1024),
        params.flag("whole_word", None),
    )
    return JsonResponse(render_keyword(keyword))


@router.delete("/api/v2/filters/keywords/{keyword_id}", summary="Remove a keyword")
async def delete_keyword(
    request: Request, keyword_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)
) -> Response:
    await filters.delete_keyword(ctx.user_id, path_id(keyword_id))
    return JsonResponse({})


@router.get(
    "/api/v2/filters/{filter_id}/statuses",
    summary="A filter's statuses",
    responses=_many(FILTER_STATUS_SCHEMA, "Status filters"),
)
async def list_status_filters(
    request: Request, filter_id: str, filters: Filters, ctx: AuthContext = Depends(READ)
) -> Response:
    found = await filters.get(ctx.user_id, path_id(filter_id))
    return JsonResponse([render_filter_status(s) for s in found.statuses])


@router.post(
    "/api/v2/filters/{filter_id}/statuses",
    summary="Add a status to a filter",
    responses=_one(FILTER_STATUS_SCHEMA, "Status filter"),
)
async def add_status_filter(
    request: Request, filter_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)
) -> Response:
    params = await read_params(request)
    created = await filters.add_status(ctx.user_id, path_id(filter_id), _status_id(params))
    return JsonResponse(render_filter_status(created))


@router.get(
    "/api/v2/filters/statuses/{filter_status_id}",
    summary="One status filter",
    responses=_one(FILTER_STATUS_SCHEMA, "Status filter"),
)
async def get_status_filter(
    request: Request, filter_status_id: str, filters: Filters, ctx: AuthContext = Depends(READ)
) -> Response:
    _, status = await filters.status_filter(ctx.user_id, path_id(filter_status_id))
    return JsonResponse(render_filter_status(status))


@router.delete("/api/v2/filters/statuses/{filter_status_id}", summary="Remove a status from a filter")
async def delete_status_filter(
    request: Request, filter_status_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)
) -> Response:
    await filters.delete_status(ctx.user_id, path_id(filter_status_id))
    return JsonResponse({})


# --- v1 (deprecated by Mastodon 4, kept for older clients) ------------------------------------


@router.get("/api/v1/filters", summary="The caller's filters (v1)", responses=_many(V1_FILTER_SCHEMA, "V1 filters"))
async def list_v1(request: Request, filters: Filters, ctx: AuthContext = Depends(READ)) -> Response:
    return JsonResponse([render_v1(f, k) for f, k in await filters.v1_list(ctx.user_id)])


@router.post("/api/v1/filters", summary="Create a filter (v1)", responses=_one(V1_FILTER_SCHEMA, "V1 filter"))
async def create_v1(request: Request, filters: Filters, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    expires_in, _ = _expires_in(params)
    found, keyword = await filters.v1_create(
        ctx.user_id,
        params.text("phrase", None, max_length=1024),
        params.strings("context"),
        irreversible=bool(params.flag("irreversible", False)),
        whole_word=bool(params.flag("whole_word", False)),
        expires_in=expires_in,
    )
    return JsonResponse(render_v1(found, keyword))


@router.get("/api/v1/filters/{keyword_id}", summary="One filter (v1)", responses=_one(V1_FILTER_SCHEMA, "V1 filter"))
async def get_v1(request: Request, keyword_id: str, filters: Filters, ctx: AuthContext = Depends(READ)) -> Response:
    found, keyword = await filters.keyword(ctx.user_id, path_id(keyword_id))
    return JsonResponse(render_v1(found, keyword))


@router.put(
    "/api/v1/filters/{keyword_id}", summary="Update a filter (v1)", responses=_one(V1_FILTER_SCHEMA, "V1 filter")
)
async def update_v1(request: Request, keyword_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    expires_in, given = _expires_in(params)
    found, keyword = await filters.v1_update(
        ctx.user_id,
        path_id(keyword_id),
        params.text("phrase", None, max_length=1024),
        _context(params),
        irreversible=params.flag("irreversible", None),
        whole_word=params.flag("whole_word", None),
        expires_in=expires_in,
        expires_in_given=given,
    )
    return JsonResponse(render_v1(found, keyword))


@router.delete("/api/v1/filters/{keyword_id}", summary="Remove a filter (v1: its keyword)")
async def delete_v1(request: Request, keyword_id: str, filters: Filters, ctx: AuthContext = Depends(WRITE)) -> Response:
    await filters.v1_delete(ctx.user_id, path_id(keyword_id))
    return JsonResponse({})
