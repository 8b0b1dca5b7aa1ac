"""Scheduled statuses (posts role): list, read, move and cancel the caller's own (others': 404).
They are created by ``POST /api/v1/statuses`` with ``scheduled_at`` (api/routes/statuses.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, Scheduled, require_user
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.pagination import id_cursors, page_of, paged
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.scheduled import ScheduledStatus, parse_scheduled_at
from rookery.workloads.services.scheduled import ScheduledStatusesService
from rookery.workloads.views.scheduled import SCHEDULED_STATUS_SCHEMA, render_scheduled

router = APIRouter(tags=["scheduled_statuses"])

SCHEDULED: dict[int | str, dict[str, Any]] = {
    200: {"description": "ScheduledStatus", "content": {"application/json": {"schema": SCHEDULED_STATUS_SCHEMA}}}
}
SCHEDULED_LIST: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "ScheduledStatuses",
        "content": {"application/json": {"schema": {"type": "array", "items": SCHEDULED_STATUS_SCHEMA}}},
    }
}


async def render_many(service: ScheduledStatusesService, found: list[ScheduledStatus]) -> list[dict[str, Any]]:
    media = await service.media_of(found)
    return [render_scheduled(s, media.get(s.id, [])) for s in found]


@router.get("/api/v1/scheduled_statuses", summary="The caller's scheduled statuses", responses=SCHEDULED_LIST)
async def list_scheduled(
    request: Request, scheduled: Scheduled, ctx: AuthContext = Depends(require_user("read:statuses"))
) -> Response:
    page = page_of(await read_params(request), kind="a scheduled status id")
    found = await scheduled.of_account(ctx.user_id, page)
    next_max, prev_min = id_cursors([s.id for s in found])
    return paged(request, await render_many(scheduled, found), next_max, prev_min)


@router.get("/api/v1/scheduled_statuses/{scheduled_id}", summary="One scheduled status", responses=SCHEDULED)
async def get_scheduled(
    request: Request, scheduled_id: str, scheduled: Scheduled, ctx: AuthContext = Depends(require_user("read:statuses"))
) -> Response:
    found = await scheduled.get(ctx.user_id, path_id(scheduled_id))
    return JsonResponse((await render_many(scheduled, [found]))[0])


@router.put("/api/v1/scheduled_statuses/{scheduled_id}", summary="Move a scheduled status", responses=SCHEDULED)
async def reschedule(
    request: Request,
    scheduled_id: str,
    scheduled: Scheduled,
    ctx: AuthContext = Depends(require_user("write:statuses")),
) -> Response:
    params = await read_params(request)
    found = await scheduled.get(ctx.user_id, path_id(scheduled_id))
    raw = params.text("scheduled_at", None, max_length=64)
    if not raw:
        raise Unprocessable("Validation failed: Scheduled at can't be blank")
    moved = await scheduled.reschedule(ctx.user_id, found.id, parse_scheduled_at(raw))
    return JsonResponse((await render_many(scheduled, [moved]))[0])


@router.delete("/api/v1/scheduled_statuses/{scheduled_id}", summary="Cancel a scheduled status")
async def cancel(
    request: Request,
    scheduled_id: str,
    scheduled: Scheduled,
    ctx: AuthContext = Depends(require_user("write:statuses")),
) -> Response:
    await scheduled.cancel(ctx.user_id, path_id(scheduled_id))
    return JsonResponse({})
