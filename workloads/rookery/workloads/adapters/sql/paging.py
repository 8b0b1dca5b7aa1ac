"""Keyset paging for the SQL stores: the ``max_id`` / ``since_id`` / ``min_id`` bounds of a
PageRequest as a WHERE fragment, its ORDER BY and LIMIT, in either dialect's placeholder style.

A query is assembled left to right with a ``Params``: ``p(value)`` records the value and answers
its placeholder (``$n`` on PostgreSQL, ``?`` on SQLite, where the values must follow the order the
placeholders stand in the text — which assembling left to right gives). ``p.values`` goes to the
driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from rookery.workloads.domain.pagination import PageRequest

T = TypeVar("T")


class Params:
    """PostgreSQL's numbered placeholders ($1, $2 ...) for a query assembled piece by piece."""

    true = "true"  # the WHERE fragment that bounds nothing

    def __init__(self, *values: Any) -> None:
        self.values: list[Any] = list(values)

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return self._placeholder()

    def _placeholder(self) -> str:
        return f"${len(self.values)}"


class QmarkParams(Params):
    """SQLite's ``?`` placeholders: the values in the order their placeholders stand in the text."""

    true = "1"

    def _placeholder(self) -> str:
        return "?"


def page_clause(page: PageRequest, p: Params, column: str = "id") -> tuple[str, str]:
    """WHERE fragment (its values recorded in ``p``) and ORDER BY of a cursor page on ``column``."""
    clauses = []
    if page.max_id is not None:
        clauses.append(f"{column} < {p(page.max_id)}")
    if page.lower is not None:
        clauses.append(f"{column} > {p(page.lower)}")
    order = f"{column} ASC" if page.ascending else f"{column} DESC"
    return (" AND ".join(clauses) or p.true), order


def keyset(page: PageRequest, p: Params, conditions: Sequence[str] = (), column: str = "id") -> str:
    """``WHERE <conditions AND bounds> ORDER BY <column> LIMIT <limit>``: the tail of a paged SELECT.
    ``conditions`` already hold their placeholders (taken from ``p`` before this call)."""
    where, order = page_clause(page, p, column)
    clauses = [*conditions, where] if where != p.true or not conditions else list(conditions)
    return f"WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT {p(page.limit)}"


def id_pairs_query(page: PageRequest, p: Params, table: str, column: str, value: int, out: str) -> str:
    """A page of (row id, ``out``) from ``table`` where ``column`` is ``value``: relations and
    interactions paged by their own row ids (follows, blocks, favourites, reblogs ...)."""
    return f"SELECT id, {out} FROM {table} {keyset(page, p, [f'{column} = {p(value)}'])}"


def newest_first(items: list[T], page: PageRequest) -> list[T]:
    """Rows read upward from ``min_id`` come oldest first; pages are answered newest first."""
    return items[::-1] if page.ascending else items
