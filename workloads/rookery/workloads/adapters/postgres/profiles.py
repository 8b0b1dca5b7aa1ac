"""ProfileStore on PostgreSQL (migration 0070)."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.domain.profiles import FeaturedTag, ProfileRuleError
from rookery.workloads.ids import new_id


class PostgresProfileStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def set_note(self, account_id: int, target_id: int, comment: str) -> None:
        if not comment:
            await self.db.execute(
                "DELETE FROM account_notes WHERE account_id = $1 AND target_id = $2", account_id, target_id
            )
            return
        await self.db.execute(
            "INSERT INTO account_notes (account_id, target_id, comment) VALUES ($1, $2, $3)"
            " ON CONFLICT (account_id, target_id) DO UPDATE SET comment = EXCLUDED.comment",
            account_id,
            target_id,
            comment,
        )

    async def notes(self, account_id: int, target_ids: Sequence[int]) -> dict[int, str]:
        if not target_ids:
            return {}
        rows = await self.db.fetch(
            "SELECT target_id, comment FROM account_notes WHERE account_id = $1 AND target_id = ANY($2::bigint[])",
            account_id,
            list(set(target_ids)),
        )
        return {row["target_id"]: row["comment"] for row in rows}

    async def endorse(self, account_id: int, target_id: int) -> bool:
        added = await self.db.fetchval(
            "INSERT INTO endorsements (id, account_id, target_id) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING id",
            new_id(),
            account_id,
            target_id,
        )
        return added is not None

    async def unendorse(self, account_id: int, target_id: int) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM endorsements WHERE account_id = $1 AND target_id = $2 RETURNING id", account_id, target_id
        )
        return deleted is not None

    async def endorsed_among(self, account_id: int, target_ids: Sequence[int]) -> set[int]:
        if not target_ids:
            return set()
        rows = await self.db.fetch(
            "SELECT target_id FROM endorsements WHERE account_id = $1 AND target_id = ANY($2::bigint[])",
            account_id,
            list(set(target_ids)),
        )
        return {row["target_id"] for row in rows}

    async def endorsements(self, account_id: int, page: PageRequest) -> list[tuple[int, int]]:
        return await self.db.id_pairs("endorsements", "account_id", account_id, "target_id", page)

    async def feature_tag(self, account_id: int, name: str, limit: int) -> FeaturedTag:
        tag = FeaturedTag(new_id(), account_id, name)
        async with self.db.transaction() as tx:
            # one writer per account at a time, so the count below holds until the insert commits
            await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended('featured_tags', $1))", account_id)
            row = await tx.fetchrow(
                "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE name = $2) AS same"
                " FROM featured_tags WHERE account_id = $1",
                account_id,
                name,
            )
            if row is not None and row["same"]:
                raise ProfileRuleError("Name has already been taken")
            if row is not None and row["n"] >= limit:
                raise ProfileRuleError(f"You can only feature up to {limit} hashtags")
            await tx.execute(
                "INSERT INTO featured_tags (id, account_id, name) VALUES ($1, $2, $3)", tag.id, account_id, name
            )
        return tag

    async def featured_tags(self, account_id: int) -> list[FeaturedTag]:
        rows = await self.db.fetch("SELECT id, name FROM featured_tags WHERE account_id = $1 ORDER BY id", account_id)
        return [FeaturedTag(row["id"], account_id, row["name"]) for row in rows]

    async def unfeature_tag(self, account_id: int, tag_id: int) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM featured_tags WHERE account_id = $1 AND id = $2 RETURNING id", account_id, tag_id
        )
        return deleted is not None

    async def dismiss_suggestion(self, account_id: int, target_id: int) -> None:
        await self.db.execute(
            "INSERT INTO dismissed_suggestions (account_id, target_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            target_id,
        )

    async def dismissed_suggestions(self, account_id: int) -> set[int]:
        rows = await self.db.fetch("SELECT target_id FROM dismissed_suggestions WHERE account_id = $1", account_id)
        return {row["target_id"] for row in rows}
