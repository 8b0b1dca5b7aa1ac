"""Direct conversations use cases: list, read, delete an account's conversations (Mastodon's
``/api/v1/conversations``); the conversations worker records direct statuses into them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rookery.workloads.domain.conversations import Conversation, deliveries
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ports.edge import Realtime
from rookery.workloads.ports.posts import ConversationStore
from rookery.workloads.services.social import NotFoundError
from rookery.workloads.services.streaming import frame

# the API layer renders a Conversation entity for its owner (it knows Account and Status entities)
RenderConversation = Callable[[Conversation], Awaitable[dict[str, Any] | None]]


class ConversationsService:
    def __init__(
        self, store: ConversationStore, realtime: Realtime | None = None, *, render: RenderConversation | None = None
    ) -> None:
        self.store = store
        self.realtime = realtime
        self.render = render

    async def of_owner(self, owner_id: int, page: PageRequest) -> list[Conversation]:
        return await self.store.of_owner(owner_id, page)

    async def mark_read(self, owner_id: int, conversation_id: int) -> Conversation:
        found = await self.store.mark_read(owner_id, conversation_id)
        if found is None:  # someone else's conversation does not exist for this caller
            raise NotFoundError("Record not found")
        return found

    async def delete(self, owner_id: int, conversation_id: int) -> None:
        if not await self.store.delete(owner_id, conversation_id):
            raise NotFoundError("Record not found")

    async def record_direct(self, status_id: int, author_id: int, mentioned: list[int]) -> list[Conversation]:
        """A direct status enters the conversation of each participant; announced on their
        ``direct:<id>`` channel (best effort)."""
        recorded = [
            await self.store.record(d.owner_id, d.participants, status_id, unread=d.unread)
            for d in deliveries(author_id, mentioned)
        ]
        for conversation in recorded:
            await self.announce(conversation)
        return recorded

    async def announce(self, conversation: Conversation) -> None:
        if self.realtime is None or self.render is None:
            return
        entity = await self.render(conversation)
        if entity is not None:
            await self.realtime.publish(f"direct:{conversation.owner_id}", frame("conversation", entity))

    async def forget_status(self, status_id: int) -> None:
        await self.store.remove_status(status_id)
