"""ConversationStore on PostgreSQL (migration 0006). Recording takes a row lock on the owner's
conversation (INSERT ... ON CONFLICT), so concurrent deliveries to one owner serialise."""

from __future__ import annotations

from collections.abc import Sequence

from rookery.workloads.adapters.postgres.db import PostgresDatabase
from rookery.workloads.adapters.sql import from_row
from rookery.workloads.adapters.sql.paging import Params, keyset
from rookery.workloads.domain.conversations import Conversation
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id

_COLUMNS = "id, owner_id, participants, last_status_id, unread"


class PostgresConversationStore:
    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    async def record(
        self, owner_id: int, participants: Sequence[int], status_id: int, *, unread: bool
    ) -> Conversation:
        async with self.db.transaction() as tx:
            conversation_id = await tx.fetchval(
                "INSERT INTO conversations (id, owner_id, participants, last_status_id, unread)"
                " VALUES ($1, $2, $3, $4, false)"
                " ON CONFLICT (owner_id, participants) DO UPDATE SET owner_id = excluded.owner_id"
                " RETURNING id",
                new_id(),
                owner_id,
                from_row.participants_key(participants),
                status_id,
            )
            added = await tx.fetchval(
                "INSERT INTO conversation_statuses (conversation_id, status_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING RETURNING status_id",
                conversation_id,
                status_id,
            )
            if added is not None:  # a redelivered event changes nothing
                await tx.execute(
                    "UPDATE conversations SET last_status_id = GREATEST(last_status_id, $2),"
                    " unread = unread OR $3 WHERE id = $1",
                    conversation_id,
                    status_id,
                    unread,
                )
            row = await tx.fetchrow(f"SELECT {_COLUMNS} FROM conversations WHERE id = $1", conversation_id)
        return from_row.conversation(row)

    async def remove_status(self, status_id: int) -> list[Conversation]:
        changed = []
        async with self.db.transaction() as tx:
            ids = [
                r["conversation_id"]
                for r in await tx.fetch(
                    "DELETE FROM conversation_statuses WHERE status_id = $1 RETURNING conversation_id",
                    status_id,
                )
            ]
            for conversation_id in ids:
                last = await tx.fetchval(
                    "SELECT max(status_id) FROM conversation_statuses WHERE conversation_id = $1",
                    conversation_id,
                )
                if last is None:
                    await tx.execute("DELETE FROM conversations WHERE id = $1", conversation_id)
                    continue
                row = await tx.fetchrow(
                    f"UPDATE conversations SET last_status_id = $2 WHERE id = $1 RETURNING {_COLUMNS}",
                    conversation_id,
                    last,
                )
                changed.append(from_row.conversation(row))
        return changed

    async def of_owner(self, owner_id: int, page: PageRequest) -> list[Conversation]:
        p = Params(owner_id)
        tail = keyset(page, p, ["owner_id = $1"], "last_status_id")
        rows = await self.db.fetch(f"SELECT {_COLUMNS} FROM conversations {tail}", *p.values)
        return sorted((from_row.conversation(r) for r in rows), key=lambda c: c.last_status_id, reverse=True)

    async def get(self, owner_id: int, conversation_id: int) -> Conversation | None:
        row = await self.db.fetchrow(
            f"SELECT {_COLUMNS} FROM conversations WHERE id = $1 AND owner_id = $2", conversation_id, owner_id
        )
        return from_row.conversation(row) if row is not None else None

    async def mark_read(self, owner_id: int, conversation_id: int) -> Conversation | None:
        row = await self.db.fetchrow(
            f"UPDATE conversations SET unread = false WHERE id = $1 AND owner_id = $2 RETURNING {_COLUMNS}",
            conversation_id,
            owner_id,
        )
        return from_row.conversation(row) if row is not None else None

    async def delete(self, owner_id: int, conversation_id: int) -> bool:
        deleted = await self.db.fetchval(
            "DELETE FROM conversations WHERE id = $1 AND owner_id = $2 RETURNING id",
            conversation_id,
            owner_id,
        )
        return deleted is not None
