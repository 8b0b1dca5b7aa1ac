"""Embedded AnnouncementStore on the shared SQLite database."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.sql.announcements import (
    COLUMNS,
    announcement_of,
    announcement_values,
    in_list,
    may_react,
    names_query,
    reaction_counts,
    reactions_query,
)
from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.paging import QmarkParams
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.announcements import Announcement, ReactionCount
from rookery.workloads.ids import new_id

MIGRATIONS = load_migrations("announcements", 1)


class SqliteAnnouncementStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, announcement: Announcement) -> None:
        await self.db.execute(
            f"INSERT INTO announcements ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            announcement_values(announcement, SQLITE),
        )

    async def all(self) -> list[Announcement]:
        rows = await self.db.fetchall(f"SELECT {COLUMNS} FROM announcements ORDER BY id DESC")
        return [announcement_of(row, SQLITE) for row in rows]

    async def get(self, announcement_id: int) -> Announcement | None:
        row = await self.db.fetchone(f"SELECT {COLUMNS} FROM announcements WHERE id = ?", (announcement_id,))
        return announcement_of(row, SQLITE) if row else None

    async def remove(self, announcement_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM announcements WHERE id = ?", (announcement_id,))
            await tx.execute("DELETE FROM announcement_reactions WHERE announcement_id = ?", (announcement_id,))
            await tx.execute("DELETE FROM announcement_dismissals WHERE announcement_id = ?", (announcement_id,))
            return cursor.rowcount > 0

    async def dismiss(self, account_id: int, announcement_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO announcement_dismissals (account_id, announcement_id) VALUES (?, ?)",
            (account_id, announcement_id),
        )

    async def dismissed(self, account_id: int, announcement_ids: Sequence[int]) -> set[int]:
        if not announcement_ids:
            return set()
        p = QmarkParams(account_id)
        rows = await self.db.fetchall(
            "SELECT announcement_id FROM announcement_dismissals WHERE account_id = ?"
            f" AND announcement_id IN ({in_list(p, announcement_ids)})",
            p.values,
        )
        return {row[0] for row in rows}

    async def react(self, account_id: int, announcement_id: int, name: str, limit: int) -> bool:
        async with self.db.transaction() as tx:  # BEGIN IMMEDIATE: the count and the insert are one
            p = QmarkParams()
            async with tx.execute(names_query(announcement_id, p), p.values) as cursor:
                names = {row[0] for row in await cursor.fetchall()}
            if not may_react(names, name, limit):
                return False
            await tx.execute(
                "INSERT OR IGNORE INTO announcement_reactions (id, announcement_id, account_id, name)"
                " VALUES (?, ?, ?, ?)",
                (new_id(), announcement_id, account_id, name),
            )
            return True

    async def unreact(self, account_id: int, announcement_id: int, name: str) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM announcement_reactions WHERE announcement_id = ? AND account_id = ? AND name = ?",
                (announcement_id, account_id, name),
            )
            return cursor.rowcount > 0

    async def reactions(self, announcement_ids: Sequence[int]) -> list[ReactionCount]:
        if not announcement_ids:
            return []
        p = QmarkParams()
        return reaction_counts(await self.db.fetchall(reactions_query(announcement_ids, p), p.values))

    async def own_reactions(self, account_id: int, announcement_ids: Sequence[int]) -> set[tuple[int, str]]:
        if not announcement_ids:
            return set()
        p = QmarkParams(account_id)
        rows = await self.db.fetchall(
            "SELECT announcement_id, name FROM announcement_reactions WHERE account_id = ?"
            f" AND announcement_id IN ({in_list(p, announcement_ids)})",
            p.values,
        )
        return {(row[0], row[1]) for row in rows}
