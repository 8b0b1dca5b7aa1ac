"""Streaming publisher (consumer group "streaming"): renders each status or notification once and
publishes it on the realtime channels its audience reads (services/streaming.py), from whichever
process consumes the event; sockets on any replica pick it up there.

posts: StatusCreated -> ``update`` (home recipients: the author, followers, or the mentioned of a
direct post; ``public`` for public non-reblog non-reply-to-others; ``hashtag:<tag>`` for public
non-reblogs); StatusUpdated -> ``status.update`` on the same; StatusDeleted -> ``delete``.
notifications: NotificationCreated -> ``notification`` on the recipient's ``user:<id>``.
lists: a created status also goes to ``list:<id>`` of each list it enters (ListsService.receiving).
Realtime is best effort: a failed publish is logged, never retried into duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from rookery.workloads.catalogue import STREAMING_GROUP
from rookery.workloads.domain.events import NOTIFICATIONS, POSTS, Event
from rookery.workloads.domain.lists import TimelineList
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.statuses import DIRECT, PUBLIC, Status
from rookery.workloads.domain.timelines import TimelineEntry, home_recipients
from rookery.workloads.ports.edge import Realtime
from rookery.workloads.ports.events import EventBus
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.notifications import NotificationStore
from rookery.workloads.ports.posts import StatusRepository
from rookery.workloads.services.social import STATUS_CREATED, STATUS_DELETED, STATUS_UPDATED
from rookery.workloads.services.streaming import frame, status_meta

GROUP = STREAMING_GROUP.name
NOTIFICATION_CREATED = "NotificationCreated"

RenderStatus = Callable[[int], Awaitable[dict[str, Any] | None]]
RenderNotification = Callable[[Notification], Awaitable[dict[str, Any] | None]]
ListsReceiving = Callable[[TimelineEntry], Awaitable[Sequence[TimelineList]]]

log = logging.getLogger("rookery.streaming")


class StreamingPublisher:
    def __init__(
        self,
        realtime: Realtime,
        statuses: StatusRepository,
        graph: GraphStore,
        notifications: NotificationStore | None,
        render_status: RenderStatus,
        render_notification: RenderNotification,
        *,
        lists: ListsReceiving | None = None,
    ) -> None:
        self.realtime = realtime
        self.statuses = statuses
        self.graph = graph
        self.notifications = notifications
        self.render_status = render_status
        self.render_notification = render_notification
        self.lists = lists

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(POSTS, GROUP, self.on_post)
        if self.notifications is not None:
            bus.subscribe(NOTIFICATIONS, GROUP, self.on_notification)

    async def on_post(self, event: Event) -> None:
        try:
            if event.type in (STATUS_CREATED, STATUS_UPDATED):
                await self._status(event)
            elif event.type == STATUS_DELETED:
                await self._deleted(event.payload)
        except Exception:
            log.exception("streaming publish of %s %s failed", event.type, event.id)

    async def _status(self, event: Event) -> None:
        status = await self.statuses.get(int(event.payload["status_id"]))
        if status is None:
            return
        entity = await self.render_status(status.id)
        if entity is None:
            return
        name = "update" if event.type == STATUS_CREATED else "status.update"
        meta = status_meta(entity)
        message = frame(name, entity, meta)
        channels = await self._channels(status)
        if self.lists is not None and event.type == STATUS_CREATED:
            entry = TimelineEntry(
                status.id,
                status.account_id,
                status.reblog_of_id,
                meta["r"],
                status.visibility,
                status.in_reply_to_account_id,
            )
            channels.extend(f"list:{found.id}" for found in await self.lists(entry))
        await self.realtime.publish_many(channels, message)

    async def _channels(self, status: Status) -> list[str]:
        channels = [f"user:{i}" for i in sorted(await self._home(status))]
        if status.visibility == PUBLIC and status.reblog_of_id is None:
            replied = status.in_reply_to_account_id
            if replied is None or replied == status.account_id:
                channels.append("public")
            channels.extend(f"hashtag:{tag.lower()}" for tag in status.tags)
        return channels

    async def _home(self, status: Status) -> set[int]:
        """The home timelines the status enters (the fan-out rule, celebrities included: a socket
        is live, so their followers get it now rather than on their next read)."""
        if status.visibility == DIRECT:
            return home_recipients(status.account_id, (), visibility=DIRECT, mentioned=status.mentions)
        followers: Sequence[int] = await self.graph.follower_ids(status.account_id)
        replied = status.in_reply_to_account_id
        if replied is not None and replied != status.account_id:
            followers = sorted(
                await self.graph.followers_among(replied, followers) | {replied} & set(followers)
            )
        return home_recipients(status.account_id, followers, visibility=status.visibility)

    async def _deleted(self, payload: dict[str, Any]) -> None:
        message = frame("delete", str(payload["status_id"]))
        author = int(payload["account_id"])
        if payload.get("visibility") == DIRECT:
            audience = home_recipients(author, (), visibility=DIRECT, mentioned=payload.get("mentions", ()))
        else:
            audience = home_recipients(author, await self.graph.follower_ids(author), visibility="public")
        channels = [f"user:{account_id}" for account_id in sorted(audience)]
        if payload.get("visibility") == PUBLIC:
            channels.append("public")
        await self.realtime.publish_many(channels, message)

    async def on_notification(self, event: Event) -> None:
        if event.type != NOTIFICATION_CREATED or self.notifications is None:
            return
        try:
            recipient = int(event.payload["account_id"])
            found = await self.notifications.get(recipient, int(event.payload["notification_id"]))
            if found is None:
                return
            entity = await self.render_notification(found)
            if entity is not None:
                await self.realtime.publish(f"user:{recipient}", frame("notification", entity))
        except Exception:
            log.exception("streaming publish of notification event %s failed", event.id)
