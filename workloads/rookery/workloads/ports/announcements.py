"""Announcements (accounts role): SQLite embedded; PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.announcements import Announcement, ReactionCount


class AnnouncementStore(Protocol):
    async def add(self, announcement: Announcement) -> None: ...

    async def all(self) -> list[Announcement]:
        """Newest first."""
        ...

    async def get(self, announcement_id: int) -> Announcement | None: ...

    async def remove(self, announcement_id: int) -> bool:
        """With its reactions and dismissals."""
        ...

    async def dismiss(self, account_id: int, announcement_id: int) -> None: ...

    async def dismissed(self, account_id: int, announcement_ids: Sequence[int]) -> set[int]: ...

    async def react(self, account_id: int, announcement_id: int, name: str, limit: int) -> bool:
        """Add a reaction; False (nothing stored) when it would make more than ``limit`` distinct
        names on the announcement. Reacting again with the same name is a no-op (True)."""
        ...

    async def unreact(self, account_id: int, announcement_id: int, name: str) -> bool: ...

    async def reactions(self, announcement_ids: Sequence[int]) -> list[ReactionCount]:
        """Counts per name, in the order each name was first used."""
        ...

    async def own_reactions(self, account_id: int, announcement_ids: Sequence[int]) -> set[tuple[int, str]]: ...
