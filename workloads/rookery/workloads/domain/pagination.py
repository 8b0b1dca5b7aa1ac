"""Mastodon's cursor pagination: ``max_id`` / ``since_id`` / ``min_id`` / ``limit``, never offsets.

* ``max_id``: strictly older than it.
* ``since_id``: strictly newer, the newest ``limit`` of them.
* ``min_id``: strictly newer, the ``limit`` immediately after it (oldest first when read),
  still rendered newest first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TypeVar

DEFAULT_LIMIT = 20
MAX_LIMIT = 40

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class PageRequest:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    @property
    def ascending(self) -> bool:
        """Reading upward from ``min_id``: the store returns the oldest ``limit`` first."""
        return self.min_id is not None

    @property
    def lower(self) -> int | None:
        """Exclusive lower bound."""
        if self.min_id is not None and self.since_id is not None:
            return max(self.min_id, self.since_id)
        return self.min_id if self.min_id is not None else self.since_id

    def widened(self, extra: int) -> PageRequest:
        return dataclasses.replace(self, limit=self.limit + extra)

    def admits(self, item_id: int) -> bool:
        lower = self.lower
        return (self.max_id is None or item_id < self.max_id) and (lower is None or item_id > lower)


def clamp_limit(value: int | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """Mastodon clamps the limit to its maximum; zero or less reads as the default."""
    if value is None or value <= 0:
        return default
    return min(value, maximum)


def select_page(items: Sequence[T], page: PageRequest, key: Callable[[T], int]) -> list[T]:
    """Apply a page to already-fetched items (any order); returns them newest first."""
    bounded = page.max_id is not None or page.lower is not None  # most reads: the newest page
    admitted = sorted((item for item in items if page.admits(key(item))) if bounded else items, key=key, reverse=True)
    if page.ascending:
        return admitted[-page.limit :] if page.limit else []
    return admitted[: page.limit]


def trim(items_newest_first: list[T], page: PageRequest) -> list[T]:
    """Cut an over-fetched, filtered page down to ``limit`` from the side the cursor points at."""
    if len(items_newest_first) <= page.limit:
        return items_newest_first
    if page.ascending:
        return items_newest_first[-page.limit :]
    return items_newest_first[: page.limit]
