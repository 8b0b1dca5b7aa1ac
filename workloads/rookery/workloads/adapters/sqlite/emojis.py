"""Embedded CustomEmojiStore on the shared SQLite database."""

from __future__ import annotations

from rookery.workloads.adapters.sql.emojis import COLUMNS, by_shortcode, emoji_of
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.emojis import CustomEmoji

MIGRATIONS = load_migrations("emojis", 1)


class SqliteCustomEmojiStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, emoji: CustomEmoji) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"INSERT OR IGNORE INTO custom_emojis ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (emoji.id, emoji.shortcode, emoji.url, emoji.static_url, emoji.category, int(emoji.visible_in_picker)),
            )
            return cursor.rowcount > 0

    async def all(self) -> list[CustomEmoji]:
        return by_shortcode(await self.db.fetchall(f"SELECT {COLUMNS} FROM custom_emojis"))

    async def remove(self, emoji_id: int) -> CustomEmoji | None:
        sql = f"DELETE FROM custom_emojis WHERE id = ? RETURNING {COLUMNS}"
        async with self.db.transaction() as tx, tx.execute(sql, (emoji_id,)) as cursor:
            row = await cursor.fetchone()
        return emoji_of(row) if row else None
