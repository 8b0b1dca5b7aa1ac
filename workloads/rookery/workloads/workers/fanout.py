"""Fan-out consumer (group "fanout"): puts new statuses into home timelines.

Hybrid: an author with at most ``threshold`` followers has the post pushed to every follower's
stored timeline now; a bigger author is marked a celebrity and followers merge the post in when
they read. Deleted statuses leave every timeline; unfollowing or blocking takes the author's
posts out of the reader's timeline; a new follow merges the author's recent posts in.
"""

from __future__ import annotations

from typing import Any

from rookery.workloads.catalogue import FANOUT_GROUP
from rookery.workloads.domain.events import GRAPH, POSTS, Event
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import DIRECT
from rookery.workloads.domain.timelines import TimelineEntry, home_recipients, pushes
from rookery.workloads.ports.events import EventBus
from rookery.workloads.ports.feed import TimelineStore
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.posts import StatusRepository
from rookery.workloads.services.social import (
    BLOCKED,
    FOLLOWED,
    STATUS_CREATED,
    STATUS_DELETED,
    UNFOLLOWED,
    AccountDirectory,
)

GROUP = FANOUT_GROUP.name
MERGE_ON_FOLLOW = 40  # recent posts of a newly followed author merged into the follower's home


class FanoutWorker:
    def __init__(
        self,
        timelines: TimelineStore,
        graph: GraphStore,
        statuses: StatusRepository,
        accounts: AccountDirectory,
        *,
        threshold: int,
    ) -> None:
        self.timelines = timelines
        self.graph = graph
        self.statuses = statuses
        self.accounts = accounts
        self.threshold = threshold

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(POSTS, GROUP, self.on_post)
        bus.subscribe(GRAPH, GROUP, self.on_graph)

    async def on_post(self, event: Event) -> None:
        payload = event.payload
        if event.type == STATUS_CREATED:
            await self.fan_out(payload)
        elif event.type == STATUS_DELETED:
            await self.timelines.remove([payload["status_id"]])

    async def fan_out(self, payload: dict[str, Any]) -> None:
        author_id = payload["account_id"]
        entry = TimelineEntry(
            payload["status_id"],
            author_id,
            payload.get("reblog_of_id"),
            payload.get("reblog_account_id"),
            payload["visibility"],
            payload.get("in_reply_to_account_id"),
        )
        if payload["visibility"] == DIRECT:
            recipients = home_recipients(
                author_id, (), visibility=DIRECT, mentioned=payload.get("mentions", ())
            )
            await self.timelines.push(sorted(recipients), entry)
            return
        author = await self.accounts.get(author_id)
        followers_count = author.followers_count if author else 0
        if not pushes(followers_count, self.threshold):
            await self.timelines.mark_celebrity(author_id, True)
            await self.timelines.push([author_id], entry)
            return
        followers = await self.graph.follower_ids(author_id)
        if author_id in await self.timelines.celebrities():
            # back under the threshold: what was merged on read must now be stored
            await self.timelines.mark_celebrity(author_id, False)
            recent = await self.statuses.by_authors([author_id], PageRequest(limit=MERGE_ON_FOLLOW))
            for follower in followers:
                await self.timelines.push_many(follower, recent)
        replied = entry.in_reply_to_account_id
        if replied is not None and replied != author_id:  # replies reach those who follow both
            followers = sorted(
                await self.graph.followers_among(replied, followers) | {replied} & set(followers)
            )
        recipients = home_recipients(author_id, followers, visibility=entry.visibility)
        await self.timelines.push(sorted(recipients), entry)

    async def on_graph(self, event: Event) -> None:
        account_id, target_id = event.payload["account_id"], event.payload["target_id"]
        if event.type == FOLLOWED:
            if target_id in await self.timelines.celebrities():
                return  # merged on read anyway
            recent = await self.statuses.by_authors([target_id], PageRequest(limit=MERGE_ON_FOLLOW))
            await self.timelines.push_many(account_id, recent)
        elif event.type == UNFOLLOWED:
            await self.timelines.remove_author(account_id, target_id)
        elif event.type == BLOCKED:
            await self.timelines.remove_author(account_id, target_id)
            await self.timelines.remove_author(target_id, account_id)
