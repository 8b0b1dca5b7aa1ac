"""Graph role, beside the follows: private notes, endorsements, featured tags and dismissed
suggestions. SQLite embedded; PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.profiles import FeaturedTag


class ProfileStore(Protocol):
    async def set_note(self, account_id: int, target_id: int, comment: str) -> None:
        """``account_id``'s private note on ``target_id``; an empty comment removes it."""
        ...

    async def notes(self, account_id: int, target_ids: Sequence[int]) -> dict[int, str]: ...

    async def endorse(self, account_id: int, target_id: int) -> bool:
        """True when the endorsement is new."""
        ...

    async def unendorse(self, account_id: int, target_id: int) -> bool: ...

    async def endorsed_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]: ...

    async def endorsements(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        """(row id, endorsed account id), newest first."""
        ...

    async def feature_tag(self, account_id: int, name: str, limit: int) -> FeaturedTag:
        """Feature a hashtag; ProfileRuleError when it is featured already or ``limit`` are."""
        ...

    async def featured_tags(self, account_id: int) -> list[FeaturedTag]:
        """Oldest first (the order they were featured in)."""
        ...

    async def unfeature_tag(self, account_id: int, tag_id: int) -> bool: ...

    async def dismiss_suggestion(self, account_id: int, target_id: int) -> None: ...

    async def dismissed_suggestions(self, account_id: int) -> set[int]: ...
