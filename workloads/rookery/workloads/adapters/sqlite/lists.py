"""Embedded ListStore on the shared SQLite database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.sql.paging import QmarkParams, keyset
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.lists import TimelineList
from rookery.workloads.domain.pagination import PageRequest

MIGRATIONS = load_migrations("lists", 1)

COLUMNS = "l.id, l.account_id, l.title, l.replies_policy, l.exclusive"


def _list(row: Any) -> TimelineList:
    return TimelineList(row[0], row[1], row[2], row[3], bool(row[4]))


class SqliteListStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, timeline_list: TimelineList) -> None:
        await self.db.execute(
            "INSERT INTO lists (id, account_id, title, replies_policy, exclusive) VALUES (?, ?, ?, ?, ?)",
            (
                timeline_list.id,
                timeline_list.account_id,
                timeline_list.title,
                timeline_list.replies_policy,
                int(timeline_list.exclusive),
            ),
        )

    async def get(self, list_id: int) -> TimelineList | None:
        row = await self.db.fetchone(f"SELECT {COLUMNS} FROM lists l WHERE l.id = ?", (list_id,))
        return _list(row) if row is not None else None

    async def update(self, timeline_list: TimelineList) -> None:
        await self.db.execute(
            "UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?",
            (timeline_list.title, timeline_list.replies_policy, int(timeline_list.exclusive), timeline_list.id),
        )

    async def delete(self, list_id: int) -> bool:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM list_accounts WHERE list_id = ?", (list_id,))
            cursor = await tx.execute("DELETE FROM lists WHERE id = ?", (list_id,))
            return cursor.rowcount > 0

    async def of_owner(self, owner_id: int) -> list[TimelineList]:
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM lists l WHERE l.account_id = ? ORDER BY l.id", (owner_id,)
        )
        return [_list(row) for row in rows]

    async def add_members(self, timeline_list: TimelineList, account_ids: Sequence[int]) -> None:
        if not account_ids:
            return
        async with self.db.transaction() as tx:
            await tx.executemany(
                "INSERT OR IGNORE INTO list_accounts (list_id, account_id, owner_id) VALUES (?, ?, ?)",
                [(timeline_list.id, account_id, timeline_list.account_id) for account_id in account_ids],
            )

    async def remove_members(self, list_id: int, account_ids: Sequence[int]) -> None:
        if not account_ids:
            return
        await self.db.execute(
            f"DELETE FROM list_accounts WHERE list_id = ? AND account_id IN ({placeholders(account_ids)})",
            (list_id, *account_ids),
        )

    async def member_ids(self, list_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT account_id FROM list_accounts WHERE list_id = ? ORDER BY account_id", (list_id,)
        )
        return [row[0] for row in rows]

    async def members(self, list_id: int, page: PageRequest) -> list[int]:
        p = QmarkParams(list_id)
        tail = keyset(page, p, ["list_id = ?"], "account_id")
        rows = await self.db.fetchall(f"SELECT account_id FROM list_accounts {tail}", p.values)
        return sorted((row[0] for row in rows), reverse=True)

    async def with_member(self, owner_id: int, account_id: int) -> list[TimelineList]:
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM list_accounts m JOIN lists l ON l.id = m.list_id"
            " WHERE m.account_id = ? AND m.owner_id = ? ORDER BY l.id",
            (account_id, owner_id),
        )
        return [_list(row) for row in rows]

    async def containing(self, account_id: int) -> list[TimelineList]:
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM list_accounts m JOIN lists l ON l.id = m.list_id"
            " WHERE m.account_id = ? ORDER BY l.id",
            (account_id,),
        )
        return [_list(row) for row in rows]

    async def forget_member(self, owner_id: int, account_id: int) -> None:
        await self.db.execute("DELETE FROM list_accounts WHERE account_id = ? AND owner_id = ?", (account_id, owner_id))
