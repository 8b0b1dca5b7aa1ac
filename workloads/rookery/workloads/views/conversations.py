"""Mastodon Conversation entities: the participants' Account entities and the last Status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.views.accounts import ACCOUNT_SCHEMA, AccountViews
from rookery.workloads.views.statuses import STATUS_SCHEMA, StatusViews

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


class ConversationViews:
    def __init__(self, accounts: AccountViews, statuses: StatusViews) -> None:
        self.accounts = accounts
        self.statuses = statuses

    async def render(self, found: Sequence[Conversation], owner_id: int) -> list[dict[str, Any]]:
        accounts = await self.accounts.many(sorted({p for c in found for p in c.participant_ids}))
        statuses = {int(s["id"]): s for s in await self.statuses.render([c.last_status_id for c in found], owner_id)}
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
