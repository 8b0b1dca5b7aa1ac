"""Chats: Rookery's extension to the Mastodon API (one-to-one and group conversations).

Paths live under /api/v1/chats. Pagination works like the rest of the API: ``max_id`` /
``since_id`` / ``min_id`` / ``limit`` and a ``Link`` header. Non-members get 404 for any chat.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from rookery.workloads.api.deps import AccountViewsDep, AuthContext, Messaging, require_user
from rookery.workloads.api.errors import ApiError, NotFound
from rookery.workloads.api.pagination import id_cursors, page_of, paged
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.chats import MEMBER
from rookery.workloads.ids import parse_id
from rookery.workloads.services.messaging import ChatView
from rookery.workloads.views.chats import CHAT_SCHEMA, MESSAGE_SCHEMA, ChatRenderer

TAG = "chats"
router = APIRouter(tags=[TAG])

OPENAPI_TAG = {
    "name": TAG,
    "description": (
        "Rookery extension: one-to-one (`direct`) and `group` chats with owner/admin/member roles, "
        "messages with cursor pagination, read markers and unread counts. Only members see a chat "
        "(others get 404); blocked accounts cannot be put into a chat with their blocker. New messages "
        "arrive on the streaming API as `chat.message` events."
    ),
}

_ERROR = {
    "content": {
        "application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}
    }
}
_CHAT = {"content": {"application/json": {"schema": CHAT_SCHEMA}}}
_CHATS = {"content": {"application/json": {"schema": {"type": "array", "items": CHAT_SCHEMA}}}}
_MESSAGE = {"content": {"application/json": {"schema": MESSAGE_SCHEMA}}}
_MESSAGES = {"content": {"application/json": {"schema": {"type": "array", "items": MESSAGE_SCHEMA}}}}
_PAGED = {"description": "Link header: rel=next (older) and rel=prev (newer)"}


def _body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required or []}
    return {
        "requestBody": {
            "content": {
                "application/json": {"schema": schema},
                "application/x-www-form-urlencoded": {"schema": schema},
            }
        }
    }


_IDS = {"type": "array", "items": {"type": "string"}}


def _chat_id(raw: str) -> int:
    chat_id = parse_id(raw)
    if chat_id is None:
        raise NotFound()
    return chat_id


def _ids(params: Params, name: str) -> list[int]:
    values = params.strings(name)
    ids = [parse_id(value) for value in values]
    if any(value is None for value in ids):
        raise ApiError(422, f"{name} must be a list of account ids")
    return [value for value in ids if value is not None]


# --- chats -------------------------------------------------------------------------------------


@router.post(
    "/api/v1/chats",
    summary="Start a chat",
    description=(
        "One other account and no title: the direct chat of the pair (the existing one is returned "
        "with 200 if there is one). A title or several accounts: a new group owned by the caller."
    ),
    status_code=201,
    responses={200: _CHAT, 201: _CHAT, 403: _ERROR, 422: _ERROR},
    openapi_extra=_body(
        {"account_ids": _IDS, "title": {"type": "string", "maxLength": 100}}, ["account_ids"]
    ),
)
async def create_chat(
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    params = await read_params(request)
    view, created = await messaging.create(
        ctx.user_id, _ids(params, "account_ids"), params.text("title", max_length=1000)
    )
    return JsonResponse(await ChatRenderer(accounts).chat(view), status_code=201 if created else 200)


@router.get(
    "/api/v1/chats",
    summary="Your chats, most recent activity first",
    responses={200: {**_CHATS, **_PAGED}, 422: _ERROR},
)
async def list_chats(
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("read:conversations")),
) -> Response:
    views = await messaging.list_chats(ctx.user_id, page_of(await read_params(request), kind="an id"))
    body = await ChatRenderer(accounts).chats(views)
    return paged(request, body, *id_cursors([view.chat.activity_id for view in views]))


@router.get("/api/v1/chats/{chat_id}", summary="One chat", responses={200: _CHAT, 404: _ERROR})
async def get_chat(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("read:conversations")),
) -> Response:
    view = await messaging.view(ctx.user_id, _chat_id(chat_id))
    return JsonResponse(await ChatRenderer(accounts).chat(view))


@router.patch(
    "/api/v1/chats/{chat_id}",
    summary="Rename a group (owner or admin)",
    responses={200: _CHAT, 403: _ERROR, 404: _ERROR, 422: _ERROR},
    openapi_extra=_body({"title": {"type": "string", "maxLength": 100}}),
)
async def update_chat(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    params = await read_params(request)
    view = await messaging.rename(
        ctx.user_id, _chat_id(chat_id), params.text("title", max_length=1000)
    )
    return JsonResponse(await ChatRenderer(accounts).chat(view))


@router.delete(
    "/api/v1/chats/{chat_id}",
    summary="Delete a chat (a group's owner; either person of a direct chat)",
    responses={200: {"description": "{}"}, 403: _ERROR, 404: _ERROR},
)
async def delete_chat(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    await messaging.delete(ctx.user_id, _chat_id(chat_id))
    return JsonResponse({})


# --- members -----------------------------------------------------------------------------------


@router.post(
    "/api/v1/chats/{chat_id}/members",
    summary="Add members to a group (owner or admin; only the owner adds admins)",
    responses={200: _CHAT, 403: _ERROR, 404: _ERROR, 422: _ERROR},
    openapi_extra=_body(
        {"account_ids": _IDS, "role": {"type": "string", "enum": ["member", "admin"]}}, ["account_ids"]
    ),
)
async def add_members(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    params = await read_params(request)
    view = await messaging.add_members(
        ctx.user_id, _chat_id(chat_id), _ids(params, "account_ids"), params.text("role") or MEMBER
    )
    return JsonResponse(await ChatRenderer(accounts).chat(view))


@router.delete(
    "/api/v1/chats/{chat_id}/members",
    summary="Remove members, or leave (your own id)",
    description="Query or body `account_ids[]` (or `account_id`). Answers the chat, or `{}` once you left.",
    responses={200: _CHAT, 403: _ERROR, 404: _ERROR, 422: _ERROR},
)
async def remove_members(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    params = await read_params(request)
    targets = _ids(params, "account_ids") or _ids(params, "account_id")
    if not targets:
        raise ApiError(422, "account_ids must name at least one member")
    view: ChatView | None = None
    for target in dict.fromkeys(targets):
        view = await messaging.remove_member(ctx.user_id, _chat_id(chat_id), target)
        if view is None:
            break
    return JsonResponse(await ChatRenderer(accounts).chat(view) if view is not None else {})


# --- messages ----------------------------------------------------------------------------------


@router.get(
    "/api/v1/chats/{chat_id}/messages",
    summary="Messages of a chat, newest first",
    responses={200: {**_MESSAGES, **_PAGED}, 404: _ERROR, 422: _ERROR},
)
async def list_messages(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("read:conversations")),
) -> Response:
    chat = _chat_id(chat_id)
    messages = await messaging.messages(ctx.user_id, chat, page_of(await read_params(request), kind="an id"))
    body = await ChatRenderer(accounts).messages(messages)
    return paged(request, body, *id_cursors([m.id for m in messages]))


@router.post(
    "/api/v1/chats/{chat_id}/messages",
    summary="Send a message",
    status_code=200,
    responses={200: _MESSAGE, 403: _ERROR, 404: _ERROR, 422: _ERROR},
    openapi_extra=_body({"text": {"type": "string", "maxLength": 5000}}, ["text"]),
)
async def post_message(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    params = await read_params(request)
    message = await messaging.post(ctx.user_id, _chat_id(chat_id), params.text("text") or "")
    return JsonResponse(await ChatRenderer(accounts).message(message))


@router.post(
    "/api/v1/chats/{chat_id}/read",
    summary="Move your read marker",
    responses={200: _CHAT, 404: _ERROR, 422: _ERROR},
    openapi_extra=_body({"last_read_id": {"type": "string"}}, ["last_read_id"]),
)
async def mark_read(
    chat_id: str,
    request: Request,
    messaging: Messaging,
    accounts: AccountViewsDep,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    params = await read_params(request)
    raw = params.text("last_read_id")
    last_read_id = parse_id(raw) if raw is not None else None
    view = await messaging.mark_read(ctx.user_id, _chat_id(chat_id), last_read_id)
    return JsonResponse(await ChatRenderer(accounts).chat(view))
