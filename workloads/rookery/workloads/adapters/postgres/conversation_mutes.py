"""ConversationMuteStore on PostgreSQL (migration 0021)."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.postgres.db import PostgresDatabase


class PostgresConversationMuteStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def mute(self, account_id: int, conversation_id: int) -> None:
        await self.db.execute(
            "INSERT INTO conversation_mutes (account_id, conversation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            conversation_id,
        )

    async def unmute(self, account_id: int, conversation_id: int) -> None:
        await self.db.execute(
            "DELETE FROM conversation_mutes WHERE account_id = $1 AND conversation_id = $2",
            account_id,
            conversation_id,
        )

    async def muted(self, account_id: int, conversation_ids: Sequence[int]) -> set[int]:
        if not conversation_ids:
            return set()
        rows = await self.db.fetch(
            "SELECT conversation_id FROM conversation_mutes"
            " WHERE account_id = $1 AND conversation_id = ANY($2::bigint[])",
            account_id,
            list(set(conversation_ids)),
        )
        return {row["conversation_id"] for row in rows}
