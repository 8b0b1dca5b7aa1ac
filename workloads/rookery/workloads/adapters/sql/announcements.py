"""What the AnnouncementStore's SQLite and PostgreSQL adapters share: columns, rows, queries
(placeholders from a ``Params``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.sql.dialect import Dialect
from rookery.workloads.adapters.sql.paging import Params
from rookery.workloads.domain.announcements import Announcement, ReactionCount

COLUMNS = "id, text, published_at, updated_at, starts_at, ends_at, all_day"


def announcement_of(row: Any, d: Dialect) -> Announcement:
    return Announcement(
        row[0], row[1], d.time(row[2]), d.time(row[3]), d.optional_time(row[4]), d.optional_time(row[5]), bool(row[6])
    )


def announcement_values(a: Announcement, d: Dialect) -> tuple[Any, ...]:
    return (
        a.id, a.text, d.store_time(a.published_at), d.store_time(a.updated_at),
        d.store_optional_time(a.starts_at), d.store_optional_time(a.ends_at), d.store_flag(a.all_day),
    )  # fmt: skip


def in_list(p: Params, values: Sequence[int]) -> str:
    return ", ".join(p(v) for v in values)


def reactions_query(announcement_ids: Sequence[int], p: Params) -> str:
    return (
        "SELECT announcement_id, name, COUNT(*) AS n, MIN(id) AS first FROM announcement_reactions"
        f" WHERE announcement_id IN ({in_list(p, announcement_ids)}) GROUP BY announcement_id, name ORDER BY first"
    )


def reaction_counts(rows: list[Any]) -> list[ReactionCount]:
    return [ReactionCount(row[0], row[1], row[2]) for row in rows]


def names_query(announcement_id: int, p: Params) -> str:
    return f"SELECT DISTINCT name FROM announcement_reactions WHERE announcement_id = {p(announcement_id)}"


def may_react(names: set[str], name: str, limit: int) -> bool:
    return name in names or len(names) < limit
