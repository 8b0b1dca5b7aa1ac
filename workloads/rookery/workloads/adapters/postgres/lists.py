"""ListStore on PostgreSQL (migration 0020)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql.paging import Params, keyset
from rookery.workloads.domain.lists import TimelineList
from rookery.workloads.domain.pagination import PageRequest

COLUMNS = "l.id, l.account_id, l.title, l.replies_policy, l.exclusive"


def _list(row: Any) -> TimelineList:
    return TimelineList(row["id"], row["account_id"], row["title"], row["replies_policy"], row["exclusive"])


class PostgresListStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def create(self, timeline_list: TimelineList) -> None:
        await self.db.execute(
            "INSERT INTO lists (id, account_id, title, replies_policy, exclusive) VALUES ($1, $2, $3, $4, $5)",
            timeline_list.id,
            timeline_list.account_id,
            timeline_list.title,
            timeline_list.replies_policy,
            timeline_list.exclusive,
        )

    async def get(self, list_id: int) -> TimelineList | None:
        row = await self.db.fetchrow(f"SELECT {COLUMNS} FROM lists l WHERE l.id = $1", list_id)
        return _list(row) if row is not None else None

    async def update(self, timeline_list: TimelineList) -> None:
        await self.db.execute(
            "UPDATE lists SET title = $2, replies_policy = $3, exclusive = $4 WHERE id = $1",
            timeline_list.id,
            timeline_list.title,
            timeline_list.replies_policy,
            timeline_list.exclusive,
        )

    async def delete(self, list_id: int) -> bool:
        deleted = await self.db.fetchval("DELETE FROM lists WHERE id = $1 RETURNING id", list_id)
        return deleted is not None  # members go by ON DELETE CASCADE

    async def of_owner(self, owner_id: int) -> list[TimelineList]:
        rows = await self.db.fetch(f"SELECT {COLUMNS} FROM lists l WHERE l.account_id = $1 ORDER BY l.id", owner_id)
        return [_list(row) for row in rows]

    async def add_members(self, timeline_list: TimelineList, account_ids: Sequence[int]) -> None:
        if not account_ids:
            return
        await self.db.execute(
            "INSERT INTO list_accounts (list_id, account_id, owner_id)"
            " SELECT $1, unnest($2::bigint[]), $3 ON CONFLICT DO NOTHING",
            timeline_list.id,
            list(account_ids),
            timeline_list.account_id,
        )

    async def remove_members(self, list_id: int, account_ids: Sequence[int]) -> None:
        if not account_ids:
            return
        await self.db.execute(
            "DELETE FROM list_accounts WHERE list_id = $1 AND account_id = ANY($2::bigint[])",
            list_id,
            list(account_ids),
        )

    async def member_ids(self, list_id: int) -> list[int]:
        rows = await self.db.fetch(
            "SELECT account_id FROM list_accounts WHERE list_id = $1 ORDER BY account_id", list_id
        )
        return [row["account_id"] for row in rows]

    async def members(self, list_id: int, page: PageRequest) -> list[int]:
        p = Params()
        of_list = f"list_id = {p(list_id)}"
        tail = keyset(page, p, [of_list], "account_id")
        rows = await self.db.fetch(f"SELECT account_id FROM list_accounts {tail}", *p.values)
        return sorted((row["account_id"] for row in rows), reverse=True)

    async def with_member(self, owner_id: int, account_id: int) -> list[TimelineList]:
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM list_accounts m JOIN lists l ON l.id = m.list_id"
            " WHERE m.account_id = $1 AND m.owner_id = $2 ORDER BY l.id",
            account_id,
            owner_id,
        )
        return [_list(row) for row in rows]

    async def containing(self, account_id: int) -> list[TimelineList]:
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM list_accounts m JOIN lists l ON l.id = m.list_id"
            " WHERE m.account_id = $1 ORDER BY l.id",
            account_id,
        )
        return [_list(row) for row in rows]

    async def forget_member(self, owner_id: int, account_id: int) -> None:
        await self.db.execute("DELETE FROM list_accounts WHERE account_id = $1 AND owner_id = $2", account_id, owner_id)
