"""Embedded PushSubscriptionStore on the shared SQLite database."""

from __future__ import annotations

from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import SQLITE
from rookery.workloads.adapters.sql.to_row import PUSH_COLUMNS
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.push import PushSubscription

MIGRATIONS = load_migrations("push", 1, 2)

class SqlitePushSubscriptionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, subscription: PushSubscription) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                f"INSERT INTO push_subscriptions ({PUSH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (token_id) DO UPDATE SET id = excluded.id, endpoint = excluded.endpoint,"
                " p256dh = excluded.p256dh, auth = excluded.auth, alerts = excluded.alerts,"
                " policy = excluded.policy, created_at = excluded.created_at, standard = excluded.standard",
                to_row.push_subscription(subscription, SQLITE),
            )

    async def get(self, token_id: str) -> PushSubscription | None:
        row = await self.db.fetchone(
            f"SELECT {PUSH_COLUMNS} FROM push_subscriptions WHERE token_id = ?", (token_id,)
        )
        return from_row.push_subscription(row, SQLITE) if row else None

    async def delete(self, token_id: str) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (token_id,))
            return bool(cursor.rowcount)

    async def delete_by_id(self, subscription_id: int) -> None:
        await self.db.execute("DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,))

    async def for_account(self, account_id: int) -> list[PushSubscription]:
        rows = await self.db.fetchall(
            f"SELECT {PUSH_COLUMNS} FROM push_subscriptions WHERE account_id = ? ORDER BY id", (account_id,)
        )
        return [from_row.push_subscription(row, SQLITE) for row in rows]
