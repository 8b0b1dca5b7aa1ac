"""A FilterStore that remembers, per account, that it has no filters (the EntityCache port, kind
``filters``), in front of PostgreSQL in production.

Every timeline page asks for the viewer's filters, and most accounts have none: for them the page
then costs no PostgreSQL query. Only the absence is cached (a list of filters is read from the
store each time), filled under the version read before asking the store, and every save or delete
through this store invalidates its account's entry after it is stored.
"""

from __future__ import annotations

from typing import Any

from rookery.workloads.delegation import delegate
from rookery.workloads.domain.filters import Filter
from rookery.workloads.ports.edge import EntityCache
from rookery.workloads.ports.filters import FilterStore

KIND = "filters"
NONE = b"none"


class NoFiltersCachingStore:
    def __init__(self, inner: FilterStore, entities: EntityCache) -> None:
        self.inner = inner
        self.entities = entities

    async def of_account(self, account_id: int) -> list[Filter]:
        (fragment,) = await self.entities.read([(KIND, account_id)])
        if fragment.body == NONE:
            return []
        found = await self.inner.of_account(account_id)
        if not found:
            await self.entities.fill({(KIND, account_id): (fragment.version, NONE)})
        return found

    async def save(self, found: Filter) -> None:
        try:
            await self.inner.save(found)
        finally:
            await self.entities.invalidate([(KIND, found.account_id)])

    async def delete(self, filter_id: int) -> bool:
        found = await self.inner.get(filter_id)
        try:
            return await self.inner.delete(filter_id)
        finally:
            if found is not None:
                await self.entities.invalidate([(KIND, found.account_id)])

    async def get(self, filter_id: int) -> Filter | None:
        return await self.inner.get(filter_id)

    async def filter_of_keyword(self, keyword_id: int) -> int | None:
        return await self.inner.filter_of_keyword(keyword_id)

    async def filter_of_status(self, filter_status_id: int) -> int | None:
        return await self.inner.filter_of_status(filter_status_id)

    def __getattr__(self, name: str) -> Any:  # what the adapter offers beyond the port
        return delegate(self, self.inner, name)
