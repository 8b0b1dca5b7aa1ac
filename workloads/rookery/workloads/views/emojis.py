"""Mastodon's CustomEmoji entity, and the ``emojis`` of Status and Account entities: the custom
emojis their texts write as ``:shortcode:`` (status content and spoiler text; an account's
display name, note and fields)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, Protocol

from rookery.workloads.domain.emojis import CustomEmoji, shortcodes_in


class EmojiLookup(Protocol):
    async def lookup(self, shortcodes: Collection[str]) -> dict[str, CustomEmoji]: ...


def render_emoji(emoji: CustomEmoji) -> dict[str, Any]:
    return {
        "shortcode": emoji.shortcode,
        "url": emoji.url,
        "static_url": emoji.static_url,
        "visible_in_picker": emoji.visible_in_picker,
        "category": emoji.category,
    }


def status_texts(entity: dict[str, Any]) -> list[str]:
    return [entity.get("content") or "", entity.get("spoiler_text") or ""]


def account_texts(entity: dict[str, Any]) -> list[str]:
    fields = entity.get("fields") or []
    return [
        entity.get("display_name") or "",
        entity.get("note") or "",
        *(f.get("name") or "" for f in fields),
        *(f.get("value") or "" for f in fields),
    ]


async def attach_emojis(
    emojis: EmojiLookup | None,
    entities: Sequence[dict[str, Any]],
    texts: Callable[[dict[str, Any]], list[str]],
) -> None:
    """Set each entity's ``emojis`` (one lookup for the batch, none when no text names one)."""
    if emojis is None:
        return
    wanted = [shortcodes_in(*texts(entity)) for entity in entities]
    known = await emojis.lookup({code for codes in wanted for code in codes})
    for entity, codes in zip(entities, wanted, strict=True):
        entity["emojis"] = [render_emoji(known[code]) for code in codes if code in known]
