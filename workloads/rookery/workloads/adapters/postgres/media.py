"""MediaRepository on PostgreSQL: attachment records; an upload and its outbox row commit together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.postgres.outbox import PostgresOutbox
from rookery.workloads.adapters.sql.dialect import POSTGRES
from rookery.workloads.adapters.sql.media import COLUMNS, focus_columns, meta_json, outcome, processed, row_to_media
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.media import FAILED, Focus, MediaAttachment


def _meta(media: MediaAttachment) -> str:
    return meta_json(media).decode()


class PostgresMediaRepository:
    def __init__(self, db: PostgresDatabase, outbox: PostgresOutbox) -> None:
        self.db = db
        self.outbox = outbox

    async def add(self, media: MediaAttachment, events: OutboxEvents = ()) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO media_attachments ({COLUMNS}) VALUES"
                " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                media.id, media.account_id, media.status_id, media.type, media.content_type, media.file_size,
                *processed(media), _meta(media), media.error, media.created_at,
            )  # fmt: skip
            await self.outbox.append(tx, events)
        self.outbox.notify()

    async def get(self, media_id: int) -> MediaAttachment | None:
        row = await self.db.fetchrow(f"SELECT {COLUMNS} FROM media_attachments WHERE id = $1", media_id)
        return row_to_media(row, POSTGRES) if row else None

    async def get_many(self, media_ids: Sequence[int]) -> dict[int, MediaAttachment]:
        if not media_ids:
            return {}
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM media_attachments WHERE id = ANY($1::bigint[])", list(set(media_ids))
        )
        return {row["id"]: row_to_media(row, POSTGRES) for row in rows}

    async def record_processing(self, media: MediaAttachment) -> None:
        state, url, preview_url, blurhash, meta, error = outcome(media)
        await self.db.execute(
            "UPDATE media_attachments SET state = $2, url = $3, preview_url = $4, blurhash = $5, meta = $6,"
            " error = $7 WHERE id = $1",
            media.id, state, url, preview_url, blurhash, meta.decode(), error,
        )  # fmt: skip

    async def describe(self, media_id: int, description: str | None, focus: Focus | None) -> None:
        await self.db.execute(
            "UPDATE media_attachments SET description = $2, focus_x = $3, focus_y = $4 WHERE id = $1",
            media_id, description, *focus_columns(focus),
        )  # fmt: skip

    async def attach(self, account_id: int, media_ids: Sequence[int], status_id: int) -> bool:
        ids = list(set(media_ids))
        if not ids:
            return True
        try:
            async with self.db.transaction() as tx:
                attached = await tx.fetch(
                    "UPDATE media_attachments SET status_id = $1 WHERE id = ANY($2::bigint[])"
                    " AND account_id = $3 AND status_id IS NULL AND state != $4 RETURNING id",
                    status_id,
                    ids,
                    account_id,
                    FAILED,
                )
                if len(attached) != len(ids):  # all or none
                    raise _AttachConflict
        except _AttachConflict:
            return False
        return True

    async def detach(self, status_ids: Sequence[int]) -> int:
        if not status_ids:
            return 0
        async with self.db.transaction() as tx:
            detached = await tx.fetch(
                "UPDATE media_attachments SET status_id = NULL WHERE status_id = ANY($1::bigint[])"
                " RETURNING id",
                list(status_ids),
            )
        return len(detached)

    async def unattached_before(self, before: dt.datetime, limit: int) -> list[int]:
        rows = await self.db.fetch(
            "SELECT id FROM media_attachments WHERE status_id IS NULL AND created_at < $1"
            " ORDER BY id LIMIT $2",
            before,
            limit,
        )
        return [row["id"] for row in rows]

    async def for_statuses(self, status_ids: Sequence[int]) -> dict[int, list[MediaAttachment]]:
        if not status_ids:
            return {}
        rows = await self.db.fetch(
            f"SELECT {COLUMNS} FROM media_attachments WHERE status_id = ANY($1::bigint[]) ORDER BY id",
            list(status_ids),
        )
        found: dict[int, list[MediaAttachment]] = {}
        for row in rows:
            found.setdefault(row["status_id"], []).append(row_to_media(row, POSTGRES))
        return found

    async def delete(self, media_id: int) -> None:
        await self.db.execute("DELETE FROM media_attachments WHERE id = $1", media_id)

    async def delete_unattached(self, account_id: int, media_id: int) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM media_attachments WHERE id = $1 AND account_id = $2 AND status_id IS NULL RETURNING id",
            media_id,
            account_id,
        )
        return deleted is not None


class _AttachConflict(Exception):
    """Raised inside the transaction so it rolls back: some id was not attachable."""
