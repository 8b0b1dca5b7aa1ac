"""Embedded TagFollowStore on the shared SQLite database."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.sql.paging import QmarkParams, keyset
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

MIGRATIONS = load_migrations("tags", 1)


class SqliteTagFollowStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def follow(self, account_id: int, tag: str) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO followed_tags (id, account_id, tag) VALUES (?, ?, ?)",
            (new_id(), account_id, tag.lower()),
        )

    async def unfollow(self, account_id: int, tag: str) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM followed_tags WHERE account_id = ? AND tag = ?", (account_id, tag.lower())
            )
            return cursor.rowcount > 0

    async def following(self, account_id: int, tags: Sequence[str]) -> set[str]:
        names = sorted({t.lower() for t in tags})
        if not names:
            return set()
        rows = await self.db.fetchall(
            f"SELECT tag FROM followed_tags WHERE account_id = ? AND tag IN ({placeholders(names)})",
            (account_id, *names),
        )
        return {row[0] for row in rows}

    async def followed(self, account_id: int, page: PageRequest) -> list[tuple[int, str]]:
        p = QmarkParams(account_id)
        tail = keyset(page, p, ["account_id = ?"])
        rows = await self.db.fetchall(f"SELECT id, tag FROM followed_tags {tail}", p.values)
        return sorted(((row[0], row[1]) for row in rows), reverse=True)
