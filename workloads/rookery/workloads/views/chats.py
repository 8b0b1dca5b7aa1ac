"""Chat and message entities (Rookery's chats extension), with Account entities batched in one lookup."""

from __future__ import annotations

from typing import Any

from rookery.workloads.domain.chats import ChatMessage
from rookery.workloads.services.messaging import ChatView
from rookery.workloads.views.accounts import AccountViews

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


class ChatRenderer:
    """Chat and message entities with Account entities batched in one lookup (AccountViews)."""

    def __init__(self, account_views: AccountViews) -> None:
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
