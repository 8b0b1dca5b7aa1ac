"""Direct conversations (Mastodon's ``/api/v1/conversations``): each account sees only its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request

from rookery.workloads.api.deps import AuthContext, container, require_user
from rookery.workloads.api.entities.accounts import ACCOUNT_SCHEMA, AccountViews
from rookery.workloads.api.entities.statuses import STATUS_SCHEMA, StatusViews
from rookery.workloads.api.params import read_params
from rookery.workloads.api.responses import JsonResponse, Response
from rookery.workloads.api.social import domain_errors, page_of, paged, path_id
from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.services.conversations import ConversationsService

router = APIRouter(tags=["conversations"])
CONVERSATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Mastodon Conversation entity",
    "properties": {
        "id": {"type": "string"},
        "unread": {"type": "boolean"},
        "accounts": {"type": "array", "items": ACCOUNT_SCHEMA},
        "last_status": STATUS_SCHEMA,
    },
}
CONVERSATION: dict[int | str, dict[str, Any]] = {
    200: {"description": "Conversation", "content": {"application/json": {"schema": CONVERSATION_SCHEMA}}}
}
CONVERSATIONS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Conversations",
        "content": {"application/json": {"schema": {"type": "array", "items": CONVERSATION_SCHEMA}}},
    }
}


class ConversationViews:
    def __init__(self, accounts: AccountViews, statuses: StatusViews) -> None:
        self.accounts = accounts
        self.statuses = statuses

    async def render(self, found: Sequence[Conversation], owner_id: int) -> list[dict[str, Any]]:
        accounts = await self.accounts.many(sorted({p for c in found for p in c.participant_ids}))
        statuses = {
            int(s["id"]): s for s in await self.statuses.render([c.last_status_id for c in found], owner_id)
        }
        body = []
        for c in found:
            last = statuses.get(c.last_status_id)
            if last is None:  # deleted meanwhile; the worker moves the conversation shortly
                continue
            body.append(
                {
                    "id": str(c.id),
                    "unread": c.unread,
                    "accounts": [accounts[p] for p in c.participant_ids if p in accounts],
                    "last_status": last,
                }
            )
        return body

    async def one(self, conversation: Conversation) -> dict[str, Any] | None:
        rendered = await self.render([conversation], conversation.owner_id)
        return rendered[0] if rendered else None


def _service(request: Request) -> ConversationsService:
    service: ConversationsService = container(request).services["conversations"]
    return service


def _views(request: Request) -> ConversationViews:
    views: ConversationViews = container(request).services["conversation_views"]
    return views


@router.get("/api/v1/conversations", summary="Direct conversations", responses=CONVERSATIONS)
async def conversations(
    request: Request, ctx: AuthContext = Depends(require_user("read:statuses"))
) -> Response:
    page = page_of(await read_params(request))
    found = await _service(request).of_owner(ctx.user_id, page)
    body = await _views(request).render(found, ctx.user_id)
    ids = [c.last_status_id for c in found]
    return paged(request, body, ids[-1] if ids else None, ids[0] if ids else None)


@router.post("/api/v1/conversations/{conversation_id}/read", summary="Mark as read", responses=CONVERSATION)
async def mark_read(
    request: Request, conversation_id: str, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    with domain_errors():
        found = await _service(request).mark_read(ctx.user_id, path_id(conversation_id))
    entity = await _views(request).one(found)
    return JsonResponse(
        entity
        if entity is not None
        else {"id": str(found.id), "unread": False, "accounts": [], "last_status": None}
    )


@router.delete("/api/v1/conversations/{conversation_id}", summary="Remove a conversation")
async def delete(
    request: Request, conversation_id: str, ctx: AuthContext = Depends(require_user("write:conversations"))
) -> Response:
    with domain_errors():
        await _service(request).delete(ctx.user_id, path_id(conversation_id))
    return JsonResponse({})
