"""CustomEmojiStore on PostgreSQL (migration 0071)."""

from __future__ import annotations

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql.emojis import COLUMNS, by_shortcode, emoji_of
from rookery.workloads.domain.emojis import CustomEmoji


class PostgresCustomEmojiStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def add(self, emoji: CustomEmoji) -> bool:
        added = await self.db.fetchval(
            f"INSERT INTO custom_emojis ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (shortcode) DO NOTHING RETURNING id",
            emoji.id,
            emoji.shortcode,
            emoji.url,
            emoji.static_url,
            emoji.category,
            emoji.visible_in_picker,
        )
        return added is not None

    async def all(self) -> list[CustomEmoji]:
        return by_shortcode(await self.db.fetch(f"SELECT {COLUMNS} FROM custom_emojis"))

    async def remove(self, emoji_id: int) -> CustomEmoji | None:
        row = await self.db.fetchrow(f"DELETE FROM custom_emojis WHERE id = $1 RETURNING {COLUMNS}", emoji_id)
        return emoji_of(row) if row else None
