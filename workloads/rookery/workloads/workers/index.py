"""Search indexer (consumer group "index"): keeps the SearchIndex in step with the posts and graph
streams. StatusCreated / StatusUpdated index the stored status (its current text: a redelivered
or late event indexes the same document again, which is idempotent), StatusDeleted removes it;
Followed / Unfollowed / Blocked re-index the accounts whose follower counts rank them.
Accounts themselves are indexed as they are written (services/search.IndexedAccountRepository)."""

from __future__ import annotations

from rookery.workloads.domain.events import GRAPH, POSTS, Event
from rookery.workloads.ports import AccountRepository, EventBus, StatusRepository
from rookery.workloads.services.search import SearchService
from rookery.workloads.services.social import (
    FOLLOWED,
    STATUS_CREATED,
    STATUS_DELETED,
    STATUS_UPDATED,
    UNFOLLOWED,
)

GROUP = "index"


class IndexWorker:
    def __init__(
        self, search: SearchService, statuses: StatusRepository, accounts: AccountRepository
    ) -> None:
        self.search = search
        self.statuses = statuses
        self.accounts = accounts

    def subscribe(self, bus: EventBus) -> None:
        bus.subscribe(POSTS, GROUP, self.on_post)
        bus.subscribe(GRAPH, GROUP, self.on_graph)

    async def on_post(self, event: Event) -> None:
        status_id = int(event.payload["status_id"])
        if event.type in (STATUS_CREATED, STATUS_UPDATED):
            if event.payload.get("reblog_of_id") is not None:
                return
            status = await self.statuses.get(status_id)
            if status is not None:
                await self.search.index_status(status)
        elif event.type == STATUS_DELETED:
            await self.search.remove_statuses([status_id])

    async def on_graph(self, event: Event) -> None:
        if event.type not in (FOLLOWED, UNFOLLOWED):
            return
        for account_id in (int(event.payload["target_id"]),):
            account = await self.accounts.get(account_id)
            if account is not None:
                await self.search.index_account(account)
