"""Embedded NotificationStore on the shared SQLite database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.sql.paging import QmarkParams, keyset, newest_first
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.statuses import placeholders
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest

MIGRATIONS = load_migrations("notifications", 1)


def _row(row: Any) -> Notification:
    return Notification(
        row["id"], row["account_id"], row["type"], row["from_account_id"], row["status_id"] or None
    )


class SqliteNotificationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, notification: Notification) -> bool:
        n = notification
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO notifications (id, account_id, type, from_account_id, status_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (n.id, n.account_id, n.type, n.from_account_id, n.status_id or 0),
            )
            return cursor.rowcount > 0

    async def recent(
        self,
        account_id: int,
        page: PageRequest,
        types: frozenset[str] | None = None,
        from_account_id: int | None = None,
    ) -> list[Notification]:
        clauses, params = ["account_id = ?"], [account_id]
        if types is not None:
            if not types:
                return []
            clauses.append(f"type IN ({placeholders(sorted(types))})")
            params.extend(sorted(types))  # type: ignore[arg-type]
        if from_account_id is not None:
            clauses.append("from_account_id = ?")
            params.append(from_account_id)
        p = QmarkParams(*params)
        rows = await self.db.fetchall(f"SELECT * FROM notifications {keyset(page, p, clauses)}", p.values)
        return newest_first([_row(row) for row in rows], page)

    async def get(self, account_id: int, notification_id: int) -> Notification | None:
        row = await self.db.fetchone(
            "SELECT * FROM notifications WHERE id = ? AND account_id = ?", (notification_id, account_id)
        )
        return _row(row) if row else None

    async def dismiss(self, account_id: int, notification_id: int) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM notifications WHERE id = ? AND account_id = ?", (notification_id, account_id)
            )
            return cursor.rowcount > 0

    async def clear(self, account_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM notifications WHERE account_id = ?", (account_id,))

    async def remove_for_statuses(self, status_ids: Sequence[int]) -> None:
        if not status_ids:
            return
        async with self.db.transaction() as tx:
            await tx.execute(
                f"DELETE FROM notifications WHERE status_id IN ({placeholders(status_ids)})", list(status_ids)
            )
