"""Embedded MessageStore on the shared SQLite database (Cassandra in production)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.sql.paging import QmarkParams, keyset, newest_first
from rookery.workloads.adapters.sqlite.db import Database, load_migrations
from rookery.workloads.adapters.sqlite.outbox import SqliteOutbox
from rookery.workloads.domain.chats import DIRECT, OWNER, Chat, ChatMember, ChatMessage
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.pagination import PageRequest

MIGRATIONS = load_migrations("messaging", 1)

_CHAT = "c.id, c.type, c.owner_id, c.title, c.created_at, c.updated_at, c.last_message_id"


def _direct_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


def _chat(row: Any) -> Chat:
    return Chat(
        id=row["id"],
        type=row["type"],
        owner_id=row["owner_id"],
        title=row["title"],
        created_at=dt.datetime.fromisoformat(row["created_at"]),
        updated_at=dt.datetime.fromisoformat(row["updated_at"]),
        last_message_id=row["last_message_id"],
    )


def _member(row: Any) -> ChatMember:
    return ChatMember(
        chat_id=row["chat_id"],
        account_id=row["account_id"],
        role=row["role"],
        joined_at=dt.datetime.fromisoformat(row["joined_at"]),
        last_read_id=row["last_read_id"],
    )


def _message(row: Any) -> ChatMessage:
    return ChatMessage(
        id=row["id"],
        chat_id=row["chat_id"],
        account_id=row["account_id"],
        text=row["text"],
        created_at=dt.datetime.fromisoformat(row["created_at"]),
    )


class SqliteMessageStore:
    def __init__(self, db: Database, outbox: SqliteOutbox) -> None:
        self.db = db
        self.outbox = outbox

    async def create_chat(self, chat: Chat, members: Sequence[ChatMember], events: OutboxEvents = ()) -> bool:
        direct_key = (
            _direct_key(members[0].account_id, members[1].account_id) if chat.type == DIRECT else None
        )
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO chats (id, type, owner_id, title, direct_key, created_at, updated_at,"
                " last_message_id, activity_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (direct_key) DO NOTHING",
                (
                    chat.id,
                    chat.type,
                    chat.owner_id,
                    chat.title,
                    direct_key,
                    chat.created_at.isoformat(),
                    chat.updated_at.isoformat(),
                    chat.last_message_id,
                    chat.activity_id,
                ),
            )
            if cursor.rowcount == 0:  # the pair's direct chat was created concurrently
                return False
            await self._insert_members(tx, members)
            await self.outbox.append(tx, events)
        self.outbox.notify()
        return True

    async def _insert_members(self, tx: Any, members: Sequence[ChatMember]) -> None:
        await tx.executemany(
            "INSERT OR IGNORE INTO chat_members (chat_id, account_id, role, joined_at, last_read_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [(m.chat_id, m.account_id, m.role, m.joined_at.isoformat(), m.last_read_id) for m in members],
        )

    async def get_chat(self, chat_id: int) -> Chat | None:
        row = await self.db.fetchone(f"SELECT {_CHAT} FROM chats c WHERE c.id = ?", (chat_id,))
        return _chat(row) if row else None

    async def direct_chat(self, account_id: int, other_id: int) -> Chat | None:
        row = await self.db.fetchone(
            f"SELECT {_CHAT} FROM chats c WHERE c.direct_key = ?", (_direct_key(account_id, other_id),)
        )
        return _chat(row) if row else None

    async def update_chat(self, chat: Chat) -> None:
        await self.db.execute(
            "UPDATE chats SET title = ?, owner_id = ?, updated_at = ? WHERE id = ?",
            (chat.title, chat.owner_id, chat.updated_at.isoformat(), chat.id),
        )

    async def delete_chat(self, chat_id: int, events: OutboxEvents = ()) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM chat_messages WHERE chat_id = ?", (chat_id,))
            await tx.execute("DELETE FROM chat_members WHERE chat_id = ?", (chat_id,))
            await tx.execute("DELETE FROM chats WHERE id = ?", (chat_id,))
            await self.outbox.append(tx, events)
        self.outbox.notify()

    async def chats_of(self, account_id: int, page: PageRequest) -> list[Chat]:
        p = QmarkParams(account_id)
        tail = keyset(page, p, ["m.account_id = ?"], "c.activity_id")
        rows = await self.db.fetchall(
            f"SELECT {_CHAT} FROM chat_members m JOIN chats c ON c.id = m.chat_id {tail}", p.values
        )
        return newest_first([_chat(row) for row in rows], page)

    async def members(self, chat_id: int) -> list[ChatMember]:
        return (await self.members_of([chat_id])).get(chat_id, [])

    async def members_of(self, chat_ids: Sequence[int]) -> dict[int, list[ChatMember]]:
        if not chat_ids:
            return {}
        marks = ",".join("?" * len(chat_ids))
        rows = await self.db.fetchall(
            f"SELECT chat_id, account_id, role, joined_at, last_read_id FROM chat_members"
            f" WHERE chat_id IN ({marks}) ORDER BY chat_id, joined_at, account_id",
            tuple(chat_ids),
        )
        found: dict[int, list[ChatMember]] = {}
        for row in rows:
            found.setdefault(row["chat_id"], []).append(_member(row))
        return found

    async def member(self, chat_id: int, account_id: int) -> ChatMember | None:
        row = await self.db.fetchone(
            "SELECT chat_id, account_id, role, joined_at, last_read_id FROM chat_members"
            " WHERE chat_id = ? AND account_id = ?",
            (chat_id, account_id),
        )
        return _member(row) if row else None

    async def add_members(
        self, chat_id: int, members: Sequence[ChatMember], events: OutboxEvents = ()
    ) -> None:
        async with self.db.transaction() as tx:
            await self._insert_members(tx, members)
            await self.outbox.append(tx, events)
        self.outbox.notify()

    async def remove_member(
        self, chat_id: int, account_id: int, new_owner: int | None = None, events: OutboxEvents = ()
    ) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM chat_members WHERE chat_id = ? AND account_id = ?", (chat_id, account_id)
            )
            if new_owner is not None:
                await tx.execute(
                    "UPDATE chat_members SET role = ? WHERE chat_id = ? AND account_id = ?",
                    (OWNER, chat_id, new_owner),
                )
                await tx.execute("UPDATE chats SET owner_id = ? WHERE id = ?", (new_owner, chat_id))
            await self.outbox.append(tx, events)
        self.outbox.notify()

    async def add_message(self, message: ChatMessage, events: OutboxEvents = ()) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chat_messages (id, chat_id, account_id, text, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    message.id,
                    message.chat_id,
                    message.account_id,
                    message.text,
                    message.created_at.isoformat(),
                ),
            )
            await tx.execute(
                "UPDATE chats SET last_message_id = ?, activity_id = MAX(activity_id, ?), updated_at = ?"
                " WHERE id = ?",
                (message.id, message.id, message.created_at.isoformat(), message.chat_id),
            )
            await tx.execute(
                "UPDATE chat_members SET last_read_id = MAX(last_read_id, ?)"
                " WHERE chat_id = ? AND account_id = ?",
                (message.id, message.chat_id, message.account_id),
            )
            await self.outbox.append(tx, events)
        self.outbox.notify()

    async def messages(self, chat_id: int, page: PageRequest) -> list[ChatMessage]:
        p = QmarkParams(chat_id)
        rows = await self.db.fetchall(
            f"SELECT id, chat_id, account_id, text, created_at FROM chat_messages {keyset(page, p, ['chat_id = ?'])}",
            p.values,
        )
        return newest_first([_message(row) for row in rows], page)

    async def last_messages(self, chat_ids: Sequence[int]) -> dict[int, ChatMessage]:
        if not chat_ids:
            return {}
        marks = ",".join("?" * len(chat_ids))
        rows = await self.db.fetchall(
            f"SELECT m.id, m.chat_id, m.account_id, m.text, m.created_at FROM chats c"
            f" JOIN chat_messages m ON m.id = c.last_message_id WHERE c.id IN ({marks})",
            tuple(chat_ids),
        )
        return {row["chat_id"]: _message(row) for row in rows}

    async def mark_read(self, chat_id: int, account_id: int, last_read_id: int) -> int:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE chat_members SET last_read_id = MAX(last_read_id, ?)"
                " WHERE chat_id = ? AND account_id = ?",
                (last_read_id, chat_id, account_id),
            )
            async with tx.execute(
                "SELECT last_read_id FROM chat_members WHERE chat_id = ? AND account_id = ?",
                (chat_id, account_id),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def unread_counts(self, account_id: int, chat_ids: Sequence[int]) -> dict[int, int]:
        if not chat_ids:
            return {}
        marks = ",".join("?" * len(chat_ids))
        rows = await self.db.fetchall(
            "SELECT m.chat_id, COUNT(msg.id) AS unread FROM chat_members m"
            " JOIN chat_messages msg ON msg.chat_id = m.chat_id AND msg.id > m.last_read_id"
            " AND msg.account_id != m.account_id"
            f" WHERE m.account_id = ? AND m.chat_id IN ({marks}) GROUP BY m.chat_id",
            (account_id, *chat_ids),
        )
        counts = dict.fromkeys(chat_ids, 0)
        counts.update({row["chat_id"]: row["unread"] for row in rows})
        return counts
