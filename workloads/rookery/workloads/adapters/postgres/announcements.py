"""AnnouncementStore on PostgreSQL (migration 0072)."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.postgres.db import PostgresDatabase
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
from rookery.workloads.adapters.sql.dialect import POSTGRES
from rookery.workloads.adapters.sql.paging import Params
from rookery.workloads.domain.announcements import Announcement, ReactionCount
from rookery.workloads.ids import new_id


class PostgresAnnouncementStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def add(self, announcement: Announcement) -> None:
        await self.db.execute(
            f"INSERT INTO announcements ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            *announcement_values(announcement, POSTGRES),
        )

    async def all(self) -> list[Announcement]:
        rows = await self.db.fetch(f"SELECT {COLUMNS} FROM announcements ORDER BY id DESC")
        return [announcement_of(row, POSTGRES) for row in rows]

    async def get(self, announcement_id: int) -> Announcement | None:
        row = await self.db.fetchrow(f"SELECT {COLUMNS} FROM announcements WHERE id = $1", announcement_id)
        return announcement_of(row, POSTGRES) if row else None

    async def remove(self, announcement_id: int) -> bool:
        async with self.db.transaction() as tx:
            deleted = await tx.fetchval("DELETE FROM announcements WHERE id = $1 RETURNING id", announcement_id)
            await tx.execute("DELETE FROM announcement_reactions WHERE announcement_id = $1", announcement_id)
            await tx.execute("DELETE FROM announcement_dismissals WHERE announcement_id = $1", announcement_id)
            return deleted is not None

    async def dismiss(self, account_id: int, announcement_id: int) -> None:
        await self.db.execute(
            "INSERT INTO announcement_dismissals (account_id, announcement_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            announcement_id,
        )

    async def dismissed(self, account_id: int, announcement_ids: Sequence[int]) -> set[int]:
        if not announcement_ids:
            return set()
        p = Params(account_id)
        rows = await self.db.fetch(
            "SELECT announcement_id FROM announcement_dismissals WHERE account_id = $1"
            f" AND announcement_id IN ({in_list(p, announcement_ids)})",
            *p.values,
        )
        return {row[0] for row in rows}

    async def react(self, account_id: int, announcement_id: int, name: str, limit: int) -> bool:
        async with self.db.transaction() as tx:
            # one reacting writer per announcement at a time, so the names read hold until commit
            await tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('announcement_reactions', $1))", announcement_id
            )
            p = Params()
            names = {row[0] for row in await tx.fetch(names_query(announcement_id, p), *p.values)}
            if not may_react(names, name, limit):
                return False
            await tx.execute(
                "INSERT INTO announcement_reactions (id, announcement_id, account_id, name) VALUES ($1, $2, $3, $4)"
                " ON CONFLICT DO NOTHING",
                new_id(),
                announcement_id,
                account_id,
                name,
            )
            return True

    async def unreact(self, account_id: int, announcement_id: int, name: str) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM announcement_reactions WHERE announcement_id = $1 AND account_id = $2 AND name = $3"
            " RETURNING id",
            announcement_id,
            account_id,
            name,
        )
        return deleted is not None

    async def reactions(self, announcement_ids: Sequence[int]) -> list[ReactionCount]:
        if not announcement_ids:
            return []
        p = Params()
        return reaction_counts(await self.db.fetch(reactions_query(announcement_ids, p), *p.values))

    async def own_reactions(self, account_id: int, announcement_ids: Sequence[int]) -> set[tuple[int, str]]:
        if not announcement_ids:
            return set()
        p = Params(account_id)
        rows = await self.db.fetch(
            "SELECT announcement_id, name FROM announcement_reactions WHERE account_id = $1"
            f" AND announcement_id IN ({in_list(p, announcement_ids)})",
            *p.values,
        )
        return {(row[0], row[1]) for row in rows}
