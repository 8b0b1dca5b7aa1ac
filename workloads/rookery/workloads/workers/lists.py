"""Lists keeper (consumer group "lists"): an account leaves a user's lists when the user stops
following it, as Mastodon's list memberships end with the follow. Unfollowed takes the target out
of the follower's lists; Blocked (which ends follows both ways) takes each account out of the
other's lists. Idempotent: a redelivered event removes what is already gone."""

from __future__ import annotations

from rookery.workloads.catalogue import LISTS_GROUP
from rookery.workloads.domain.events import GRAPH, Event
from rookery.workloads.ports.events import EventBus
from rookery.workloads.services.lists import ListsService
from rookery.workloads.services.social import BLOCKED, UNFOLLOWED

GROUP = LISTS_GROUP.name


class ListsWorker:
    def __init__(self, lists: ListsService) -> None:
        self.lists = lists

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(GRAPH, GROUP, self.on_graph)

    async def on_graph(self, event: Event) -> None:
        if event.type not in (UNFOLLOWED, BLOCKED):
            return
        account_id, target_id = int(event.payload["account_id"]), int(event.payload["target_id"])
        await self.lists.forget(account_id, target_id)
        if event.type == BLOCKED:
            await self.lists.forget(target_id, account_id)
