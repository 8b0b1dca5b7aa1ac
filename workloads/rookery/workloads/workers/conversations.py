"""Conversations consumer (group "conversations"): direct statuses enter their participants'
conversations; deleted ones leave them. Recording is idempotent per (owner, status)."""

from __future__ import annotations

import logging

from rookery.workloads.catalogue import CONVERSATIONS_GROUP
from rookery.workloads.domain.events import POSTS, Event
from rookery.workloads.domain.statuses import DIRECT
from rookery.workloads.ports.events import EventBus
from rookery.workloads.services.conversations import ConversationsService
from rookery.workloads.services.social import STATUS_CREATED, STATUS_DELETED

GROUP = CONVERSATIONS_GROUP.name
log = logging.getLogger("rookery.conversations")


class ConversationsWorker:
    def __init__(self, conversations: ConversationsService) -> None:
        self.conversations = conversations

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(POSTS, GROUP, self.on_post)

    async def on_post(self, event: Event) -> None:
        p = event.payload
        if p.get("visibility") != DIRECT or p.get("reblog_of_id") is not None:
            return
        if event.type == STATUS_CREATED:
            await self.conversations.record_direct(
                int(p["status_id"]), int(p["account_id"]), [int(m) for m in p.get("mentions", ())]
            )
        elif event.type == STATUS_DELETED:
            await self.conversations.forget_status(int(p["status_id"]))
