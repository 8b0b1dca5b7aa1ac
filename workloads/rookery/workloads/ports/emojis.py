"""Custom emojis (accounts role, beside the instance's content). SQLite embedded; PostgreSQL in
production. The images themselves go to the MediaStore."""

from __future__ import annotations

from typing import Protocol

from rookery.workloads.domain.emojis import CustomEmoji


class CustomEmojiStore(Protocol):
    async def add(self, emoji: CustomEmoji) -> bool:
        """False (nothing stored) when the shortcode is taken."""
        ...

    async def all(self) -> list[CustomEmoji]:
        """By shortcode."""
        ...

    async def remove(self, emoji_id: int) -> CustomEmoji | None: ...
