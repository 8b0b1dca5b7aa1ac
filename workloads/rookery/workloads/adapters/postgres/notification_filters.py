"""NotificationFilterStore on PostgreSQL (the production store of policies and requests)."""

from __future__ import annotations

from rookery.workloads.adapters.postgres.db import PostgresDatabase
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
from rookery.workloads.adapters.sql.paging import Params, newest_first
from rookery.workloads.domain.notification_policy import FIELDS, NotificationPolicy, NotificationRequest
from rookery.workloads.domain.notifications import Notification
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

_UPDATE = ", ".join(f"{name} = EXCLUDED.{name}" for name in FIELDS)


class PostgresNotificationFilterStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def policy(self, account_id: int) -> NotificationPolicy:
        row = await self.db.fetchrow(
            f"SELECT {POLICY_COLUMNS} FROM notification_policies WHERE account_id = $1", account_id
        )
        return policy_of(account_id, row)

    async def save_policy(self, policy: NotificationPolicy) -> None:
        await self.db.execute(
            f"INSERT INTO notification_policies (account_id, {POLICY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
            f" ON CONFLICT (account_id) DO UPDATE SET {_UPDATE}",
            *policy_values(policy),
        )

    async def permitted(self, account_id: int, from_account_id: int) -> bool:
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM notification_permissions WHERE account_id = $1 AND from_account_id = $2",
                account_id,
                from_account_id,
            )
        )

    async def hold(self, notification: Notification) -> bool:
        n = notification
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO notification_requests (id, account_id, from_account_id) VALUES ($1, $2, $3)"
                " ON CONFLICT (account_id, from_account_id) DO NOTHING",
                new_id(), n.account_id, n.from_account_id,
            )  # fmt: skip
            request_id = await tx.fetchval(
                "SELECT id FROM notification_requests WHERE account_id = $1 AND from_account_id = $2",
                n.account_id,
                n.from_account_id,
            )
            status = await tx.execute(
                "INSERT INTO filtered_notifications (id, request_id, account_id, type, from_account_id, status_id)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                n.id, request_id, n.account_id, n.type, n.from_account_id, n.status_id or 0,
            )  # fmt: skip
            return bool(status.endswith(" 1"))

    async def held_recent(
        self,
        account_id: int,
        page: PageRequest,
        types: frozenset[str] | None = None,
        from_account_id: int | None = None,
    ) -> list[Notification]:
        p = Params()
        rows = await self.db.fetch(held_recent_query(account_id, page, types, from_account_id, p), *p.values)
        return newest_first([held_of(row) for row in rows], page)

    async def release(self, account_id: int, notification_id: int) -> bool:
        p, empty = Params(), Params()
        async with self.db.transaction() as tx:
            status = await tx.execute(release_query(account_id, notification_id, p), *p.values)
            await tx.execute(forget_empty_requests_query(account_id, empty), *empty.values)
            return bool(status.endswith(" 1"))

    async def requests(self, account_id: int, page: PageRequest) -> list[NotificationRequest]:
        p = Params()
        rows = await self.db.fetch(requests_query(account_id, page, p), *p.values)
        return newest_first([request_of(row) for row in rows], page)

    async def request(self, account_id: int, request_id: int) -> NotificationRequest | None:
        p = Params()
        row = await self.db.fetchrow(request_query(account_id, request_id, p), *p.values)
        return request_of(row) if row else None

    async def held(self, account_id: int, request_id: int) -> list[Notification]:
        p = Params()
        return [held_of(row) for row in await self.db.fetch(held_query(account_id, request_id, p), *p.values)]

    async def _forget(self, account_id: int, request_id: int, *, permit: bool) -> bool:
        async with self.db.transaction() as tx:
            sender = await tx.fetchval(
                "DELETE FROM notification_requests WHERE account_id = $1 AND id = $2 RETURNING from_account_id",
                account_id,
                request_id,
            )
            if sender is None:
                return False
            await tx.execute("DELETE FROM filtered_notifications WHERE request_id = $1", request_id)
            if permit:
                await tx.execute(
                    "INSERT INTO notification_permissions (account_id, from_account_id) VALUES ($1, $2)"
                    " ON CONFLICT DO NOTHING",
                    account_id,
                    sender,
                )
            return True

    async def accept(self, account_id: int, request_id: int) -> bool:
        return await self._forget(account_id, request_id, permit=True)

    async def dismiss(self, account_id: int, request_id: int) -> bool:
        return await self._forget(account_id, request_id, permit=False)

    async def pending(self, account_id: int) -> tuple[int, int]:
        p = Params()
        row = await self.db.fetchrow(pending_query(account_id, p), *p.values)
        return (row["requests"], row["notifications"]) if row else (0, 0)
