"""Announcements (accounts role): Mastodon's ``GET /api/v1/announcements`` (``with_dismissed``),
``POST /api/v1/announcements/:id/dismiss``, ``PUT/DELETE /api/v1/announcements/:id/reactions/:name``
(a unicode emoji, or the shortcode of a custom emoji); admins publish and remove them with
``GET/POST /api/v1/admin/announcements`` and ``DELETE /api/v1/admin/announcements/:id`` (a Rookery
admin route, like the rules: ``text``, optional ``starts_at`` and ``ends_at`` together, ``all_day``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, container, require_user
from rookery.workloads.api.errors import NotFound, Unprocessable
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.routes.instance_admin import READ, WRITE
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.announcements import Announcement, AnnouncementView
from rookery.workloads.ids import parse_id
from rookery.workloads.services.announcements import Announcements
from rookery.workloads.views.announcements import render_announcement

router = APIRouter(tags=["announcements"])


async def announcements_service(request: Request) -> Announcements:
    role = container(request).accounts
    if role is None or role.announcements is None:
        raise NotFound()
    return role.announcements


AnnouncementsDep = Annotated[Announcements, Depends(announcements_service)]


def _moment(params: Params, name: str) -> dt.datetime | None:
    raw = params.text(name, max_length=64)
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Unprocessable(f"{name} must be an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@router.get("/api/v1/announcements", summary="Announcements in their time window")
async def announcements(
    request: Request, service: AnnouncementsDep, ctx: AuthContext = Depends(require_user("read"))
) -> Response:
    params = await read_params(request)
    with_dismissed = bool(params.flag("with_dismissed", False))
    return JsonResponse(await service.render(await service.current(ctx.user_id, with_dismissed=with_dismissed)))


@router.post("/api/v1/announcements/{announcement_id}/dismiss", summary="Mark an announcement as read")
async def dismiss(
    announcement_id: str, service: AnnouncementsDep, ctx: AuthContext = Depends(require_user("write:accounts"))
) -> Response:
    await service.dismiss(ctx.user_id, parse_id(announcement_id))
    return JsonResponse({})


@router.put("/api/v1/announcements/{announcement_id}/reactions/{name}", summary="React to an announcement")
async def react(
    announcement_id: str,
    name: str,
    service: AnnouncementsDep,
    ctx: AuthContext = Depends(require_user("write:favourites")),
) -> Response:
    await service.react(ctx.user_id, parse_id(announcement_id), name)
    return JsonResponse({})


@router.delete("/api/v1/announcements/{announcement_id}/reactions/{name}", summary="Take a reaction back")
async def unreact(
    announcement_id: str,
    name: str,
    service: AnnouncementsDep,
    ctx: AuthContext = Depends(require_user("write:favourites")),
) -> Response:
    await service.unreact(ctx.user_id, parse_id(announcement_id), name)
    return JsonResponse({})


def _admin_entity(announcement: Announcement) -> dict[str, Any]:
    return render_announcement(AnnouncementView(announcement, False, ()))


@router.get("/api/v1/admin/announcements", summary="Every announcement, published or not yet in its window (admin)")
async def list_announcements(service: AnnouncementsDep, ctx: AuthContext = Depends(READ)) -> Response:
    return JsonResponse([_admin_entity(a) for a in await service.all()])


@router.post("/api/v1/admin/announcements", summary="Publish an announcement (admin)")
async def publish(request: Request, service: AnnouncementsDep, ctx: AuthContext = Depends(WRITE)) -> Response:
    params = await read_params(request)
    announcement = await service.publish(
        params.raw("text"),
        _moment(params, "starts_at"),
        _moment(params, "ends_at"),
        bool(params.flag("all_day", False)),
    )
    return JsonResponse(_admin_entity(announcement))


@router.delete("/api/v1/admin/announcements/{announcement_id}", summary="Remove an announcement (admin)")
async def remove(announcement_id: str, service: AnnouncementsDep, ctx: AuthContext = Depends(WRITE)) -> Response:
    await service.remove(path_id(announcement_id))
    return JsonResponse({})
