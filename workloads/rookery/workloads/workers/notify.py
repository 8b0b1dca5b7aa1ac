"""Notifications consumer (group "notify"): turns events into notifications.

mention (also a reply that mentions), reblog, favourite, follow, follow_request, poll (a poll
ended: its voters and its author hear of it), update (a
status the recipient reblogged was edited) and status (a new post by an account the recipient
follows with ``notify``: not reblogs, direct posts or replies to others, as Mastodon does). Each
is stored once per (recipient, type, actor, status), so a redelivered event changes nothing.
None of these about a status reaches a recipient who muted its conversation (thread).

A notification is numbered when it is made here, not when its act happened. Acts from different
streams (or partitions) close together may so be listed in either order, as in Mastodon, whose
workers make them concurrently; but one made late is never numbered under the since_id of a client
that polled meanwhile, which would never see it.
"""

from __future__ import annotations

from typing import Any

from rookery.workloads.catalogue import NOTIFY_GROUP
from rookery.workloads.domain import notifications as kinds
from rookery.workloads.domain.events import Event
from rookery.workloads.ports.events import EventBus
from rookery.workloads.ports.notifications import NotificationStore
from rookery.workloads.ports.posts import ConversationMuteStore, StatusRepository
from rookery.workloads.services.notifications import NotificationsService
from rookery.workloads.services.polls import POLL_EXPIRED
from rookery.workloads.services.social import (
    FAVOURITED,
    FOLLOW_REQUESTED,
    FOLLOWED,
    STATUS_CREATED,
    STATUS_DELETED,
    STATUS_UPDATED,
)

GROUP = NOTIFY_GROUP.name


def subscribed_worthy(payload: dict[str, Any]) -> bool:
    """A post subscribers hear of: not direct, and not a reply to someone else."""
    if payload.get("visibility") == "direct":
        return False
    replied_to = payload.get("in_reply_to_account_id")
    return replied_to is None or replied_to == payload["account_id"]


class NotifyWorker:
    def __init__(
        self,
        notifications: NotificationsService,
        store: NotificationStore,
        statuses: StatusRepository,
        mutes: ConversationMuteStore,
    ) -> None:
        self.notifications = notifications
        self.store = store
        self.statuses = statuses
        self.mutes = mutes
        self._thread: dict[int, int | None] = {}  # status id -> thread id, for one event

    async def _muted(self, recipient_id: int, status_id: int) -> bool:
        """Whether the recipient muted the conversation of the status (gone statuses: no)."""
        if status_id not in self._thread:
            status = await self.statuses.get(status_id)
            self._thread[status_id] = status.thread_id if status is not None else None
        thread_id = self._thread[status_id]
        return thread_id is not None and thread_id in await self.mutes.muted(recipient_id, [thread_id])

    async def _notify(self, recipient_id: int, kind: str, actor_id: int, status_id: int | None = None) -> None:
        if status_id is not None and await self._muted(recipient_id, status_id):
            return
        await self.notifications.notify(recipient_id, kind, actor_id, status_id)

    def subscribe(self, bus: EventBus) -> None:
        for stream in NOTIFY_GROUP.streams:  # posts, interactions, graph
            bus.subscribe(stream, GROUP, self.handle)

    async def handle(self, event: Event) -> None:
        p = event.payload
        notify = self._notify
        self._thread = {}
        if event.type == STATUS_CREATED:
            if p.get("reblog_of_id") is not None:
                await notify(p["reblog_account_id"], kinds.REBLOG, p["account_id"], p["reblog_of_id"])
            else:
                for mentioned in p.get("mentions", ()):
                    await notify(mentioned, kinds.MENTION, p["account_id"], p["status_id"])
                if subscribed_worthy(p):
                    mentioned = set(p.get("mentions", ()))
                    for subscriber in await self.notifications.graph.subscriber_ids(p["account_id"]):
                        if subscriber not in mentioned:  # a mention already told them
                            await notify(subscriber, kinds.STATUS, p["account_id"], p["status_id"])
        elif event.type == STATUS_UPDATED:
            for reblogger in await self.statuses.reblogger_ids(p["status_id"]):
                await notify(reblogger, kinds.UPDATE, p["account_id"], p["status_id"])
        elif event.type == STATUS_DELETED:
            await self.store.remove_for_statuses([p["status_id"]])
        elif event.type == FAVOURITED:
            await notify(p["status_account_id"], kinds.FAVOURITE, p["account_id"], p["status_id"])
        elif event.type == FOLLOWED and not p.get("approved"):
            await notify(p["target_id"], kinds.FOLLOW, p["account_id"])
        elif event.type == FOLLOW_REQUESTED:
            await notify(p["target_id"], kinds.FOLLOW_REQUEST, p["account_id"])
        elif event.type == POLL_EXPIRED:  # the voters and the author, each from the author
            for recipient in dict.fromkeys([*p["voter_ids"], p["account_id"]]):
                await notify(recipient, kinds.POLL, p["account_id"], p["status_id"])
