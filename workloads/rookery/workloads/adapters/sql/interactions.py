"""What the SQLite and PostgreSQL InteractionStore adapters share: favourites, bookmarks and pins are
one table shape each, so every public method names its table and the dialect writes the three
queries (add, remove, page) and the viewer-flags union."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Any, Protocol

from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.statuses import ViewerFlags

TABLES = frozenset({"favourites", "bookmarks", "status_pins"})


class PairsSource(Protocol):
    async def id_pairs(
        self, table: str, column: str, value: int, out: str, page: PageRequest
    ) -> list[tuple[int, int]]: ...


class InteractionTables(abc.ABC):
    db: PairsSource  # the dialect's Database (both have id_pairs)

    @abc.abstractmethod
    async def _add(self, table: str, account_id: int, status_id: int, events: OutboxEvents = ()) -> bool:
        """Insert the (account, status) row; a favourite counts on the status. False: it was there."""

    @abc.abstractmethod
    async def _remove(self, table: str, account_id: int, status_id: int) -> bool:
        """Delete the (account, status) row; an unfavourite counts down. False: it was not there."""

    async def favourite(self, account_id: int, status_id: int, events: OutboxEvents = ()) -> bool:
        return await self._add("favourites", account_id, status_id, events)

    async def unfavourite(self, account_id: int, status_id: int) -> bool:
        return await self._remove("favourites", account_id, status_id)

    async def bookmark(self, account_id: int, status_id: int) -> bool:
        return await self._add("bookmarks", account_id, status_id)

    async def unbookmark(self, account_id: int, status_id: int) -> bool:
        return await self._remove("bookmarks", account_id, status_id)

    async def pin(self, account_id: int, status_id: int) -> bool:
        return await self._add("status_pins", account_id, status_id)

    async def unpin(self, account_id: int, status_id: int) -> bool:
        return await self._remove("status_pins", account_id, status_id)

    async def _page(self, table: str, column: str, value: int, out: str, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs(table, column, value, out, page)

    async def favourited_by(self, status_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page("favourites", "status_id", status_id, "account_id", page)

    async def favourites_of(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page("favourites", "account_id", account_id, "status_id", page)

    async def bookmarks_of(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self._page("bookmarks", "account_id", account_id, "status_id", page)


def viewer_flags(rows: Iterable[Any]) -> ViewerFlags:
    """ViewerFlags from the rows of the viewer-flags union: (kind, status_id), kind one of f (favourited),
    r (reblogged), b (bookmarked), p (pinned), m (muted conversation)."""
    found: dict[str, set[int]] = {"f": set(), "r": set(), "b": set(), "p": set(), "m": set()}
    for row in rows:
        found[row["kind"]].add(row["status_id"])
    return ViewerFlags(
        favourited=frozenset(found["f"]),
        reblogged=frozenset(found["r"]),
        bookmarked=frozenset(found["b"]),
        pinned=frozenset(found["p"]),
        muted=frozenset(found["m"]),
    )
