"""Embedded InteractionStore: favourites, bookmarks and pins, paginated by their own row ids."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.sql.interactions import InteractionTables, viewer_flags
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.statuses import ViewerFlags

MIGRATIONS = load_migrations("posts", 2)


class SqliteInteractionStore(InteractionTables):
    db: Database

    def __init__(self, db: Database, outbox: SqliteOutbox) -> None:
        self.db = db
        self.outbox = outbox
        self.reader = db.inline

    async def _add(self, table: str, account_id: int, status_id: int, events: OutboxEvents = ()) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"INSERT OR IGNORE INTO {table} (account_id, status_id) VALUES (?, ?)",
                (account_id, status_id),
            )
            added = cursor.rowcount > 0
            if added and table == "favourites":
                await tx.execute(
                    "UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = ?", (status_id,)
                )
            if added:
                await self.outbox.append(tx, events)
        if added and events:
            self.outbox.notify()
        return added

    async def _remove(self, table: str, account_id: int, status_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"DELETE FROM {table} WHERE account_id = ? AND status_id = ?", (account_id, status_id)
            )
            removed = cursor.rowcount > 0
            if removed and table == "favourites":
                await tx.execute(
                    "UPDATE statuses SET favourites_count = MAX(favourites_count - 1, 0) WHERE id = ?",
                    (status_id,),
                )
        return removed

    async def pinned_ids(self, account_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT status_id FROM status_pins WHERE account_id = ? ORDER BY id DESC", (account_id,)
        )
        return [row["status_id"] for row in rows]

    async def viewer_flags(self, account_id: int, status_ids: Sequence[int]) -> ViewerFlags:
        if not status_ids:
            return ViewerFlags()
        ids = list(status_ids)
        marks = placeholders(ids)
        rows = self.reader.fetchall(
            f"SELECT 'f' AS kind, status_id FROM favourites WHERE account_id = ? AND status_id IN ({marks})"
            f" UNION ALL SELECT 'b', status_id FROM bookmarks WHERE account_id = ? AND status_id IN ({marks})"
            " UNION ALL SELECT 'p', status_id FROM status_pins"
            f" WHERE account_id = ? AND status_id IN ({marks})"
            " UNION ALL SELECT 'r', reblog_of_id FROM statuses"
            f" WHERE account_id = ? AND reblog_of_id IN ({marks})"
            " UNION ALL SELECT 'm', s.id FROM statuses s JOIN conversation_mutes m"
            " ON m.account_id = ? AND m.conversation_id = COALESCE(s.conversation_id, s.id)"
            f" WHERE s.id IN ({marks})",
            [account_id, *ids] * 5,
        )
        return viewer_flags(rows)
