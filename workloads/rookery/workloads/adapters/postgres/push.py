"""PushSubscriptionStore on PostgreSQL: Web Push subscriptions, one per access token."""

from __future__ import annotations

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql import from_row, to_row
from rookery.workloads.adapters.sql.dialect import POSTGRES
from rookery.workloads.adapters.sql.to_row import PUSH_COLUMNS
from rookery.workloads.domain.push import PushSubscription


class PostgresPushSubscriptionStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def put(self, subscription: PushSubscription) -> None:
        await self.db.execute(
            f"INSERT INTO push_subscriptions ({PUSH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " ON CONFLICT (token_id) DO UPDATE SET id = excluded.id, endpoint = excluded.endpoint,"
            " p256dh = excluded.p256dh, auth = excluded.auth, alerts = excluded.alerts,"
            " policy = excluded.policy, created_at = excluded.created_at, standard = excluded.standard",
            *to_row.push_subscription(subscription, POSTGRES),
        )

    async def get(self, token_id: str) -> PushSubscription | None:
        row = await self.db.fetchrow(
            f"SELECT {PUSH_COLUMNS} FROM push_subscriptions WHERE token_id = $1", token_id
        )
        return from_row.push_subscription(row, POSTGRES) if row else None

    async def delete(self, token_id: str) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM push_subscriptions WHERE token_id = $1 RETURNING id", token_id
        )
        return deleted is not None

    async def delete_by_id(self, subscription_id: int) -> None:
        await self.db.execute("DELETE FROM push_subscriptions WHERE id = $1", subscription_id)

    async def for_account(self, account_id: int) -> list[PushSubscription]:
        rows = await self.db.fetch(
            f"SELECT {PUSH_COLUMNS} FROM push_subscriptions WHERE account_id = $1 ORDER BY id", account_id
        )
        return [from_row.push_subscription(row, POSTGRES) for row in rows]
