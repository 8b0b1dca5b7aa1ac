"""Embedded ConversationMuteStore: the conversations (thread root ids) an account muted; the table
comes with the posts migrations (statuses.py, version 3), as the viewer flags join it."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.sqlite.db import Database


class SqliteConversationMuteStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def mute(self, account_id: int, conversation_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT OR IGNORE INTO conversation_mutes (account_id, conversation_id) VALUES (?, ?)",
                (account_id, conversation_id),
            )

    async def unmute(self, account_id: int, conversation_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM conversation_mutes WHERE account_id = ? AND conversation_id = ?",
                (account_id, conversation_id),
            )

    async def muted(self, account_id: int, conversation_ids: Sequence[int]) -> set[int]:
        ids = list(set(conversation_ids))
        if not ids:
            return set()
        rows = await self.db.fetchall(
            "SELECT conversation_id FROM conversation_mutes"
            f" WHERE account_id = ? AND conversation_id IN ({','.join('?' * len(ids))})",
            (account_id, *ids),
        )
        return {row["conversation_id"] for row in rows}
