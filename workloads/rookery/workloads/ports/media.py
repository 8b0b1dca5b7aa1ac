"""Media role: attachment records and their bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Protocol

from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.media import Focus, MediaAttachment


class MediaStore(Protocol):
    """The bytes of attachments, by (media id, variant): "original", "small", "poster", and the
    private "upload" (the raw upload awaiting processing, never served). Local disk in
    `rookery up`, Cloudinary (or S3-compatible) in production."""

    async def put(self, media_id: int, variant: str, data: bytes, content_type: str) -> str:
        """Store a variant; returns its public URL ("" for the private "upload" variant)."""
        ...

    async def get(self, media_id: int, variant: str) -> bytes | None: ...

    async def delete(self, media_id: int, variant: str | None = None) -> None:
        """Remove one variant, or every variant of the attachment when ``variant`` is None."""
        ...


class MediaRepository(Protocol):
    async def add(self, media: MediaAttachment, events: OutboxEvents = ()) -> None: ...

    async def get(self, media_id: int) -> MediaAttachment | None: ...

    async def get_many(self, media_ids: Sequence[int]) -> dict[int, MediaAttachment]: ...

    async def record_processing(self, media: MediaAttachment) -> None:
        """Write what processing decided (state, urls, blurhash, meta, error) and nothing else: a
        description or focus written meanwhile stays."""
        ...

    async def describe(self, media_id: int, description: str | None, focus: Focus | None) -> None:
        """Write the description and focus and nothing else: processing finishing meanwhile stays."""
        ...

    async def attach(self, account_id: int, media_ids: Sequence[int], status_id: int) -> bool:
        """Attach all or none: only the account's own, unattached, not failed attachments."""
        ...

    async def for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[MediaAttachment]]: ...

    async def detach(self, status_ids: Sequence[int]) -> int:
        """Give the media of deleted statuses back to their owners, unattached (Mastodon's
        "delete & redraft" posts them again); returns how many were detached."""
        ...

    async def unattached_before(self, before: datetime.datetime, limit: int) -> list[int]:
        """Ids of attachments no status uses, uploaded before ``before`` (oldest first)."""
        ...

    async def delete(self, media_id: int) -> None: ...

    async def delete_unattached(self, account_id: int, media_id: int) -> bool:
        """Delete ``account_id``'s attachment unless a status carries it; True when deleted."""
        ...
