"""Notifications (notifications role): list with type filters, get, dismiss, clear."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AccountViewsDep, AuthContext, Notifications, StatusViewsDep, require_user
from rookery.workloads.api.errors import NotFound
from rookery.workloads.api.pagination import page_of, paged
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.grouped_notifications import account_filter, include_filtered
from rookery.workloads.api.social import path_id
from rookery.workloads.views.social import NOTIFICATION_SCHEMA, render_notifications

router = APIRouter(tags=["notifications"])

NOTIFICATION: dict[int | str, dict[str, Any]] = {
    200: {"description": "Notification", "content": {"application/json": {"schema": NOTIFICATION_SCHEMA}}}
}
NOTIFICATIONS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Notifications",
        "content": {"application/json": {"schema": {"type": "array", "items": NOTIFICATION_SCHEMA}}},
    }
}


@router.get("/api/v1/notifications", summary="Notifications, newest first", responses=NOTIFICATIONS)
async def list_notifications(
    request: Request,
    notifications: Notifications,
    accounts: AccountViewsDep,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    params = await read_params(request)
    page = page_of(params, 40, 80)
    from_account_id = account_filter(params)
    found, next_max, prev_min = await notifications.recent(
        ctx.user_id,
        page,
        types=params.strings("types"),
        exclude_types=params.strings("exclude_types"),
        from_account_id=from_account_id,
        include_filtered=include_filtered(params, from_account_id, grouped=False),
    )
    return paged(request, await render_notifications(found, ctx.user_id, accounts, views), next_max, prev_min)


@router.get("/api/v1/notifications/{notification_id}", summary="One notification", responses=NOTIFICATION)
async def get_notification(
    request: Request,
    notification_id: str,
    notifications: Notifications,
    accounts: AccountViewsDep,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    found = await notifications.get(ctx.user_id, path_id(notification_id))
    rendered = await render_notifications([found], ctx.user_id, accounts, views)
    if not rendered:
        raise NotFound()
    return JsonResponse(rendered[0])


@router.post("/api/v1/notifications/clear", summary="Clear all notifications")
async def clear_notifications(
    request: Request, notifications: Notifications, ctx: AuthContext = Depends(require_user("write:notifications"))
) -> Response:
    await notifications.clear(ctx.user_id)
    return JsonResponse({})


@router.post("/api/v1/notifications/{notification_id}/dismiss", summary="Dismiss one notification")
async def dismiss_notification(
    request: Request,
    notification_id: str,
    notifications: Notifications,
    ctx: AuthContext = Depends(require_user("write:notifications")),
) -> Response:
    await notifications.dismiss(ctx.user_id, path_id(notification_id))
    return JsonResponse({})
