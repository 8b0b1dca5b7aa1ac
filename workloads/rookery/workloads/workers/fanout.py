"""Fan-out consumer (group "fanout"): puts new statuses into home timelines.

Hybrid: an author with at most ``threshold`` followers has the post pushed to every follower's
stored timeline now; a bigger author is marked a celebrity and followers merge the post in when
they read. Deleted statuses leave every timeline; unfollowing or blocking takes the author's
posts out of the reader's timeline; a new follow merges the author's recent posts in.

FeedShards (domain/shards.py): ``owners`` limits a worker to the home timelines of some users (a
shard's range, or the users outside every range), and ``ShardForwarder`` hands each event on to every
shard's topic, whose worker consumes it with ``subscribe_shard``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
        owners: Callable[[int], bool] | None = None,
    ) -> None:
        self.timelines = timelines
        self.graph = graph
        self.statuses = statuses
        self.accounts = accounts
        self.threshold = threshold
        self.owns = owners or (lambda _: True)  # whose home timelines this worker writes

    def _mine(self, user_ids: Iterable[int]) -> list[int]:
        return sorted(u for u in user_ids if self.owns(u))

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(POSTS, GROUP, self.on_post)
        bus.subscribe(GRAPH, GROUP, self.on_graph)

    def subscribe_shard(self, bus: EventBus, stream: str, group: str) -> None:
        """A FeedShard's worker: the forwarded posts and graph events, on the shard's own stream."""
        bus.subscribe(stream, group, self.on_event)

    async def on_event(self, event: Event) -> None:
        if event.type in (STATUS_CREATED, STATUS_DELETED):
            await self.on_post(event)
        else:
            await self.on_graph(event)

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
            await self._push(recipients, entry)
            return
        author = await self.accounts.get(author_id)
        followers_count = author.followers_count if author else 0
        if not pushes(followers_count, self.threshold):
            await self.timelines.mark_celebrity(author_id, True)
            await self._push([author_id], entry)
            return
        followers = await self.graph.follower_ids(author_id)
        if author_id in await self.timelines.celebrities():
            # back under the threshold: what was merged on read must now be stored
            await self.timelines.mark_celebrity(author_id, False)
            recent = await self.statuses.by_authors([author_id], PageRequest(limit=MERGE_ON_FOLLOW))
            for follower in self._mine(followers):
                await self.timelines.push_many(follower, recent)
        replied = entry.in_reply_to_account_id
        if replied is not None and replied != author_id:  # replies reach those who follow both
            followers = sorted(
                await self.graph.followers_among(replied, followers) | {replied} & set(followers)
            )
        recipients = home_recipients(author_id, followers, visibility=entry.visibility)
        await self._push(recipients, entry)

    async def _push(self, recipients: Iterable[int], entry: TimelineEntry) -> None:
        mine = self._mine(recipients)
        if mine:
            await self.timelines.push(mine, entry)

    async def on_graph(self, event: Event) -> None:
        account_id, target_id = event.payload["account_id"], event.payload["target_id"]
        if event.type == FOLLOWED:
            if not self.owns(account_id) or target_id in await self.timelines.celebrities():
                return  # merged on read anyway
            recent = await self.statuses.by_authors([target_id], PageRequest(limit=MERGE_ON_FOLLOW))
            await self.timelines.push_many(account_id, recent)
        elif event.type == UNFOLLOWED:
            if self.owns(account_id):
                await self.timelines.remove_author(account_id, target_id)
        elif event.type == BLOCKED:
            if self.owns(account_id):
                await self.timelines.remove_author(account_id, target_id)
            if self.owns(target_id):
                await self.timelines.remove_author(target_id, account_id)


class ShardForwarder:
    """The feed role with FeedShards: each fan-out event goes on to every shard's stream (its topic
    ``<tenant>.fanout.<shard>``, keyed as before), and ``local`` fans out to the users no shard covers."""

    def __init__(self, bus: EventBus, streams: Sequence[str], local: FanoutWorker) -> None:
        self.bus = bus
        self.streams = tuple(streams)
        self.local = local

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(POSTS, GROUP, self.on_event)
        bus.subscribe(GRAPH, GROUP, self.on_event)

    async def on_event(self, event: Event) -> None:
        if event.type not in (STATUS_CREATED, STATUS_DELETED, FOLLOWED, UNFOLLOWED, BLOCKED):
            return  # nothing a fan-out worker would do
        for stream in self.streams:  # a retry may forward twice: the shard's group dedupes by event id
            await self.bus.publish(stream, event)
        await self.local.on_event(event)
