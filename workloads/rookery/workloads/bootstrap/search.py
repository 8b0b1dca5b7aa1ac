"""search role: SearchService over the index (SQLite FTS5, or OpenSearch / Elasticsearch; stores.py
chooses); accounts are indexed as written (the accounts wiring decorates the repository with the
index), statuses by the "index" consumer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rookery.workloads.bootstrap.container import Events, Role, SearchStores, SocialRole

if TYPE_CHECKING:
    from rookery.workloads.ports.accounts import AccountRepository
    from rookery.workloads.services.search import SearchService


def search(
    stores: SearchStores, events: Events | None, social: SocialRole | None, accounts: AccountRepository | None
) -> Role[SearchStores, SearchService]:
    from rookery.workloads.services.search import SearchService

    service = SearchService(
        stores.index,
        social.stores.graph if social is not None else None,
        social.posts if social is not None else None,
        stores.tag_follows,
    )
    if events is not None and social is not None and accounts is not None:
        from rookery.workloads.workers.index import IndexWorker

        IndexWorker(service, social.stores.statuses, accounts).subscribe(events.bus)
    return Role(stores, service)
