"""Search indexer (consumer group "index"): keeps the SearchIndex in step with the posts and graph
streams. StatusCreated / StatusUpdated index the stored status (its current text: a redelivered
or late event indexes the same document again, which is idempotent), StatusDeleted removes it;
StatusCreated also re-indexes its author and Followed / Unfollowed both accounts (follower counts
rank account results; and an account created by a path that bypasses the indexing repository,
such as Keycloak mode's first sight, is indexed once it posts or follows). Accounts are otherwise
indexed as they are written (services/search.IndexedAccountRepository)."""

from __future__ import annotations

from rookery.workloads.catalogue import INDEX_GROUP
from rookery.workloads.domain.events import GRAPH, POSTS, Event
from rookery.workloads.ports.accounts import AccountRepository
from rookery.workloads.ports.events import EventBus
from rookery.workloads.ports.posts import StatusRepository
from rookery.workloads.services.search import SearchService
from rookery.workloads.services.social import (
    FOLLOWED,
    STATUS_CREATED,
    STATUS_DELETED,
    STATUS_UPDATED,
    UNFOLLOWED,
)

GROUP = INDEX_GROUP.name


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
                if event.type == STATUS_CREATED:
                    await self._reindex_accounts([status.account_id])
        elif event.type == STATUS_DELETED:
            await self.search.remove_statuses([status_id])

    async def on_graph(self, event: Event) -> None:
        if event.type not in (FOLLOWED, UNFOLLOWED):
            return
        await self._reindex_accounts([int(event.payload["account_id"]), int(event.payload["target_id"])])

    async def _reindex_accounts(self, account_ids: list[int]) -> None:
        for account in (await self.accounts.get_many(account_ids)).values():
            await self.search.index_account(account)
