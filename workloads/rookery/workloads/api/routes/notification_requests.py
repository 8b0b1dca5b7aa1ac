"""Notification policy and requests (notifications role, Mastodon 4.3): GET/PATCH
/api/v2/notifications/policy, and /api/v1/notifications/requests (list, one, accept, dismiss, in
bulk, merged). Mounted before the v1 and v2 notification routers: neither ``policy`` nor
``requests`` is a notification id or group key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import (
    AccountViewsDep,
    AuthContext,
    Notifications,
    StatusViewsDep,
    require_user,
)
from rookery.workloads.api.errors import NotFound, Unprocessable
from rookery.workloads.api.pagination import id_cursors, page_of, paged
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.notification_policy import FIELDS, NotificationPolicy, NotificationRequest
from rookery.workloads.ids import parse_id
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA, AccountViews
from rookery.workloads.views.moments import iso
from rookery.workloads.views.statuses import STATUS_SCHEMA, StatusViews

router = APIRouter(tags=["notifications"])

POLICY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon NotificationPolicy entity (v2)",
    "properties": {
        **{name: {"type": "string", "enum": ["accept", "filter", "drop"]} for name in FIELDS},
        "summary": {
            "type": "object",
            "properties": {
                "pending_requests_count": {"type": "integer"},
                "pending_notifications_count": {"type": "integer"},
            },
        },
    },
}
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon NotificationRequest entity",
    "properties": {
        "id": {"type": "string"},
        "created_at": {"type": "string"},
        "updated_at": {"type": "string"},
        "account": ACCOUNT_SCHEMA,
        "notifications_count": {"type": "string"},
        "last_status": STATUS_SCHEMA,
    },
}
POLICY: dict[int | str, dict[str, Any]] = {
    200: {"description": "NotificationPolicy", "content": {"application/json": {"schema": POLICY_SCHEMA}}}
}
REQUEST: dict[int | str, dict[str, Any]] = {
    200: {"description": "NotificationRequest", "content": {"application/json": {"schema": REQUEST_SCHEMA}}}
}
REQUESTS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "NotificationRequests",
        "content": {"application/json": {"schema": {"type": "array", "items": REQUEST_SCHEMA}}},
    }
}


def render_policy(policy: NotificationPolicy, pending: tuple[int, int]) -> dict[str, Any]:
    return {
        **{name: getattr(policy, name) for name in FIELDS},
        "summary": {"pending_requests_count": pending[0], "pending_notifications_count": pending[1]},
    }


async def render_requests(
    found: list[NotificationRequest], viewer_id: int, accounts: AccountViews, statuses: StatusViews
) -> list[dict[str, Any]]:
    senders = await accounts.many([r.from_account_id for r in found])
    status_ids = [r.last_status_id for r in found if r.last_status_id is not None]
    rendered = {int(s["id"]): s for s in await statuses.render(status_ids, viewer_id)}
    body = []
    for r in found:
        if r.from_account_id not in senders:
            continue
        entity: dict[str, Any] = {
            "id": str(r.id),
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
            "account": senders[r.from_account_id],
            "notifications_count": str(r.notifications_count),
        }
        if r.last_status_id is not None and r.last_status_id in rendered:
            entity["last_status"] = rendered[r.last_status_id]
        body.append(entity)
    return body


@router.get("/api/v2/notifications/policy", summary="The notification filtering policy", responses=POLICY)
async def get_policy(
    request: Request, notifications: Notifications, ctx: AuthContext = Depends(require_user("read:notifications"))
) -> Response:
    return JsonResponse(render_policy(*await notifications.policy(ctx.user_id)))


@router.patch("/api/v2/notifications/policy", summary="Change the notification filtering policy", responses=POLICY)
async def update_policy(
    request: Request, notifications: Notifications, ctx: AuthContext = Depends(require_user("write:notifications"))
) -> Response:
    params = await read_params(request)
    values = {name: params.text(name) or "" for name in FIELDS if params.raw(name) is not None}
    await notifications.update_policy(ctx.user_id, values)
    return JsonResponse(render_policy(*await notifications.policy(ctx.user_id)))


@router.get("/api/v1/notifications/requests", summary="Notification requests, newest first", responses=REQUESTS)
async def list_requests(
    request: Request,
    notifications: Notifications,
    accounts: AccountViewsDep,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    page = page_of(await read_params(request), 40, 80, kind="a notification request id (a positive integer)")
    found = await notifications.requests(ctx.user_id, page)
    body = await render_requests(found, ctx.user_id, accounts, views)
    return paged(request, body, *id_cursors([r.id for r in found]))


@router.get("/api/v1/notifications/requests/merged", summary="Whether accepted requests are merged")
async def requests_merged(request: Request, ctx: AuthContext = Depends(require_user("read:notifications"))) -> Response:
    return JsonResponse({"merged": True})  # accepting merges at once


def _request_ids(raw: list[str]) -> list[int]:
    ids = [parse_id(value) for value in raw]
    if not ids or any(i is None for i in ids):
        raise Unprocessable("Validation failed: id[] must list notification request ids")
    return [i for i in ids if i is not None]


@router.post("/api/v1/notifications/requests/accept", summary="Accept several notification requests")
async def accept_requests(
    request: Request, notifications: Notifications, ctx: AuthContext = Depends(require_user("write:notifications"))
) -> Response:
    for request_id in _request_ids((await read_params(request)).strings("id")):
        if await notifications.has_request(ctx.user_id, request_id):
            await notifications.accept_request(ctx.user_id, request_id)
    return JsonResponse({})


@router.post("/api/v1/notifications/requests/dismiss", summary="Dismiss several notification requests")
async def dismiss_requests(
    request: Request, notifications: Notifications, ctx: AuthContext = Depends(require_user("write:notifications"))
) -> Response:
    for request_id in _request_ids((await read_params(request)).strings("id")):
        if await notifications.has_request(ctx.user_id, request_id):
            await notifications.dismiss_request(ctx.user_id, request_id)
    return JsonResponse({})


@router.get("/api/v1/notifications/requests/{request_id}", summary="One notification request", responses=REQUEST)
async def get_request(
    request: Request,
    request_id: str,
    notifications: Notifications,
    accounts: AccountViewsDep,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    found = await notifications.request(ctx.user_id, path_id(request_id))
    rendered = await render_requests([found], ctx.user_id, accounts, views)
    if not rendered:  # its sender is gone
        raise NotFound()
    return JsonResponse(rendered[0])


@router.post("/api/v1/notifications/requests/{request_id}/accept", summary="Accept a notification request")
async def accept_request(
    request: Request,
    request_id: str,
    notifications: Notifications,
    ctx: AuthContext = Depends(require_user("write:notifications")),
) -> Response:
    await notifications.accept_request(ctx.user_id, path_id(request_id))
    return JsonResponse({})


@router.post("/api/v1/notifications/requests/{request_id}/dismiss", summary="Dismiss a notification request")
async def dismiss_request(
    request: Request,
    request_id: str,
    notifications: Notifications,
    ctx: AuthContext = Depends(require_user("write:notifications")),
) -> Response:
    await notifications.dismiss_request(ctx.user_id, path_id(request_id))
    return JsonResponse({})
