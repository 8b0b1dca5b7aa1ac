"""Chats: Rookery's extension to the Mastodon API (one-to-one and group conversations).

Paths live under /api/v1/chats. Pagination works like the rest of the API: ``max_id`` /
``since_id`` / ``min_id`` / ``limit`` and a ``Link`` header. Non-members get 404 for any chat.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from rookery.workloads.api.deps import AuthContext, container, require_user
from rookery.workloads.api.errors import ApiError, NotFound
from rookery.workloads.api.params import Params, read_params
from rookery.workloads.api.responses import JsonResponse
from rookery.workloads.domain.chats import MEMBER, ChatMessage, ChatNotFound, ChatRejected
from rookery.workloads.domain.pagination import PageRequest, clamp_limit
from rookery.workloads.ids import parse_id
from rookery.workloads.services.messaging import ChatView, MessagingService

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

_ACCOUNT = {"type": "object", "description": "Mastodon Account entity"}
MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "ChatMessage",
    "properties": {
        "id": {"type": "string"},
        "chat_id": {"type": "string"},
        "account": _ACCOUNT,
        "text": {"type": "string", "description": "plain text, as sent (render it escaped)"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
CHAT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Chat",
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["direct", "group"]},
        "title": {"type": "string", "nullable": True},
        "owner_id": {"type": "string"},
        "members": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "account": _ACCOUNT,
                    "role": {"type": "string", "enum": ["owner", "admin", "member"]},
                    "joined_at": {"type": "string", "format": "date-time"},
                },
            },
        },
        "last_message": {**MESSAGE_SCHEMA, "nullable": True},
        "unread_count": {"type": "integer"},
        "last_read_id": {"type": "string", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
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


def _service(request: Request) -> MessagingService:
    service: MessagingService = container(request).services["messaging"]
    return service


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


def _page(request: Request) -> PageRequest:
    query = request.query_params
    cursors: dict[str, int | None] = {}
    for name in ("max_id", "since_id", "min_id"):
        raw = query.get(name)
        if raw in (None, ""):
            cursors[name] = None
            continue
        value = parse_id(raw)
        if value is None:
            raise ApiError(422, f"{name} must be an id")
        cursors[name] = value
    raw_limit = query.get("limit")
    try:
        limit = int(raw_limit) if raw_limit not in (None, "") else None
    except ValueError:
        raise ApiError(422, "limit must be an integer") from None
    return PageRequest(limit=clamp_limit(limit), **cursors)


def _paged(request: Request, body: list[dict[str, Any]], cursor_ids: list[int]) -> JsonResponse:
    response = JsonResponse(body)
    if cursor_ids:
        base = str(request.url.remove_query_params(["max_id", "since_id", "min_id"])).split("?")[0]
        keep = [
            (k, v) for k, v in request.query_params.multi_items() if k not in ("max_id", "since_id", "min_id")
        ]
        older = urlencode([*keep, ("max_id", str(cursor_ids[-1]))])
        newer = urlencode([*keep, ("min_id", str(cursor_ids[0]))])
        response.headers["Link"] = f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'
    return response


def _rejected(exc: ChatRejected) -> ApiError:
    return ApiError(exc.status, str(exc))


class ChatRenderer:
    """Chat and message entities with Account entities batched in one lookup (AccountViews)."""

    def __init__(self, account_views: Any) -> None:
        self.views = account_views

    async def _accounts(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = await self.views.many(ids)
        return found

    @staticmethod
    def _message(message: ChatMessage, accounts: dict[int, dict[str, Any]]) -> dict[str, Any]:
        return {
            "id": str(message.id),
            "chat_id": str(message.chat_id),
            "account": accounts.get(message.account_id) or {"id": str(message.account_id)},
            "text": message.text,
            "created_at": message.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }

    async def messages(self, messages: list[ChatMessage]) -> list[dict[str, Any]]:
        accounts = await self._accounts([m.account_id for m in messages])
        return [self._message(m, accounts) for m in messages]

    async def message(self, message: ChatMessage) -> dict[str, Any]:
        return (await self.messages([message]))[0]

    async def chats(self, views: list[ChatView]) -> list[dict[str, Any]]:
        ids = [m.account_id for view in views for m in view.members]
        ids += [view.last_message.account_id for view in views if view.last_message]
        accounts = await self._accounts(ids)
        return [
            {
                "id": str(view.chat.id),
                "type": view.chat.type,
                "title": view.chat.title,
                "owner_id": str(view.chat.owner_id),
                "members": [
                    {
                        "account": accounts.get(m.account_id) or {"id": str(m.account_id)},
                        "role": m.role,
                        "joined_at": m.joined_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    }
                    for m in view.members
                ],
                "last_message": self._message(view.last_message, accounts) if view.last_message else None,
                "unread_count": view.unread_count,
                "last_read_id": str(view.last_read_id) if view.last_read_id else None,
                "created_at": view.chat.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "updated_at": view.chat.updated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            }
            for view in views
        ]

    async def chat(self, view: ChatView) -> dict[str, Any]:
        return (await self.chats([view]))[0]


def _renderer(request: Request) -> ChatRenderer:
    return ChatRenderer(container(request).services["account_views"])


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
    request: Request, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    params = await read_params(request)
    try:
        view, created = await _service(request).create(
            ctx.user_id, _ids(params, "account_ids"), params.text("title", max_length=1000)
        )
    except ChatRejected as exc:
        raise _rejected(exc) from None
    return JsonResponse(await _renderer(request).chat(view), status_code=201 if created else 200)


@router.get(
    "/api/v1/chats",
    summary="Your chats, most recent activity first",
    responses={200: {**_CHATS, **_PAGED}, 422: _ERROR},
)
async def list_chats(
    request: Request, ctx: AuthContext = Depends(require_user("read:conversations"))
) -> Response:
    views = await _service(request).list_chats(ctx.user_id, _page(request))
    body = await _renderer(request).chats(views)
    return _paged(request, body, [view.chat.activity_id for view in views])


@router.get("/api/v1/chats/{chat_id}", summary="One chat", responses={200: _CHAT, 404: _ERROR})
async def get_chat(
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("read:conversations"))
) -> Response:
    try:
        view = await _service(request).view(ctx.user_id, _chat_id(chat_id))
    except ChatNotFound:
        raise NotFound() from None
    return JsonResponse(await _renderer(request).chat(view))


@router.patch(
    "/api/v1/chats/{chat_id}",
    summary="Rename a group (owner or admin)",
    responses={200: _CHAT, 403: _ERROR, 404: _ERROR, 422: _ERROR},
    openapi_extra=_body({"title": {"type": "string", "maxLength": 100}}),
)
async def update_chat(
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    params = await read_params(request)
    try:
        view = await _service(request).rename(
            ctx.user_id, _chat_id(chat_id), params.text("title", max_length=1000)
        )
    except ChatNotFound:
        raise NotFound() from None
    except ChatRejected as exc:
        raise _rejected(exc) from None
    return JsonResponse(await _renderer(request).chat(view))


@router.delete(
    "/api/v1/chats/{chat_id}",
    summary="Delete a chat (a group's owner; either person of a direct chat)",
    responses={200: {"description": "{}"}, 403: _ERROR, 404: _ERROR},
)
async def delete_chat(
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    try:
        await _service(request).delete(ctx.user_id, _chat_id(chat_id))
    except ChatNotFound:
        raise NotFound() from None
    except ChatRejected as exc:
        raise _rejected(exc) from None
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
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    params = await read_params(request)
    try:
        view = await _service(request).add_members(
            ctx.user_id, _chat_id(chat_id), _ids(params, "account_ids"), params.text("role") or MEMBER
        )
    except ChatNotFound:
        raise NotFound() from None
    except ChatRejected as exc:
        raise _rejected(exc) from None
    return JsonResponse(await _renderer(request).chat(view))


@router.delete(
    "/api/v1/chats/{chat_id}/members",
    summary="Remove members, or leave (your own id)",
    description="Query or body `account_ids[]` (or `account_id`). Answers the chat, or `{}` once you left.",
    responses={200: _CHAT, 403: _ERROR, 404: _ERROR, 422: _ERROR},
)
async def remove_members(
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    params = await read_params(request)
    targets = _ids(params, "account_ids") or _ids(params, "account_id")
    if not targets:
        raise ApiError(422, "account_ids must name at least one member")
    service = _service(request)
    view: ChatView | None = None
    try:
        for target in dict.fromkeys(targets):
            view = await service.remove_member(ctx.user_id, _chat_id(chat_id), target)
            if view is None:
                break
    except ChatNotFound:
        raise NotFound() from None
    except ChatRejected as exc:
        raise _rejected(exc) from None
    return JsonResponse(await _renderer(request).chat(view) if view is not None else {})


# --- messages ----------------------------------------------------------------------------------


@router.get(
    "/api/v1/chats/{chat_id}/messages",
    summary="Messages of a chat, newest first",
    responses={200: {**_MESSAGES, **_PAGED}, 404: _ERROR, 422: _ERROR},
)
async def list_messages(
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("read:conversations"))
) -> Response:
    try:
        messages = await _service(request).messages(ctx.user_id, _chat_id(chat_id), _page(request))
    except ChatNotFound:
        raise NotFound() from None
    body = await _renderer(request).messages(messages)
    return _paged(request, body, [m.id for m in messages])


@router.post(
    "/api/v1/chats/{chat_id}/messages",
    summary="Send a message",
    status_code=200,
    responses={200: _MESSAGE, 403: _ERROR, 404: _ERROR, 422: _ERROR},
    openapi_extra=_body({"text": {"type": "string", "maxLength": 5000}}, ["text"]),
)
async def post_message(
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    params = await read_params(request)
    try:
        message = await _service(request).post(ctx.user_id, _chat_id(chat_id), params.text("text") or "")
    except ChatNotFound:
        raise NotFound() from None
    except ChatRejected as exc:
        raise _rejected(exc) from None
    return JsonResponse(await _renderer(request).message(message))


@router.post(
    "/api/v1/chats/{chat_id}/read",
    summary="Move your read marker",
    responses={200: _CHAT, 404: _ERROR, 422: _ERROR},
    openapi_extra=_body({"last_read_id": {"type": "string"}}, ["last_read_id"]),
)
async def mark_read(
    chat_id: str, request: Request, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    params = await read_params(request)
    raw = params.text("last_read_id")
    last_read_id = parse_id(raw) if raw is not None else None
    try:
        view = await _service(request).mark_read(ctx.user_id, _chat_id(chat_id), last_read_id)
    except ChatNotFound:
        raise NotFound() from None
    except ChatRejected as exc:
        raise _rejected(exc) from None
    return JsonResponse(await _renderer(request).chat(view))
