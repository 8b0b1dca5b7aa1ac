"""What the CustomEmojiStore's SQLite and PostgreSQL adapters share: the columns, a row's emoji."""

from __future__ import annotations

from typing import Any

from rookery.workloads.domain.emojis import CustomEmoji

COLUMNS = "id, shortcode, url, static_url, category, visible_in_picker"


def emoji_of(row: Any) -> CustomEmoji:
    return CustomEmoji(row[0], row[1], row[2], row[3], row[4], bool(row[5]))


def by_shortcode(rows: list[Any]) -> list[CustomEmoji]:
    """Ordered here, not in SQL: the two databases collate text differently."""
    return sorted((emoji_of(row) for row in rows), key=lambda e: e.shortcode)
