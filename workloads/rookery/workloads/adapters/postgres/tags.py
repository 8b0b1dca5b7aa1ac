"""TagFollowStore on PostgreSQL (migration 0016)."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql.paging import Params, keyset
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id


class PostgresTagFollowStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def follow(self, account_id: int, tag: str) -> None:
        await self.db.execute(
            "INSERT INTO followed_tags (id, account_id, tag) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            new_id(),
            account_id,
            tag.lower(),
        )

    async def unfollow(self, account_id: int, tag: str) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM followed_tags WHERE account_id = $1 AND tag = $2 RETURNING id",
            account_id,
            tag.lower(),
        )
        return deleted is not None

    async def following(self, account_id: int, tags: Sequence[str]) -> set[str]:
        names = sorted({t.lower() for t in tags})
        if not names:
            return set()
        rows = await self.db.fetch(
            "SELECT tag FROM followed_tags WHERE account_id = $1 AND tag = ANY($2::text[])", account_id, names
        )
        return {row["tag"] for row in rows}

    async def followed(self, account_id: int, page: PageRequest) -> list[tuple[int, str]]:
        p = Params(account_id)
        tail = keyset(page, p, ["account_id = $1"])
        rows = await self.db.fetch(f"SELECT id, tag FROM followed_tags {tail}", *p.values)
        return sorted(((row["id"], row["tag"]) for row in rows), reverse=True)
