"""Embedded NotificationFilterStore on the shared SQLite database."""

from __future__ import annotations

from rookery.workloads.adapters.sql.notification_filters import (
    POLICY_COLUMNS,
    forget_empty_requests_query,
    held_of,
    held_query,
    held_recent_query,
    pending_query,
    policy_of,
    policy_values,
    release_query,
    request_of,
    request_query,
    requests_query,
)
from rookery.workloads.adapters.sql.paging import QmarkParams, newest_first
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.notification_policy import NotificationPolicy, NotificationRequest
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

MIGRATIONS = load_migrations("notification_filters", 1)


class SqliteNotificationFilterStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def policy(self, account_id: int) -> NotificationPolicy:
        row = await self.db.fetchone(
            f"SELECT {POLICY_COLUMNS} FROM notification_policies WHERE account_id = ?", (account_id,)
        )
        return policy_of(account_id, row)

    async def save_policy(self, policy: NotificationPolicy) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT OR REPLACE INTO notification_policies (account_id, {POLICY_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?)",
                policy_values(policy),
            )

    async def permitted(self, account_id: int, from_account_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM notification_permissions WHERE account_id = ? AND from_account_id = ?",
            (account_id, from_account_id),
        )
        return row is not None

    async def hold(self, notification: Notification) -> bool:
        n = notification
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR IGNORE INTO notification_requests (id, account_id, from_account_id) VALUES (?, ?, ?)",
                (new_id(), n.account_id, n.from_account_id),
            )
            async with tx.execute(
                "SELECT id FROM notification_requests WHERE account_id = ? AND from_account_id = ?",
                (n.account_id, n.from_account_id),
            ) as cursor:
                request = await cursor.fetchone()
            assert request is not None  # made just above, in this transaction
            cursor = await tx.execute(
                "INSERT OR IGNORE INTO filtered_notifications"
                " (id, request_id, account_id, type, from_account_id, status_id) VALUES (?, ?, ?, ?, ?, ?)",
                (n.id, request["id"], n.account_id, n.type, n.from_account_id, n.status_id or 0),
            )
            return cursor.rowcount > 0

    async def held_recent(
        self,
        account_id: int,
        page: PageRequest,
        types: frozenset[str] | None = None,
        from_account_id: int | None = None,
    ) -> list[Notification]:
        p = QmarkParams()
        rows = await self.db.fetchall(held_recent_query(account_id, page, types, from_account_id, p), p.values)
        return newest_first([held_of(row) for row in rows], page)

    async def release(self, account_id: int, notification_id: int) -> bool:
        p, empty = QmarkParams(), QmarkParams()
        async with self.db.transaction() as tx:
            cursor = await tx.execute(release_query(account_id, notification_id, p), p.values)
            await tx.execute(forget_empty_requests_query(account_id, empty), empty.values)
            return cursor.rowcount > 0

    async def requests(self, account_id: int, page: PageRequest) -> list[NotificationRequest]:
        p = QmarkParams()
        rows = await self.db.fetchall(requests_query(account_id, page, p), p.values)
        return newest_first([request_of(row) for row in rows], page)

    async def request(self, account_id: int, request_id: int) -> NotificationRequest | None:
        p = QmarkParams()
        row = await self.db.fetchone(request_query(account_id, request_id, p), p.values)
        return request_of(row) if row else None

    async def held(self, account_id: int, request_id: int) -> list[Notification]:
        p = QmarkParams()
        return [held_of(row) for row in await self.db.fetchall(held_query(account_id, request_id, p), p.values)]

    async def _forget(self, account_id: int, request_id: int, *, permit: bool) -> bool:
        async with self.db.transaction() as tx:
            async with tx.execute(
                "SELECT from_account_id FROM notification_requests WHERE account_id = ? AND id = ?",
                (account_id, request_id),
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:
                return False
            await tx.execute("DELETE FROM filtered_notifications WHERE request_id = ?", (request_id,))
            await tx.execute("DELETE FROM notification_requests WHERE id = ?", (request_id,))
            if permit:
                await tx.execute(
                    "INSERT OR IGNORE INTO notification_permissions (account_id, from_account_id) VALUES (?, ?)",
                    (account_id, found["from_account_id"]),
                )
            return True

    async def accept(self, account_id: int, request_id: int) -> bool:
        return await self._forget(account_id, request_id, permit=True)

    async def dismiss(self, account_id: int, request_id: int) -> bool:
        return await self._forget(account_id, request_id, permit=False)

    async def pending(self, account_id: int) -> tuple[int, int]:
        p = QmarkParams()
        row = await self.db.fetchone(pending_query(account_id, p), p.values)
        return (row["requests"], row["notifications"]) if row else (0, 0)
