"""Grouped notifications (notifications role, Mastodon 4.3's API v2): pages of groups, one group,
its accounts, dismissing it, and the unread counts of v2 (groups) and v1 (notifications) against
the ``notifications`` read marker. Mounted before the v1 router: ``unread_count`` is no id."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import (
    AccountViewsDep,
    AuthContext,
    Markers,
    Notifications,
    StatusViewsDep,
    require_user,
)
from rookery.workloads.api.errors import Unprocessable
from rookery.workloads.api.pagination import page_of, paged
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.ids import parse_id
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA
from rookery.workloads.views.notification_groups import GROUPED_NOTIFICATIONS_SCHEMA, render_grouped

router = APIRouter(tags=["notifications"])

GROUPED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "GroupedNotificationsResults",
        "content": {"application/json": {"schema": GROUPED_NOTIFICATIONS_SCHEMA}},
    }
}
COUNT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Unread count",
        "content": {"application/json": {"schema": {"type": "object", "properties": {"count": {"type": "integer"}}}}},
    }
}
UNREAD_DEFAULT, UNREAD_MAX = 100, 1000


def account_filter(params: Params) -> int | None:
    if params.raw("account_id") in (None, ""):
        return None
    account_id = parse_id(params.text("account_id") or "")
    if account_id is None:
        raise Unprocessable("account_id must be an account id")
    return account_id


def include_filtered(params: Params, from_account_id: int | None, *, grouped: bool) -> bool:
    """Mastodon 4.3's ``include_filtered``: the notifications the policy held in requests too. Its
    v1 API adds them whenever an ``account_id`` is given (how its web client shows a request)."""
    asked = bool(params.flag("include_filtered", False))
    return asked or (not grouped and from_account_id is not None)


def _partial_avatars(params: Params) -> bool:
    expand = params.text("expand_accounts", "full") or "full"
    if expand not in ("full", "partial_avatars"):
        raise Unprocessable("expand_accounts must be full or partial_avatars")
    return expand == "partial_avatars"


@router.get("/api/v2/notifications", summary="Grouped notifications, newest group first", responses=GROUPED)
async def grouped_notifications(
    request: Request,
    notifications: Notifications,
    accounts: AccountViewsDep,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    params = await read_params(request)
    page = page_of(params, 40, 80, kind="a notification id (a positive integer)")
    partial = _partial_avatars(params)
    from_account_id = account_filter(params)
    groups, next_max, prev_min = await notifications.grouped(
        ctx.user_id,
        page,
        types=params.strings("types"),
        exclude_types=params.strings("exclude_types"),
        from_account_id=from_account_id,
        grouped_types=params.strings("grouped_types"),
        include_filtered=include_filtered(params, from_account_id, grouped=True),
    )
    body = await render_grouped(groups, ctx.user_id, accounts, views, partial_avatars=partial)
    return paged(request, body, next_max, prev_min)


async def _unread(
    request: Request, notifications: Notifications, markers: Markers, user_id: int, *, grouped: bool
) -> Response:
    params = await read_params(request)
    limit = params.integer("limit", UNREAD_DEFAULT, minimum=1) or UNREAD_DEFAULT
    marker = (await markers.get(user_id, ["notifications"])).get("notifications")
    from_account_id = account_filter(params)
    count = await notifications.unread_count(
        user_id,
        marker.last_read_id if marker is not None else None,
        min(limit, UNREAD_MAX),
        types=params.strings("types"),
        exclude_types=params.strings("exclude_types"),
        from_account_id=from_account_id,
        grouped_types=params.strings("grouped_types"),
        grouped=grouped,
        include_filtered=include_filtered(params, from_account_id, grouped=grouped),
    )
    return JsonResponse({"count": count})


@router.get("/api/v2/notifications/unread_count", summary="Unread notification groups (capped)", responses=COUNT)
async def unread_groups(
    request: Request,
    notifications: Notifications,
    markers: Markers,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    return await _unread(request, notifications, markers, ctx.user_id, grouped=True)


@router.get("/api/v1/notifications/unread_count", summary="Unread notifications (capped)", responses=COUNT)
async def unread_notifications(
    request: Request,
    notifications: Notifications,
    markers: Markers,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    return await _unread(request, notifications, markers, ctx.user_id, grouped=False)


@router.get("/api/v2/notifications/{group_key}", summary="One notification group", responses=GROUPED)
async def notification_group(
    request: Request,
    group_key: str,
    notifications: Notifications,
    accounts: AccountViewsDep,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    group, _ = await notifications.group(ctx.user_id, group_key)
    return JsonResponse(await render_grouped([group], ctx.user_id, accounts, views))


@router.get(
    "/api/v2/notifications/{group_key}/accounts",
    summary="The accounts of a notification group, newest first",
    responses={
        200: {
            "description": "Accounts",
            "content": {"application/json": {"schema": {"type": "array", "items": ACCOUNT_SCHEMA}}},
        }
    },
)
async def notification_group_accounts(
    request: Request,
    group_key: str,
    notifications: Notifications,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("read:notifications")),
) -> Response:
    _, members = await notifications.group(ctx.user_id, group_key)
    ids = list(dict.fromkeys(n.from_account_id for n in members))
    rendered = await accounts.many(ids)
    return JsonResponse([rendered[i] for i in ids if i in rendered])


@router.post("/api/v2/notifications/{group_key}/dismiss", summary="Dismiss a notification group")
async def dismiss_notification_group(
    request: Request,
    group_key: str,
    notifications: Notifications,
    ctx: AuthContext = Depends(require_user("write:notifications")),
) -> Response:
    await notifications.dismiss_group(ctx.user_id, group_key)
    return JsonResponse({})
