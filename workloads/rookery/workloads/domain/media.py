"""Media attachments: what an upload is, the rules it must meet, and the Mastodon entity it renders to.

Pure: no Pillow, no I/O. The bytes are sniffed and processed in services/media.py; this module holds
the decisions (which kinds exist, focus points, descriptions, the processing state machine).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar

from rookery.workloads.domain import errors

# attachment types of Mastodon's MediaAttachment entity
IMAGE = "image"
GIFV = "gifv"
VIDEO = "video"
AUDIO = "audio"
UNKNOWN = "unknown"

# processing states
PROCESSING = "processing"
READY = "ready"
FAILED = "failed"

# variants kept in the MediaStore; "upload" is the raw upload, private, deleted once processed
UPLOAD = "upload"
ORIGINAL = "original"
SMALL = "small"

# sniffed container/format -> (attachment type, content type, file extension)
FORMATS: dict[str, tuple[str, str, str]] = {
    "JPEG": (IMAGE, "image/jpeg", ".jpg"),
    "PNG": (IMAGE, "image/png", ".png"),
    "WEBP": (IMAGE, "image/webp", ".webp"),
    "GIF": (IMAGE, "image/gif", ".gif"),
    "MP4": (VIDEO, "video/mp4", ".mp4"),
    "WEBM": (VIDEO, "video/webm", ".webm"),
}
EXTENSIONS = {content_type: ext for _, content_type, ext in FORMATS.values()}

DESCRIPTION_MAX = 1500


class MediaRejected(errors.RuleViolation):
    """An upload or an update that breaks a media rule; the API answers 422 with the message as
    it is (``MediaTooLarge``: 413)."""

    prefixed = False
    status: ClassVar[int] = 422


class MediaTooLarge(errors.TooLarge, MediaRejected):
    """A file over the size limit of its type."""

    status = 413


class MediaNotFound(errors.NotFound):
    """Unknown id, or an attachment of another account (existence is not revealed)."""


class AttachmentRejected(MediaRejected):
    """Media ids of a new status that cannot be attached (unknown, foreign, failed, not ready):
    a status rule, answered ``Validation failed: ...`` like the others."""

    prefixed = True


class MediaAlreadyAttached(AttachmentRejected):
    """The attachment already belongs to a status."""


class MediaInUse(MediaRejected):
    """An attachment a status carries cannot be deleted on its own (delete the status)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Focus:
    x: float = 0.0
    y: float = 0.0

    @classmethod
    def parse(cls, raw: str | None) -> Focus | None:
        """Mastodon's ``focus`` form field: "x,y", each in -1.0..1.0; None when absent."""
        if raw is None or raw.strip() == "":
            return None
        parts = raw.split(",")
        if len(parts) != 2:
            raise MediaRejected("focus must be two comma-separated numbers 'x,y'")
        try:
            x, y = (float(part) for part in parts)
        except ValueError:
            raise MediaRejected("focus must be two comma-separated numbers 'x,y'") from None
        if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
            raise MediaRejected("focus coordinates must be between -1.0 and 1.0")
        return cls(x, y)


def check_description(raw: str | None) -> str | None:
    if raw is None:
        return None
    if len(raw) > DESCRIPTION_MAX:
        raise MediaRejected(f"description is longer than {DESCRIPTION_MAX} characters")
    return raw


@dataclasses.dataclass(frozen=True, slots=True)
class Dimensions:
    width: int
    height: int

    def meta(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "size": f"{self.width}x{self.height}",
            "aspect": round(self.width / self.height, 6) if self.height else None,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class MediaAttachment:
    id: int
    account_id: int
    type: str
    content_type: str  # of the upload, sniffed from its bytes
    file_size: int
    state: str = PROCESSING
    description: str | None = None
    focus: Focus | None = None
    status_id: int | None = None
    url: str | None = None
    preview_url: str | None = None
    blurhash: str | None = None
    original: Dimensions | None = None
    small: Dimensions | None = None
    extra_meta: dict[str, Any] = dataclasses.field(default_factory=dict)  # e.g. video duration
    error: str | None = None
    created_at: dt.datetime = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def processed(self) -> bool:
        return self.state == READY

    def attachable_by(self, account_id: int) -> bool:
        return self.account_id == account_id and self.status_id is None and self.state != FAILED


@dataclasses.dataclass(frozen=True, slots=True)
class MediaChange:
    """One ``media_attributes[]`` entry of a status edit: new alt text and/or focus (None: unchanged)."""

    media_id: int
    description: str | None = None
    focus: str | None = None


def revise(attachments: Sequence[MediaAttachment], changes: Sequence[MediaChange]) -> list[MediaAttachment]:
    """The attachments of an edit, in their order, with its changes applied. A change for media the
    edit does not keep, a too long description or a bad focus is rejected."""
    by_id = {media.id: media for media in attachments}
    for change in changes:
        media = by_id.get(change.media_id)
        if media is None:
            raise AttachmentRejected(f"media {change.media_id} is not one of the status's media_ids")
        fields: dict[str, Any] = {}
        if change.description is not None:
            fields["description"] = check_description(change.description) or None
        if (focus := Focus.parse(change.focus)) is not None:
            fields["focus"] = focus
        by_id[media.id] = dataclasses.replace(media, **fields)
    return [by_id[media.id] for media in attachments]


def render(media: MediaAttachment) -> dict[str, Any]:
    """Mastodon's MediaAttachment entity; ``url`` stays null until processing finished."""
    # extra keys "original_<name>" (e.g. a video's duration) belong inside meta.original
    meta: dict[str, Any] = {k: v for k, v in media.extra_meta.items() if not k.startswith("original_")}
    if media.original is not None:
        extra = {
            k.removeprefix("original_"): v for k, v in media.extra_meta.items() if k.startswith("original_")
        }
        meta["original"] = {**media.original.meta(), **extra}
    if media.small is not None:
        meta["small"] = media.small.meta()
    if media.focus is not None:
        meta["focus"] = {"x": media.focus.x, "y": media.focus.y}
    return {
        "id": str(media.id),
        "type": media.type,
        "url": media.url if media.processed else None,
        "preview_url": media.preview_url if media.processed else None,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description,
        "blurhash": media.blurhash,
    }


# OpenAPI description of the entity (routes document it through ``responses=``)
MEDIA_ATTACHMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "MediaAttachment",
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string", "enum": [IMAGE, GIFV, VIDEO, AUDIO, UNKNOWN]},
        "url": {"type": "string", "nullable": True, "description": "null while processing"},
        "preview_url": {"type": "string", "nullable": True},
        "remote_url": {"type": "string", "nullable": True},
        "preview_remote_url": {"type": "string", "nullable": True},
        "text_url": {"type": "string", "nullable": True},
        "meta": {
            "type": "object",
            "description": "original {width, height, size, aspect}, small {...}, focus {x, y}",
        },
        "description": {"type": "string", "nullable": True},
        "blurhash": {"type": "string", "nullable": True},
    },
}
