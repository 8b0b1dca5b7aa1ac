"""Direct conversations (Mastodon's ``/api/v1/conversations``): each account sees only its own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, Conversations, ConversationViewsDep, require_user
from rookery.workloads.api.pagination import page_of, paged
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.social import path_id
from rookery.workloads.views.conversations import CONVERSATION_SCHEMA

router = APIRouter(tags=["conversations"])
CONVERSATION: dict[int | str, dict[str, Any]] = {
    200: {"description": "Conversation", "content": {"application/json": {"schema": CONVERSATION_SCHEMA}}}
}
CONVERSATIONS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Conversations",
        "content": {"application/json": {"schema": {"type": "array", "items": CONVERSATION_SCHEMA}}},
    }
}


@router.get("/api/v1/conversations", summary="Direct conversations", responses=CONVERSATIONS)
async def conversations(
    request: Request,
    conversations: Conversations,
    views: ConversationViewsDep,
    ctx: AuthContext = Depends(require_user("read:statuses")),
) -> Response:
    page = page_of(await read_params(request))
    found = await conversations.of_owner(ctx.user_id, page)
    body = await views.render(found, ctx.user_id)
    ids = [c.last_status_id for c in found]
    return paged(request, body, ids[-1] if ids else None, ids[0] if ids else None)


@router.post("/api/v1/conversations/{conversation_id}/read", summary="Mark as read", responses=CONVERSATION)
async def mark_read(
    request: Request,
    conversation_id: str,
    conversations: Conversations,
    views: ConversationViewsDep,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    found = await conversations.mark_read(ctx.user_id, path_id(conversation_id))
    entity = await views.one(found)
    return JsonResponse(
        entity
        if entity is not None
        else {"id": str(found.id), "unread": False, "accounts": [], "last_status": None}
    )


@router.delete("/api/v1/conversations/{conversation_id}", summary="Remove a conversation")
async def delete(
    request: Request,
    conversation_id: str,
    conversations: Conversations,
    ctx: AuthContext = Depends(require_user("write:conversations")),
) -> Response:
    await conversations.delete(ctx.user_id, path_id(conversation_id))
    return JsonResponse({})
