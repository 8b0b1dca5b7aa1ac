"""Analytics consumers.

- group "analytics" on the posts, interactions and graph streams: every interaction (status,
  reply, reblog, favourite, follow, unfollow, mention) becomes an interaction event (the training
  export's shape) on the ``analytics`` stream, keyed by the acting account; its id derives from
  the source event's, so a redelivered source publishes the same ids again.
- group "trends" on the analytics stream: the aggregator counts each event once into trend
  buckets, daily counters and per-account behaviour (Redis in production, SQLite embedded), and
  tells the anomaly watcher about the account.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rookery.workloads.catalogue import ANALYTICS_GROUP, TRENDS_GROUP
from rookery.workloads.domain.events import ANALYTICS, Event
from rookery.workloads.ports.events import EventBus
from rookery.workloads.services.analytics import AnalyticsService

FORWARD_GROUP = ANALYTICS_GROUP.name
AGGREGATE_GROUP = TRENDS_GROUP.name
INTERACTION = "Interaction"


class AnalyticsForwarder:
    def __init__(self, service: AnalyticsService, bus: EventBus, tenant: str) -> None:
        self.service = service
        self.bus = bus
        self.tenant = tenant

    def subscribe(self, bus: EventBus) -> None:
        for stream in ANALYTICS_GROUP.streams:  # posts, interactions, graph
            bus.subscribe(stream, FORWARD_GROUP, self.on_event)

    async def on_event(self, source: Event) -> None:
        for index, item in enumerate(await self.service.interactions_of(source)):
            await self.bus.publish(
                ANALYTICS,
                Event(
                    type=INTERACTION,
                    key=item["account_id"],
                    payload=item,
                    tenant=self.tenant,
                    id=f"{source.id}.{index}",
                    occurred_at=source.occurred_at,
                    trace=source.trace,
                ),
            )


class TrendAggregator:
    def __init__(
        self,
        service: AnalyticsService,
        on_account: Callable[[int, int], Awaitable[None]] | None = None,
    ) -> None:
        self.service = service
        self.on_account = on_account  # (account id, its event total): the anomaly watcher

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(ANALYTICS, AGGREGATE_GROUP, self.on_event)

    async def on_event(self, event: Event) -> None:
        if event.type != INTERACTION:
            return
        total = await self.service.aggregate(event.id, event.payload)
        if total is not None and self.on_account is not None:
            await self.on_account(int(event.payload["account_id"]), total)
