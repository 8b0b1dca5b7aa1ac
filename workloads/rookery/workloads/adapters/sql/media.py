"""The media_attachments row shape shared by the SQLite and PostgreSQL MediaRepository adapters."""

from __future__ import annotations

from typing import Any

import orjson

from rookery.workloads.adapters.sql.dialect import Dialect
from rookery.workloads.adapters.sql.from_row import same_named
from rookery.workloads.domain.media import Dimensions, Focus, MediaAttachment

COLUMNS = (
    "id, account_id, status_id, type, content_type, file_size, state, description, focus_x, focus_y,"
    " url, preview_url, blurhash, meta, error, created_at"
)


def _dims(raw: Any) -> Dimensions | None:
    return Dimensions(raw["width"], raw["height"]) if raw else None


def row_to_media(row: Any, d: Dialect) -> MediaAttachment:
    """A row (mapping by column name) as a MediaAttachment."""
    meta = orjson.loads(row["meta"])
    return MediaAttachment(
        **same_named(
            row, "id account_id status_id type content_type file_size state description url preview_url blurhash error"
        ),
        focus=Focus(row["focus_x"], row["focus_y"]) if row["focus_x"] is not None else None,
        original=_dims(meta.pop("original", None)),
        small=_dims(meta.pop("small", None)),
        extra_meta=meta,
        created_at=d.time(row["created_at"]),
    )


def processed(media: MediaAttachment) -> tuple[Any, ...]:
    """The columns processing changes, state to blurhash (meta and error follow them in both statements)."""
    focus = media.focus
    return (
        media.state, media.description, focus.x if focus else None, focus.y if focus else None, media.url,
        media.preview_url, media.blurhash,
    )  # fmt: skip


def outcome(media: MediaAttachment) -> tuple[Any, ...]:
    """The columns processing decides, in the order both dialects' UPDATE names them: state, url,
    preview_url, blurhash, meta (without its dialect's encoding), error."""
    return media.state, media.url, media.preview_url, media.blurhash, meta_json(media), media.error


def focus_columns(focus: Focus | None) -> tuple[float | None, float | None]:
    return (focus.x, focus.y) if focus else (None, None)


def meta_json(media: MediaAttachment) -> bytes:
    """The `meta` column: the variants' dimensions plus whatever else processing recorded."""
    meta = dict(media.extra_meta)
    if media.original:
        meta["original"] = {"width": media.original.width, "height": media.original.height}
    if media.small:
        meta["small"] = {"width": media.small.width, "height": media.small.height}
    return orjson.dumps(meta)
