"""Statuses (posts role): compose, read, edit, delete, thread context, edit history, source."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import (
    Accounts,
    AuthContext,
    Feed,
    OAuth,
    Posts,
    Reader,
    StatusViewsDep,
    require_user,
    scheduled_service,
)
from rookery.workloads.api.errors import ApiError, Unprocessable
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse, RawJsonResponse, Response
from rookery.workloads.api.social import path_id
from rookery.workloads.domain.media import MediaChange
from rookery.workloads.domain.polls import MAX_OPTIONS, PollDraft
from rookery.workloads.domain.scheduled import ScheduledParams, parse_scheduled_at
from rookery.workloads.domain.statuses import MAX_CHARS, MAX_SPOILER_CHARS, VISIBILITIES, Draft
from rookery.workloads.ids import parse_id
from rookery.workloads.views.scheduled import render_scheduled
from rookery.workloads.views.statuses import STATUS_SCHEMA

router = APIRouter(tags=["statuses"])

STATUS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Status", "content": {"application/json": {"schema": STATUS_SCHEMA}}}
}
STATUSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Statuses",
        "content": {"application/json": {"schema": {"type": "array", "items": STATUS_SCHEMA}}},
    }
}
CONTEXT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Context: ancestors and descendants",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "ancestors": {"type": "array", "items": STATUS_SCHEMA},
                        "descendants": {"type": "array", "items": STATUS_SCHEMA},
                    },
                }
            }
        },
    }
}


def media_ids_of(params: Params) -> list[int]:
    ids = []
    for raw in params.strings("media_ids"):
        parsed = parse_id(raw)
        if parsed is None:
            raise Unprocessable(f"Validation failed: media {raw!r} not found")
        ids.append(parsed)
    return ids


def media_changes_of(params: Params) -> list[MediaChange]:
    """``media_attributes[][id]``, ``[description]``, ``[focus]`` (form or JSON)."""
    changes = []
    for raw in params.objects("media_attributes"):
        attributes = Params(raw)
        media_id = parse_id(attributes.text("id") or "")
        if media_id is None:
            raise Unprocessable(f"Validation failed: media {raw.get('id')!r} not found")
        changes.append(
            MediaChange(media_id, attributes.text("description"), attributes.text("focus", max_length=64))
        )
    return changes


def poll_of(params: Params) -> PollDraft | None:
    """``poll[options][]``, ``poll[expires_in]``, ``poll[multiple]``, ``poll[hide_totals]`` (form or
    JSON); None without a poll. The limits themselves are the domain's (domain/polls.py)."""
    raw = params.raw("poll")
    if raw is None or raw == "":
        return None
    if not isinstance(raw, dict):
        raise Unprocessable("Validation failed: poll must be an object with options and expires_in")
    poll = Params(raw)
    options = poll.strings("options")
    if len(options) > MAX_OPTIONS:
        raise Unprocessable(f"Validation failed: Poll can have at most {MAX_OPTIONS} options")
    expires_in = poll.integer("expires_in")
    if expires_in is None:
        raise Unprocessable("Validation failed: poll expires_in is required")
    return PollDraft(
        options=tuple(options),
        expires_in=expires_in,
        multiple=bool(poll.flag("multiple", False)),
        hide_totals=bool(poll.flag("hide_totals", False)),
    )


def draft_of(params: Params, default_visibility: str, *, in_reply_to: bool = True) -> Draft:
    visibility = params.text("visibility", default_visibility) or default_visibility
    if visibility not in VISIBILITIES:
        raise Unprocessable(f"Validation failed: Visibility must be one of {', '.join(VISIBILITIES)}")
    reply_to = params.raw("in_reply_to_id") if in_reply_to else None
    reply_id = None
    if reply_to not in (None, ""):
        reply_id = (
            parse_id(reply_to) if isinstance(reply_to, str | int) and not isinstance(reply_to, bool) else None
        )
        if reply_id is None:
            raise ApiError(404, "Record not found")
    return Draft(
        text=params.text("status", "", max_length=MAX_CHARS) or "",
        visibility=visibility,
        spoiler_text=params.text("spoiler_text", "", max_length=MAX_SPOILER_CHARS) or "",
        sensitive=bool(params.flag("sensitive", False)),
        language=params.text("language", None, max_length=8) or None,
        in_reply_to_id=reply_id,
    )


