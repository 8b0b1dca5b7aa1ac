"""Posts role: each account's filters (v2, with the v1 shim over their keywords) and its scheduled
statuses. Both are private to their owner; the services check ownership, the stores look up by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.filters import Filter
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.scheduled import ScheduledStatus


class FilterStore(Protocol):
    async def save(self, found: Filter) -> None:
        """Create or replace the filter with its keywords and statuses (one transaction)."""
        ...

    async def get(self, filter_id: int) -> Filter | None: ...

    async def of_account(self, account_id: int) -> list[Filter]:
        """Oldest first."""
        ...

    async def delete(self, filter_id: int) -> bool: ...

    async def filter_of_keyword(self, keyword_id: int) -> int | None:
        """The id of the filter that holds the keyword."""
        ...

    async def filter_of_status(self, filter_status_id: int) -> int | None: ...


class ScheduledStatusStore(Protocol):
    async def create(self, scheduled: ScheduledStatus) -> None: ...

    async def get(self, scheduled_id: int) -> ScheduledStatus | None: ...

    async def of_account(self, account_id: int, page: PageRequest) -> list[ScheduledStatus]:
        """Newest id first (min_id pages: the ones right after min_id)."""
        ...

    async def count(self, account_id: int, between: tuple[dt.datetime, dt.datetime] | None = None) -> int:
        """How many the account has scheduled (those due in ``[start, end)`` when given)."""
        ...

    async def reschedule(self, scheduled_id: int, at: dt.datetime) -> bool: ...

    async def delete(self, scheduled_id: int) -> bool:
        """False when it was gone already (published or cancelled)."""
        ...

    async def claim_status_id(self, scheduled_id: int, status_id: int) -> int | None:
        """The id its status gets: ``status_id`` if none was chosen before, else the earlier one
        (a publisher that stopped half way left it); None when the scheduled status is gone."""
        ...

    async def due(self, now: dt.datetime, limit: int) -> Sequence[ScheduledStatus]:
        """Those due by ``now``, earliest first."""
        ...
