"""Keyset pages over a clustering column in CQL, the Cassandra side of adapters/sql/paging.py.

A table clustered newest first answers ``max_id`` / ``since_id`` pages in its own order; a
``min_id`` page (the ones right after it) reads the other way with ORDER BY. Both statements bound
the column on each side, a missing bound being the whole id range.
"""

from __future__ import annotations

import dataclasses

from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.domain.pagination import PageRequest

TOP = (1 << 63) - 1  # above every id: "no max_id"


@dataclasses.dataclass(frozen=True)
class KeysetStatements:
    newest: str  # the keys CassandraSession.register answered
    oldest: str

    def of(self, page: PageRequest) -> str:
        return self.oldest if page.ascending else self.newest


def register_keyset(
    session: CassandraSession, select: str, column: str, ascending: str | None = None
) -> KeysetStatements:
    """``select`` (its WHERE fixing the partition) continued by ``AND column < ? AND column > ?`` and
    ``LIMIT ?``: as clustered, and ordered by ``ascending`` (default ``column ASC``) for min_id."""
    bounded = f"{select} AND {column} < ? AND {column} > ?"
    return KeysetStatements(
        newest=session.register(f"{bounded} LIMIT ?", write=False),
        oldest=session.register(f"{bounded} ORDER BY {ascending or f'{column} ASC'} LIMIT ?", write=False),
    )


def bounds(page: PageRequest) -> tuple[int, int]:
    """The page's exclusive (upper, lower) bounds as values for ``column < ? AND column > ?``."""
    return (page.max_id if page.max_id is not None else TOP, page.lower if page.lower is not None else -1)
