"""Messaging role: chats, members, messages, read markers. SQLite embedded; Cassandra in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.chats import Chat, ChatMember, ChatMessage
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.pagination import PageRequest


class MessageStore(Protocol):
    async def create_chat(
        self, chat: Chat, members: Sequence[ChatMember], events: OutboxEvents = ()
    ) -> bool:
        """False (and nothing stored) when the two people of a direct chat already have one."""
        ...

    async def get_chat(self, chat_id: int) -> Chat | None: ...

    async def direct_chat(self, account_id: int, other_id: int) -> Chat | None:
        """The direct chat of these two accounts, if any."""
        ...

    async def update_chat(self, chat: Chat) -> None: ...

    async def delete_chat(self, chat_id: int, events: OutboxEvents = ()) -> None: ...

    async def chats_of(self, account_id: int, page: PageRequest) -> list[Chat]:
        """The account's chats, most recent activity first; the page applies to ``activity_id``."""
        ...

    async def members(self, chat_id: int) -> list[ChatMember]: ...

    async def members_of(self, chat_ids: Sequence[int]) -> dict[int, list[ChatMember]]: ...

    async def member(self, chat_id: int, account_id: int) -> ChatMember | None: ...

    async def add_members(
        self, chat_id: int, members: Sequence[ChatMember], events: OutboxEvents = ()
    ) -> None: ...

    async def remove_member(
        self, chat_id: int, account_id: int, new_owner: int | None = None, events: OutboxEvents = ()
    ) -> None:
        """Remove a member; ``new_owner`` takes the owner role in the same transaction."""
        ...

    async def add_message(self, message: ChatMessage, events: OutboxEvents = ()) -> None:
        """Store the message and move the chat's last_message_id (and the author's read marker)."""
        ...

    async def messages(self, chat_id: int, page: PageRequest) -> list[ChatMessage]:
        """Newest first (min_id pages: the ones right after min_id, still newest first)."""
        ...

    async def last_messages(self, chat_ids: Sequence[int]) -> dict[int, ChatMessage]: ...

    async def mark_read(self, chat_id: int, account_id: int, last_read_id: int) -> int:
        """Move the read marker forward (never back); returns the marker now stored."""
        ...

    async def unread_counts(self, account_id: int, chat_ids: Sequence[int]) -> dict[int, int]: ...
