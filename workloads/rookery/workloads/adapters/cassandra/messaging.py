"""Cassandra MessageStore: chats, members, messages and read markers.

A chat's messages and members are one partition each (messages newest first). A member's chat
list is ``chats_by_account`` ordered by activity; ``chat_activity`` says where each chat sits in
it now, so a new message moves the row (delete the old position, write the new one) and a read
drops any position that is no longer current (two messages racing may leave one behind). The chat's
last message is the head of its messages partition. A direct chat is unique per pair through a
conditional insert in ``direct_chats``; read markers only move forward (conditional update).
Events go to the posts store's outbox after the write (no shared transaction, as for the graph).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

from rookery.workloads.adapters.cassandra.graph import EventSink, _no_events
from rookery.workloads.adapters.cassandra.paging import bounds, register_keyset
from rookery.workloads.adapters.cassandra.session import CassandraSession
from rookery.workloads.adapters.sql.paging import newest_first
from rookery.workloads.domain.chats import DIRECT, OWNER, Chat, ChatMember, ChatMessage
from rookery.workloads.domain.events import OutboxEvents
from rookery.workloads.domain.pagination import PageRequest


def _pair(a: int, b: int) -> tuple[int, int]:
    low, high = sorted((a, b))
    return low, high


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


class CassandraMessageStore:
    def __init__(self, session: CassandraSession, events: EventSink = _no_events) -> None:
        self.session = session
        self.events = events
        r = session.register
        self._claim_direct = r(
            "INSERT INTO direct_chats (low_id, high_id, chat_id) VALUES (?, ?, ?) IF NOT EXISTS",
            write=True,
            idempotent=False,
        )
        self._direct = r("SELECT chat_id FROM direct_chats WHERE low_id = ? AND high_id = ?", write=False)
        self._drop_direct = r("DELETE FROM direct_chats WHERE low_id = ? AND high_id = ?", write=True)
        self._insert_chat = r(
            "INSERT INTO chats (chat_id, type, owner_id, title, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            write=True,
        )
        self._update_chat = r(
            "UPDATE chats SET title = ?, owner_id = ?, updated_at = ? WHERE chat_id = ?", write=True
        )
        self._set_owner = r("UPDATE chats SET owner_id = ? WHERE chat_id = ?", write=True)
        self._touch_chat = r("UPDATE chats SET updated_at = ? WHERE chat_id = ?", write=True)
        self._chat = r(
            "SELECT chat_id, type, owner_id, title, created_at, updated_at FROM chats WHERE chat_id = ?",
            write=False,
        )
        self._drop_chat = r("DELETE FROM chats WHERE chat_id = ?", write=True)
        self._add_member = r(
            "INSERT INTO chat_members (chat_id, account_id, role, joined_at, last_read_id)"
            " VALUES (?, ?, ?, ?, ?) IF NOT EXISTS",
            write=True,
            idempotent=False,
        )
        self._members = r(
            "SELECT chat_id, account_id, role, joined_at, last_read_id FROM chat_members WHERE chat_id = ?",
            write=False,
        )
        self._member = r(
            "SELECT chat_id, account_id, role, joined_at, last_read_id FROM chat_members"
            " WHERE chat_id = ? AND account_id = ?",
            write=False,
        )
        self._drop_member = r("DELETE FROM chat_members WHERE chat_id = ? AND account_id = ?", write=True)
        self._drop_members = r("DELETE FROM chat_members WHERE chat_id = ?", write=True)
        self._set_role = r(
            "UPDATE chat_members SET role = ? WHERE chat_id = ? AND account_id = ?", write=True
        )
        self._advance_read = r(
            "UPDATE chat_members SET last_read_id = ? WHERE chat_id = ? AND account_id = ?"
            " IF last_read_id < ?",
            write=True,
            idempotent=False,
        )
        self._insert_message = r(
            "INSERT INTO chat_messages (chat_id, id, account_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
            write=True,
        )
        self._messages = register_keyset(
            session, "SELECT id, chat_id, account_id, text, created_at FROM chat_messages WHERE chat_id = ?", "id"
        )
        self._last_message = r(
            "SELECT id, chat_id, account_id, text, created_at FROM chat_messages WHERE chat_id = ? LIMIT 1",
            write=False,
        )
        self._authors_after = r(
            "SELECT account_id FROM chat_messages WHERE chat_id = ? AND id > ?", write=False
        )
        self._drop_messages = r("DELETE FROM chat_messages WHERE chat_id = ?", write=True)
        self._place = r(
            "INSERT INTO chats_by_account (account_id, activity_id, chat_id) VALUES (?, ?, ?)", write=True
        )
        self._unplace = r(
            "DELETE FROM chats_by_account WHERE account_id = ? AND activity_id = ? AND chat_id = ?",
            write=True,
        )
        self._set_activity = r(
            "INSERT INTO chat_activity (account_id, chat_id, activity_id) VALUES (?, ?, ?)", write=True
        )
        self._activity = r(
            "SELECT chat_id, activity_id FROM chat_activity WHERE account_id = ? AND chat_id IN ?",
            write=False,
        )
        self._drop_activity = r("DELETE FROM chat_activity WHERE account_id = ? AND chat_id = ?", write=True)
        self._chats_page = register_keyset(
            session,
            "SELECT activity_id, chat_id FROM chats_by_account WHERE account_id = ?",
            "activity_id",
            "activity_id ASC, chat_id DESC",
        )

    # -- chats ------------------------------------------------------------------------------------

    async def create_chat(self, chat: Chat, members: Sequence[ChatMember], events: OutboxEvents = ()) -> bool:
        if chat.type == DIRECT:
            pair = _pair(members[0].account_id, members[1].account_id)
            claimed = await self.session.execute(self._claim_direct, (*pair, chat.id))
            if not (claimed and claimed[0][0]):
                existing = await self.session.execute(self._direct, pair)
                if not existing or existing[0][0] != chat.id:  # ours would be a replay
                    return False
        await self.session.execute(
            self._insert_chat,
            (
                chat.id,
                chat.type,
                chat.owner_id,
                chat.title,
                chat.created_at.isoformat(),
                chat.updated_at.isoformat(),
            ),
        )
        await self._insert_members(members, chat.activity_id)
        if events:
            await self.events(events)
        return True

    async def _insert_members(self, members: Sequence[ChatMember], activity_id: int) -> None:
        added = await asyncio.gather(
            *(
                self.session.execute(
                    self._add_member,
                    (m.chat_id, m.account_id, m.role, m.joined_at.isoformat(), m.last_read_id),
                )
                for m in members
            )
        )
        for m, rows in zip(members, added, strict=True):
            if rows and rows[0][0]:
                await self._move(m.account_id, m.chat_id, None, activity_id)

    async def _move(self, account_id: int, chat_id: int, old: int | None, new: int) -> None:
        await self.session.execute(self._place, (account_id, new, chat_id))
        await self.session.execute(self._set_activity, (account_id, chat_id, new))
        if old is not None and old != new:
            await self.session.execute(self._unplace, (account_id, old, chat_id))

    async def _last(self, chat_id: int) -> ChatMessage | None:
        rows = await self.session.execute(self._last_message, (chat_id,))
        return _message(rows[0]) if rows else None

    async def get_chat(self, chat_id: int) -> Chat | None:
        rows, last = await asyncio.gather(self.session.execute(self._chat, (chat_id,)), self._last(chat_id))
        if not rows:
            return None
        cid, kind, owner, title, created, updated = rows[0]
        return Chat(cid, kind, owner, title, _time(created), _time(updated), last.id if last else None)

    async def direct_chat(self, account_id: int, other_id: int) -> Chat | None:
        rows = await self.session.execute(self._direct, _pair(account_id, other_id))
        return await self.get_chat(rows[0][0]) if rows else None

    async def update_chat(self, chat: Chat) -> None:
        await self.session.execute(
            self._update_chat, (chat.title, chat.owner_id, chat.updated_at.isoformat(), chat.id)
        )

    async def delete_chat(self, chat_id: int, events: OutboxEvents = ()) -> None:
        chat = await self.get_chat(chat_id)
        members = await self.members(chat_id)
        for m in members:
            await self._forget_member(chat_id, m.account_id)
        if chat is not None and chat.type == DIRECT and len(members) == 2:
            await self.session.execute(self._drop_direct, _pair(members[0].account_id, members[1].account_id))
        await self.session.execute(self._drop_messages, (chat_id,))
        await self.session.execute(self._drop_members, (chat_id,))
        await self.session.execute(self._drop_chat, (chat_id,))
        if events:
            await self.events(events)

    async def _forget_member(self, chat_id: int, account_id: int) -> None:
        for _, activity in await self.session.execute(self._activity, (account_id, [chat_id])):
            await self.session.execute(self._unplace, (account_id, activity, chat_id))
        await self.session.execute(self._drop_activity, (account_id, chat_id))

    async def chats_of(self, account_id: int, page: PageRequest) -> list[Chat]:
        upper, lower = bounds(page)
        key = self._chats_page.of(page)
        found: list[int] = []
        while len(found) < page.limit:
            want = page.limit - len(found)
            rows = await self.session.execute(key, (account_id, upper, lower, want))
            if not rows:
                break
            current = dict(
                await self.session.execute(self._activity, (account_id, list({r[1] for r in rows})))
            )
            for activity, chat_id in rows:
                if current.get(chat_id) == activity and chat_id not in found:
                    found.append(chat_id)
                elif current.get(chat_id) != activity:  # a position left behind by a race: drop it
                    await self.session.execute(self._unplace, (account_id, activity, chat_id))
            if len(rows) < want:
                break
            if page.ascending:
                lower = rows[-1][0]
            else:
                upper = rows[-1][0]
        chats = [c for c in await asyncio.gather(*(self.get_chat(i) for i in found)) if c is not None]
        return newest_first(chats, page)

    # -- members ----------------------------------------------------------------------------------

    async def members(self, chat_id: int) -> list[ChatMember]:
        rows = await self.session.execute(self._members, (chat_id,))
        return sorted((_member(row) for row in rows), key=lambda m: (m.joined_at, m.account_id))

    async def members_of(self, chat_ids: Sequence[int]) -> dict[int, list[ChatMember]]:
        ids = list(dict.fromkeys(chat_ids))
        found = await asyncio.gather(*(self.members(i) for i in ids))
        return {i: members for i, members in zip(ids, found, strict=True) if members}

    async def member(self, chat_id: int, account_id: int) -> ChatMember | None:
        rows = await self.session.execute(self._member, (chat_id, account_id))
        return _member(rows[0]) if rows else None

    async def add_members(
        self, chat_id: int, members: Sequence[ChatMember], events: OutboxEvents = ()
    ) -> None:
        chat = await self.get_chat(chat_id)
        await self._insert_members(members, chat.activity_id if chat else chat_id)
        if events:
            await self.events(events)

    async def remove_member(
        self, chat_id: int, account_id: int, new_owner: int | None = None, events: OutboxEvents = ()
    ) -> None:
        await self.session.execute(self._drop_member, (chat_id, account_id))
        await self._forget_member(chat_id, account_id)
        if new_owner is not None:
            await self.session.execute(self._set_role, (OWNER, chat_id, new_owner))
            await self.session.execute(self._set_owner, (new_owner, chat_id))
        if events:
            await self.events(events)

    # -- messages ---------------------------------------------------------------------------------

    async def add_message(self, message: ChatMessage, events: OutboxEvents = ()) -> None:
        m = message
        await self.session.execute(
            self._insert_message, (m.chat_id, m.id, m.account_id, m.text, m.created_at.isoformat())
        )
        await self.session.execute(self._touch_chat, (m.created_at.isoformat(), m.chat_id))
        await self.mark_read(m.chat_id, m.account_id, m.id)
        members = [row[1] for row in await self.session.execute(self._members, (m.chat_id,))]
        placed = await asyncio.gather(
            *(self.session.execute(self._activity, (account, [m.chat_id])) for account in members)
        )
        moves = []
        for account, rows in zip(members, placed, strict=True):
            old = rows[0][1] if rows else None
            if old is None or m.id > old:
                moves.append(self._move(account, m.chat_id, old, m.id))
        await asyncio.gather(*moves)
        if events:
            await self.events(events)

    async def messages(self, chat_id: int, page: PageRequest) -> list[ChatMessage]:
        rows = await self.session.execute(self._messages.of(page), (chat_id, *bounds(page), page.limit))
        return newest_first([_message(row) for row in rows], page)

    async def last_messages(self, chat_ids: Sequence[int]) -> dict[int, ChatMessage]:
        ids = list(dict.fromkeys(chat_ids))
        found = await asyncio.gather(*(self._last(i) for i in ids))
        return {i: last for i, last in zip(ids, found, strict=True) if last is not None}

    async def mark_read(self, chat_id: int, account_id: int, last_read_id: int) -> int:
        await self.session.execute(self._advance_read, (last_read_id, chat_id, account_id, last_read_id))
        member = await self.member(chat_id, account_id)
        return member.last_read_id if member else 0

    async def unread_counts(self, account_id: int, chat_ids: Sequence[int]) -> dict[int, int]:
        async def count(chat_id: int) -> int:
            member = await self.member(chat_id, account_id)
            if member is None:
                return 0
            rows = await self.session.execute(self._authors_after, (chat_id, member.last_read_id))
            return sum(1 for (author,) in rows if author != account_id)

        ids = list(dict.fromkeys(chat_ids))
        return dict(zip(ids, await asyncio.gather(*(count(i) for i in ids)), strict=True))


def _member(row: Any) -> ChatMember:
    return ChatMember(
        chat_id=row[0], account_id=row[1], role=row[2], joined_at=_time(row[3]), last_read_id=row[4] or 0
    )


def _message(row: Any) -> ChatMessage:
    return ChatMessage(id=row[0], chat_id=row[1], account_id=row[2], text=row[3], created_at=_time(row[4]))
