"""Search role: accounts, statuses, hashtags and followed hashtags. SQLite FTS5 embedded; OpenSearch
or Elasticsearch in production. Documents come from the domain; queries take the viewer's context.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.search import AccountDocument, StatusDocument, StatusSearch, TagUse


class SearchIndex(Protocol):
    async def setup(self) -> None:
        """Create indices/templates/tables if missing (idempotent)."""
        ...

    async def index_accounts(self, documents: Sequence[AccountDocument]) -> None: ...

    async def delete_account(self, account_id: int) -> None: ...

    async def index_statuses(self, documents: Sequence[StatusDocument]) -> None:
        """Upsert statuses (and count their hashtags); re-indexing the same id replaces it."""
        ...

    async def delete_statuses(self, status_ids: Sequence[int]) -> None: ...

    async def search_accounts(
        self, text: str, *, limit: int, offset: int = 0, among: Sequence[int] | None = None
    ) -> list[int]:
        """Account ids by username / display name (prefix) and note: an exact username first,
        then username prefixes, then by followers; ``among`` restricts to those ids."""
        ...

    async def search_statuses(self, query: StatusSearch) -> list[int]:
        """Status ids matching every word (prefix on the last), newest first."""
        ...

    async def search_hashtags(self, text: str, *, limit: int, offset: int = 0) -> list[str]:
        """Hashtag names starting with ``text``, most used first."""
        ...

    async def hashtag_history(self, name: str, days: int, today: datetime.date) -> list[TagUse]:
        """Daily uses of a hashtag, newest day first, ``days`` entries (zeros included)."""
        ...

    async def close(self) -> None: ...


class TagFollowStore(Protocol):
    """Hashtags an account follows (Mastodon's followed tags)."""

    async def follow(self, account_id: int, tag: str) -> None:
        """Idempotent: following again keeps the first row (and its place in the list)."""
        ...

    async def unfollow(self, account_id: int, tag: str) -> bool: ...

    async def following(self, account_id: int, tags: Sequence[str]) -> set[str]:
        """Which of ``tags`` the account follows."""
        ...

    async def followed(self, account_id: int, page: PageRequest) -> list[tuple[int, str]]:
        """(row id, tag), newest first; the page applies to the row id."""
        ...
