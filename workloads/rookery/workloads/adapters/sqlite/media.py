"""Embedded MediaRepository on the shared SQLite database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.media import COLUMNS, focus_columns, meta_json, outcome, processed, row_to_media
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.media import FAILED, Focus, MediaAttachment

MIGRATIONS = load_migrations("media", 1)


def _meta(media: MediaAttachment) -> bytes:
    return meta_json(media)


class SqliteMediaRepository:
    def __init__(self, db: Database, outbox: SqliteOutbox) -> None:
        self.db = db
        self.outbox = outbox

    async def add(self, media: MediaAttachment, events: OutboxEvents = ()) -> None:
        async with self.db.transaction() as tx:
            await self.outbox.append(tx, events)
            await tx.execute(
                f"INSERT INTO media_attachments ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    media.id, media.account_id, media.status_id, media.type, media.content_type, media.file_size,
                    *processed(media), _meta(media), media.error, media.created_at.isoformat(),
                ),
            )
        self.outbox.notify()

    async def get(self, media_id: int) -> MediaAttachment | None:
        row = await self.db.fetchone(f"SELECT {COLUMNS} FROM media_attachments WHERE id = ?", (media_id,))
        return row_to_media(row, SQLITE) if row else None

    async def get_many(self, media_ids: Sequence[int]) -> dict[int, MediaAttachment]:
        if not media_ids:
            return {}
        marks = ",".join("?" * len(media_ids))
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM media_attachments WHERE id IN ({marks})", tuple(media_ids)
        )
        return {row["id"]: row_to_media(row, SQLITE) for row in rows}

    async def record_processing(self, media: MediaAttachment) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE media_attachments SET state = ?, url = ?, preview_url = ?, blurhash = ?, meta = ?,"
                " error = ? WHERE id = ?",
                (*outcome(media), media.id),
            )

    async def describe(self, media_id: int, description: str | None, focus: Focus | None) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE media_attachments SET description = ?, focus_x = ?, focus_y = ? WHERE id = ?",
                (description, *focus_columns(focus), media_id),
            )

    async def attach(self, account_id: int, media_ids: Sequence[int], status_id: int) -> bool:
        if not media_ids:
            return True
        marks = ",".join("?" * len(media_ids))
        try:
            async with self.db.transaction() as tx:
                cursor = await tx.execute(
                    f"UPDATE media_attachments SET status_id = ? WHERE id IN ({marks}) AND account_id = ?"
                    " AND status_id IS NULL AND state != ?",
                    (status_id, *media_ids, account_id, FAILED),
                )
                if cursor.rowcount != len(set(media_ids)):
                    raise _AttachConflict
        except _AttachConflict:
            return False
        return True

    async def for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[MediaAttachment]]:
        if not status_ids:
            return {}
        marks = ",".join("?" * len(status_ids))
        rows = await self.db.fetchall(
            f"SELECT {COLUMNS} FROM media_attachments WHERE status_id IN ({marks}) ORDER BY id",
            tuple(status_ids),
        )
        found: dict[int, list[MediaAttachment]] = {}
        for row in rows:
            found.setdefault(row["status_id"], []).append(row_to_media(row, SQLITE))
        return found

    async def detach(self, status_ids: Sequence[int]) -> int:
        if not status_ids:
            return 0
        marks = ",".join("?" * len(status_ids))
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"UPDATE media_attachments SET status_id = NULL WHERE status_id IN ({marks})",
                tuple(status_ids),
            )
            return int(cursor.rowcount)

    async def unattached_before(self, before: dt.datetime, limit: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT id FROM media_attachments WHERE status_id IS NULL AND created_at < ? ORDER BY id LIMIT ?",
            (before.astimezone(dt.UTC).isoformat(), limit),
        )
        return [row["id"] for row in rows]

    async def delete(self, media_id: int) -> None:
        await self.db.execute("DELETE FROM media_attachments WHERE id = ?", (media_id,))

    async def delete_unattached(self, account_id: int, media_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM media_attachments WHERE id = ? AND account_id = ? AND status_id IS NULL",
                (media_id, account_id),
            )
            return cursor.rowcount > 0


class _AttachConflict(Exception):
    """Raised inside the transaction so it rolls back: some id was not attachable."""
