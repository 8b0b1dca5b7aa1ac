"""Feed role: stored home timelines and lists (named groups of followed accounts and their timelines).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.lists import TimelineList
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.timelines import TimelineEntry


class TimelineStore(Protocol):
    async def push(self, owner_ids: Sequence[int], entry: TimelineEntry) -> None:
        """Add one entry to many home timelines, each kept to its newest ``home_timeline_max``."""
        ...

    async def push_many(self, owner_id: int, entries: Sequence[TimelineEntry]) -> None: ...

    async def range(self, owner_id: int, page: PageRequest) -> list[TimelineEntry]: ...

    async def remove(self, status_ids: Sequence[int]) -> None:
        """Remove these statuses (and reblogs of them) from every home timeline."""
        ...

    async def remove_author(self, owner_id: int, account_id: int) -> None: ...

    async def contains(self, owner_id: int, status_id: int) -> bool: ...

    async def celebrities(self) -> set[int]:
        """Authors whose posts are merged on read (above the fan-out threshold)."""
        ...

    async def mark_celebrity(self, account_id: int, celebrity: bool) -> None: ...


class ListStore(Protocol):
    """Mastodon lists and their members (account ids); a list's members go with it."""

    async def create(self, timeline_list: TimelineList) -> None: ...

    async def get(self, list_id: int) -> TimelineList | None: ...

    async def update(self, timeline_list: TimelineList) -> None:
        """Replace title, replies_policy and exclusive."""
        ...

    async def delete(self, list_id: int) -> bool: ...

    async def of_owner(self, owner_id: int) -> list[TimelineList]:
        """The owner's lists, oldest first."""
        ...

    async def add_members(self, timeline_list: TimelineList, account_ids: Sequence[int]) -> None:
        """Idempotent: an account already in the list stays once."""
        ...

    async def remove_members(self, list_id: int, account_ids: Sequence[int]) -> None: ...

    async def member_ids(self, list_id: int) -> list[int]: ...

    async def members(self, list_id: int, page: PageRequest) -> list[int]:
        """Member account ids, highest first; the page applies to the account id."""
        ...

    async def with_member(self, owner_id: int, account_id: int) -> list[TimelineList]:
        """The owner's lists that hold the account, oldest first."""
        ...

    async def containing(self, account_id: int) -> list[TimelineList]:
        """Every list (of any owner) that holds the account: where its new posts are streamed."""
        ...

    async def forget_member(self, owner_id: int, account_id: int) -> None:
        """Take the account out of every list of the owner (the owner stopped following it)."""
        ...
