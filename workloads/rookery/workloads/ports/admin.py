"""Admin role: reports, moderation state of accounts, hidden statuses. SQLite embedded; PostgreSQL in
production.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.moderation import AccountFilter, AccountRestrictions, HiddenStatus, Report, ReportFilter
from rookery.workloads.domain.pagination import PageRequest


class ModerationStore(Protocol):
    async def add_report(self, report: Report) -> None: ...

    async def get_report(self, report_id: int) -> Report | None: ...

    async def save_report(self, report: Report) -> None:
        """Replace the mutable fields (assignment, resolution, status ids, comment)."""
        ...

    async def reports(self, query: ReportFilter, page: PageRequest) -> list[Report]:
        """Newest first; the page applies to the report id."""
        ...

    async def open_report_for(self, target_account_id: int, source: str) -> Report | None:
        """The newest unresolved report of ``source`` against the account (dedupes system reports)."""
        ...

    async def count_reports(self, resolved: bool) -> int: ...

    async def track_account(self, account_id: int) -> None:
        """Make the account known to the admin accounts list (idempotent)."""
        ...

    async def restrictions(self, account_id: int) -> AccountRestrictions | None: ...

    async def restrictions_many(self, account_ids: Sequence[int]) -> dict[int, AccountRestrictions]: ...

    async def save_restrictions(self, restrictions: AccountRestrictions) -> None: ...

    async def accounts(self, query: AccountFilter, page: PageRequest) -> list[AccountRestrictions]:
        """Known accounts matching the filter, newest account id first."""
        ...

    async def restricted(self) -> tuple[set[int], set[int]]:
        """(suspended, silenced) account ids: the in-process read filters load them."""
        ...

    async def hide_status(self, hidden: HiddenStatus) -> bool:
        """True when the status was not hidden yet."""
        ...

    async def unhide_status(self, status_id: int) -> bool: ...

    async def hidden_statuses(self) -> dict[int, int]:
        """Every hidden status id -> its author (kept small: hidden statuses await review)."""
        ...