@router.post("/api/v1/statuses", summary="Post a status", responses=STATUS)
async def create_status(
    request: Request,
    accounts: Accounts,
    oauth: OAuth,
    posts: Posts,
    feed: Feed,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("write:statuses")),
) -> Response:
    params = await read_params(request)
    default_visibility = "public"
    if not params.text("visibility", None):  # only then is the author's default privacy needed
        author = await accounts.get(ctx.user_id)
        default_visibility = author.privacy if author else "public"
    draft = draft_of(params, default_visibility)
    media_ids = media_ids_of(params)
    application = None
    if ctx.app_id is not None and (app := await oauth.app(ctx.app_id)) is not None:
        application = app.name
    poll = poll_of(params)
    scheduled_at = params.text("scheduled_at", None, max_length=64)
    if scheduled_at:  # Mastodon: a ScheduledStatus instead of a Status
        scheduled = await scheduled_service(request)
        later = ScheduledParams(
            text=draft.text, visibility=draft.visibility, spoiler_text=draft.spoiler_text, sensitive=draft.sensitive,
            language=draft.language, in_reply_to_id=draft.in_reply_to_id, media_ids=tuple(media_ids), poll=poll,
            application=application, application_id=ctx.app_id, idempotency=request.headers.get("idempotency-key"),
        )  # fmt: skip
        found = await scheduled.schedule(ctx.user_id, later, parse_scheduled_at(scheduled_at))
        return JsonResponse(render_scheduled(found, (await scheduled.media_of([found])).get(found.id, [])))
    key = request.headers.get("idempotency-key")  # the gateway's replay is in Redis: this one lasts
    status = await posts.create(
        ctx.user_id, draft, application=application, media_ids=media_ids, poll=poll, idempotency_key=key
    )
    if key is not None:  # perhaps the first try's status, made earlier: rendered like any other
        await feed.deliver_to_author(status)
        return JsonResponse(await views.one(status, ctx.user_id))
    # the author's own timeline and the answer need nothing of each other: written while it renders
    _, body = await asyncio.gather(
        feed.deliver_to_author(status), views.created(status, ctx.user_id, has_poll=poll is not None)
    )
    return RawJsonResponse(body)


@router.get("/api/v1/statuses", summary="Several statuses by id", responses=STATUSES)
async def many_statuses(request: Request, viewer: Reader, posts: Posts, views: StatusViewsDep) -> Response:
    params = await read_params(request)
    raw = params.strings("id")
    if len(raw) > 40:
        raise Unprocessable("At most 40 ids may be requested")
    ids = [parsed for value in raw if (parsed := parse_id(value)) is not None]
    visible = await posts.get_many_visible(ids, viewer)
    return JsonResponse(await views.render([s.id for s in visible], viewer, known=visible))


@router.get("/api/v1/statuses/{status_id}", summary="One status", responses=STATUS)
async def get_status(
    request: Request, status_id: str, viewer: Reader, posts: Posts, views: StatusViewsDep
) -> Response:
    status = await posts.visible(path_id(status_id), viewer)
    return JsonResponse(await views.one(status, viewer, context="thread"))  # the status's own page


@router.put("/api/v1/statuses/{status_id}", summary="Edit a status", responses=STATUS)
async def edit_status(
    request: Request,
    status_id: str,
    posts: Posts,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("write:statuses")),
) -> Response:
    """Mastodon's edit replaces the status: ``media_ids[]`` are the media it keeps, in order (none
    given: none kept), ``media_attributes[][id|description|focus]`` change their alt text and focus."""
    params = await read_params(request)
    current = await posts.own(path_id(status_id), ctx.user_id)  # before the body: another's is 404
    draft = draft_of(params, current.visibility, in_reply_to=False)
    edited = await posts.edit(
        ctx.user_id, current.id, draft, poll_of(params), media_ids_of(params), media_changes_of(params)
    )
    return JsonResponse(await views.one(edited, ctx.user_id))


@router.delete(
    "/api/v1/statuses/{status_id}", summary="Delete a status (returns it, with text)", responses=STATUS
)
async def delete_status(
    request: Request,
    status_id: str,
    posts: Posts,
    views: StatusViewsDep,
    ctx: AuthContext = Depends(require_user("write:statuses")),
) -> Response:
    status = await posts.own(path_id(status_id), ctx.user_id)
    entity = await views.one(status, ctx.user_id)
    await posts.delete(ctx.user_id, status.id)
    entity["text"] = status.text
    return JsonResponse(entity)


@router.get("/api/v1/statuses/{status_id}/context", summary="Ancestors and descendants", responses=CONTEXT)
async def status_context(
    request: Request, status_id: str, viewer: Reader, posts: Posts, views: StatusViewsDep
) -> Response:
    context = await posts.context(path_id(status_id), viewer)
    ancestors = await views.render([s.id for s in context.ancestors], viewer, known=context.ancestors, context="thread")
    descendants = await views.render(
        [s.id for s in context.descendants], viewer, known=context.descendants, context="thread"
    )
    return JsonResponse({"ancestors": ancestors, "descendants": descendants})


@router.get("/api/v1/statuses/{status_id}/history", summary="Edit history, oldest first")
async def status_history(
    request: Request, status_id: str, viewer: Reader, posts: Posts, views: StatusViewsDep
) -> Response:
    status = await posts.visible(path_id(status_id), viewer)
    edits = await posts.history(status.id, viewer)
    return JsonResponse(await views.history(status, edits))


@router.get("/api/v1/statuses/{status_id}/source", summary="The plain text of a status, for editing")
async def status_source(
    request: Request, status_id: str, posts: Posts, ctx: AuthContext = Depends(require_user("read:statuses"))
) -> Response:
    status = await posts.visible(path_id(status_id), ctx.user_id)
    return JsonResponse({"id": str(status.id), "text": status.text, "spoiler_text": status.spoiler_text})
