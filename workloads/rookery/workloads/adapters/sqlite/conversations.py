"""Embedded ConversationStore on the shared SQLite database."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.sql import from_row
from rookery.workloads.adapters.sql.paging import QmarkParams, keyset
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

MIGRATIONS = load_migrations("conversations", 1)


_COLUMNS = "id, owner_id, participants, last_status_id, unread"


class SqliteConversationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self, owner_id: int, participants: Sequence[int], status_id: int, *, unread: bool
    ) -> Conversation:
        key = from_row.participants_key(participants)
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                f"SELECT {_COLUMNS} FROM conversations WHERE owner_id = ? AND participants = ?",
                (owner_id, key),
            )
            row = await cursor.fetchone()
            if row is None:
                conversation_id = new_id()
                await tx.execute(
                    "INSERT INTO conversations (id, owner_id, participants, last_status_id, unread)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (conversation_id, owner_id, key, status_id, int(unread)),
                )
            else:
                conversation_id = row["id"]
                cursor = await tx.execute(
                    "SELECT 1 FROM conversation_statuses WHERE conversation_id = ? AND status_id = ?",
                    (conversation_id, status_id),
                )
                if await cursor.fetchone() is None:  # a redelivered event changes nothing
                    await tx.execute(
                        "UPDATE conversations SET last_status_id = MAX(last_status_id, ?),"
                        " unread = CASE WHEN ? THEN 1 ELSE unread END WHERE id = ?",
                        (status_id, int(unread), conversation_id),
                    )
            await tx.execute(
                "INSERT OR IGNORE INTO conversation_statuses (conversation_id, status_id) VALUES (?, ?)",
                (conversation_id, status_id),
            )
            cursor = await tx.execute(
                f"SELECT {_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
            )
            return from_row.conversation(await cursor.fetchone())

    async def remove_status(self, status_id: int) -> list[Conversation]:
        changed = []
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "SELECT conversation_id FROM conversation_statuses WHERE status_id = ?", (status_id,)
            )
            ids = [row[0] for row in await cursor.fetchall()]
            await tx.execute("DELETE FROM conversation_statuses WHERE status_id = ?", (status_id,))
            for conversation_id in ids:
                cursor = await tx.execute(
                    "SELECT MAX(status_id) FROM conversation_statuses WHERE conversation_id = ?",
                    (conversation_id,),
                )
                found = await cursor.fetchone()
                last = found[0] if found is not None else None
                if last is None:
                    await tx.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
                    continue
                await tx.execute(
                    "UPDATE conversations SET last_status_id = ? WHERE id = ?", (last, conversation_id)
                )
                cursor = await tx.execute(
                    f"SELECT {_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
                )
                changed.append(from_row.conversation(await cursor.fetchone()))
        return changed

    async def of_owner(self, owner_id: int, page: PageRequest) -> list[Conversation]:
        p = QmarkParams(owner_id)
        tail = keyset(page, p, ["owner_id = ?"], "last_status_id")
        rows = await self.db.fetchall(f"SELECT {_COLUMNS} FROM conversations {tail}", p.values)
        found = [from_row.conversation(row) for row in rows]
        return sorted(found, key=lambda c: c.last_status_id, reverse=True)

    async def get(self, owner_id: int, conversation_id: int) -> Conversation | None:
        row = await self.db.fetchone(
            f"SELECT {_COLUMNS} FROM conversations WHERE id = ? AND owner_id = ?", (conversation_id, owner_id)
        )
        return from_row.conversation(row) if row is not None else None

    async def mark_read(self, owner_id: int, conversation_id: int) -> Conversation | None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE conversations SET unread = 0 WHERE id = ? AND owner_id = ?",
                (conversation_id, owner_id),
            )
        return await self.get(owner_id, conversation_id)

    async def delete(self, owner_id: int, conversation_id: int) -> bool:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM conversation_statuses WHERE conversation_id IN"
                " (SELECT id FROM conversations WHERE id = ? AND owner_id = ?)",
                (conversation_id, owner_id),
            )
            cursor = await tx.execute(
                "DELETE FROM conversations WHERE id = ? AND owner_id = ?", (conversation_id, owner_id)
            )
            return cursor.rowcount > 0
