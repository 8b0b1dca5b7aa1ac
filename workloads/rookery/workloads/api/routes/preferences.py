"""Per-user client state clients fetch on start: preferences and read markers."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from rookery.workloads.api.deps import Accounts, AuthContext, Markers, require_user
from rookery.workloads.api.errors import ApiError, Unprocessable
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.timelines import Marker
from rookery.workloads.ids import parse_id

router = APIRouter(tags=["accounts"])
TIMELINES = ("home", "notifications")


@router.get("/api/v1/preferences", summary="Posting and reading preferences")
async def preferences(
    request: Request, accounts: Accounts, ctx: AuthContext = Depends(require_user("read:accounts"))
) -> Response:
    account = await accounts.get(ctx.user_id)
    if account is None:
        raise ApiError(401, "The access token is invalid")
    return JsonResponse(
        {
            "posting:default:visibility": account.privacy,
            "posting:default:sensitive": account.sensitive,
            "posting:default:language": account.language,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


def _entity(marker: Marker) -> dict[str, object]:
    return {
        "last_read_id": str(marker.last_read_id),
        "version": marker.version,
        "updated_at": marker.updated_at.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{marker.updated_at.microsecond // 1000:03d}Z",
    }


@router.get("/api/v1/markers", summary="Read markers of timelines")
async def get_markers(
    request: Request, markers: Markers, ctx: AuthContext = Depends(require_user("read:statuses"))
) -> Response:
    params = await read_params(request)
    wanted = [t for t in params.strings("timeline") if t in TIMELINES]
    found = await markers.get(ctx.user_id, wanted)
    return JsonResponse({name: _entity(marker) for name, marker in found.items()})


@router.post("/api/v1/markers", summary="Save read markers")
async def save_markers(
    request: Request, markers: Markers, ctx: AuthContext = Depends(require_user("write:statuses"))
) -> Response:
    params = await read_params(request)
    updates: dict[str, int] = {}
    for timeline in TIMELINES:
        raw = params.raw(timeline)
        if raw is None:
            continue
        if not isinstance(raw, dict):
            raise Unprocessable(f"{timeline} must be an object with last_read_id")
        last_read = parse_id(Params(raw).text("last_read_id"))
        if last_read is None:
            raise Unprocessable(f"{timeline}[last_read_id] must be a status or notification id")
        updates[timeline] = last_read
    if not updates:
        raise Unprocessable("Give home[last_read_id] and/or notifications[last_read_id]")
    now = dt.datetime.now(dt.UTC)
    saved = {t: await markers.save(ctx.user_id, t, last_id, now) for t, last_id in updates.items()}
    return JsonResponse({name: _entity(marker) for name, marker in saved.items()})
