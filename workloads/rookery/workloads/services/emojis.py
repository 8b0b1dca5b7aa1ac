"""Custom emojis: admins add them (a shortcode and a PNG, GIF or WebP image) and remove them;
everyone reads the list, and the views find the ones a text writes as ``:shortcode:``."""

from __future__ import annotations

from collections.abc import Collection

from rookery.workloads.domain.emojis import (
    CustomEmoji,
    EmojiRejected,
    check_category,
    check_shortcode,
    emoji_content_type,
)
from rookery.workloads.domain.errors import NotFound
from rookery.workloads.ids import new_id
from rookery.workloads.ports.emojis import CustomEmojiStore
from rookery.workloads.ports.media import MediaStore

VARIANT = "original"


class CustomEmojis:
    def __init__(self, store: CustomEmojiStore, files: MediaStore | None) -> None:
        self.store = store
        self.files = files

    async def all(self) -> list[CustomEmoji]:
        return await self.store.all()

    async def add(self, shortcode: object, image: bytes, category: object = None) -> CustomEmoji:
        """Checked in full before anything is written; a shortcode taken meanwhile removes the file."""
        code, group = check_shortcode(shortcode), check_category(category)
        content_type = emoji_content_type(image)
        if any(e.shortcode == code for e in await self.store.all()):
            raise EmojiRejected("Shortcode has already been taken")
        if self.files is None:
            raise EmojiRejected("Custom emoji images need a media store, which this server does not have")
        emoji_id = new_id()
        url = await self.files.put(emoji_id, VARIANT, image, content_type)
        emoji = CustomEmoji(emoji_id, code, url, url, group)
        if not await self.store.add(emoji):
            await self.files.delete(emoji_id)
            raise EmojiRejected("Shortcode has already been taken")
        return emoji

    async def remove(self, emoji_id: int) -> None:
        removed = await self.store.remove(emoji_id)
        if removed is None:
            raise NotFound()
        if self.files is not None:
            await self.files.delete(emoji_id)

    async def lookup(self, shortcodes: Collection[str]) -> dict[str, CustomEmoji]:
        """The custom emojis of these shortcodes that exist (no read when there are none)."""
        if not shortcodes:
            return {}
        return {e.shortcode: e for e in await self.store.all() if e.shortcode in shortcodes}
