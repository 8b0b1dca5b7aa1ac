"""Embedded ProfileStore on the shared SQLite database."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.profiles import FeaturedTag, ProfileRuleError
from rookery.workloads.ids import new_id

MIGRATIONS = load_migrations("profiles", 1)


class SqliteProfileStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def set_note(self, account_id: int, target_id: int, comment: str) -> None:
        if not comment:
            await self.db.execute(
                "DELETE FROM account_notes WHERE account_id = ? AND target_id = ?", (account_id, target_id)
            )
            return
        await self.db.execute(
            "INSERT INTO account_notes (account_id, target_id, comment) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, target_id) DO UPDATE SET comment = excluded.comment",
            (account_id, target_id, comment),
        )

    async def notes(self, account_id: int, target_ids: Sequence[int]) -> dict[int, str]:
        ids = list(dict.fromkeys(target_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT target_id, comment FROM account_notes WHERE account_id = ? AND target_id IN ({placeholders(ids)})",
            (account_id, *ids),
        )
        return {row[0]: row[1] for row in rows}

    async def endorse(self, account_id: int, target_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO endorsements (id, account_id, target_id) VALUES (?, ?, ?)",
                (new_id(), account_id, target_id),
            )
            return cursor.rowcount > 0

    async def unendorse(self, account_id: int, target_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM endorsements WHERE account_id = ? AND target_id = ?", (account_id, target_id)
            )
            return cursor.rowcount > 0

    async def endorsed_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]:
        ids = list(dict.fromkeys(target_ids))
        if not ids:
            return set()
        rows = await self.db.fetchall(
            f"SELECT target_id FROM endorsements WHERE account_id = ? AND target_id IN ({placeholders(ids)})",
            (account_id, *ids),
        )
        return {row[0] for row in rows}

    async def endorsements(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("endorsements", "account_id", account_id, "target_id", page)

    async def feature_tag(self, account_id: int, name: str, limit: int) -> FeaturedTag:
        tag = FeaturedTag(new_id(), account_id, name)
        async with self.db.transaction() as tx:  # BEGIN IMMEDIATE: the count and the insert are one
            async with tx.execute(
                "SELECT COUNT(*), SUM(name = ?) FROM featured_tags WHERE account_id = ?", (name, account_id)
            ) as cursor:
                count, same = await cursor.fetchone() or (0, 0)
            if same:
                raise ProfileRuleError("Name has already been taken")
            if count >= limit:
                raise ProfileRuleError(f"You can only feature up to {limit} hashtags")
            await tx.execute(
                "INSERT INTO featured_tags (id, account_id, name) VALUES (?, ?, ?)", (tag.id, account_id, name)
            )
        return tag

    async def featured_tags(self, account_id: int) -> list[FeaturedTag]:
        rows = await self.db.fetchall(
            "SELECT id, name FROM featured_tags WHERE account_id = ? ORDER BY id", (account_id,)
        )
        return [FeaturedTag(row[0], account_id, row[1]) for row in rows]

    async def unfeature_tag(self, account_id: int, tag_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM featured_tags WHERE account_id = ? AND id = ?", (account_id, tag_id))
            return cursor.rowcount > 0

    async def dismiss_suggestion(self, account_id: int, target_id: int) -> None:
        await self.db.execute(
            "INSERT OR IGNORE INTO dismissed_suggestions (account_id, target_id) VALUES (?, ?)",
            (account_id, target_id),
        )

    async def dismissed_suggestions(self, account_id: int) -> set[int]:
        rows = await self.db.fetchall("SELECT target_id FROM dismissed_suggestions WHERE account_id = ?", (account_id,))
        return {row[0] for row in rows}
