"""Chat use cases: create, list, rename, delete, membership, messages, read markers.

Only members read or write a chat; everyone else is told it does not exist. A blocked or blocking
account cannot be put into a chat with the person who blocked it (or whom it blocked), and cannot
write into their direct chat. New messages go to the ``messages`` stream through the outbox and to
each member's ``user:<id>`` realtime channel as a ``chat.message`` event.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson

from rookery.workloads.domain import chats as rules
from rookery.workloads.domain.chats import (
    DIRECT,
    MEMBER,
    OWNER,
    Chat,
    ChatConflict,
    ChatForbidden,
    ChatMember,
    ChatMessage,
    ChatNotFound,
    ChatRejected,
    NotAMember,
)
from rookery.workloads.domain.events import MESSAGES, Event
from rookery.workloads.domain.pagination import PageRequest
from rookery.workloads.ids import new_id
from rookery.workloads.ports.accounts import AccountRepository
from rookery.workloads.ports.edge import Realtime
from rookery.workloads.ports.graph import GraphStore
from rookery.workloads.ports.messaging import MessageStore

log = logging.getLogger("rookery.messaging")

CHAT_CREATED = "ChatCreated"
CHAT_DELETED = "ChatDeleted"
CHAT_MEMBERS_ADDED = "ChatMembersAdded"
CHAT_MEMBER_REMOVED = "ChatMemberRemoved"
CHAT_MESSAGE_CREATED = "ChatMessageCreated"

# renders a message for the realtime payload (the API layer supplies it: it knows Account entities)
MessageRenderer = Callable[[ChatMessage], Awaitable[dict[str, Any]]]


@dataclasses.dataclass(frozen=True, slots=True)
class ChatView:
    """A chat as one member sees it."""

    chat: Chat
    members: list[ChatMember]
    last_message: ChatMessage | None
    unread_count: int
    last_read_id: int


class MessagingService:
    def __init__(
        self,
        store: MessageStore,
        accounts: AccountRepository,
        graph: GraphStore | None,
        realtime: Realtime | None,
        *,
        tenant: str = "rookery",
        render_message: MessageRenderer | None = None,
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.graph = graph
        self.realtime = realtime
        self.tenant = tenant
        self.render_message = render_message

    def _event(self, kind: str, chat_id: int, payload: dict[str, Any]) -> tuple[str, Event]:
        return MESSAGES, Event(
            kind, key=str(chat_id), payload={"chat_id": str(chat_id), **payload}, tenant=self.tenant
        )

    # --- checks ----------------------------------------------------------------------------------

    async def _membership(self, account_id: int, chat_id: int | None) -> tuple[Chat, ChatMember]:
        chat = await self.store.get_chat(chat_id) if chat_id is not None else None
        member = await self.store.member(chat.id, account_id) if chat is not None else None
        if chat is None or member is None:
            raise ChatNotFound
        return chat, member

    async def _check_accounts(self, account_ids: Sequence[int]) -> None:
        found = await self.accounts.get_many(account_ids)
        for account_id in account_ids:
            account = found.get(account_id)
            if account is None or getattr(account, "suspended", False):
                raise ChatRejected(f"account {account_id} not found")

    async def _check_not_blocked(self, account_id: int, others: Sequence[int]) -> None:
        if self.graph is None or not others:
            return
        relations = await self.graph.viewer_relations(account_id, others)
        if any(relations.blocked_either_way(other) for other in others):
            raise ChatForbidden("you cannot chat with this account")

    # --- chats -----------------------------------------------------------------------------------

    async def create(
        self, account_id: int, account_ids: Sequence[int], title: str | None
    ) -> tuple[ChatView, bool]:
        """A new chat, or the existing direct chat of the pair; the bool says whether it is new."""
        title = rules.check_title(title)
        kind, others = rules.plan_members(account_id, list(account_ids), title)
        await self._check_accounts(others)
        await self._check_not_blocked(account_id, others)
        if kind == DIRECT:
            existing = await self.store.direct_chat(account_id, others[0])
            if existing is not None:
                return await self._reopen(account_id, existing), False
        chat = Chat(id=new_id(), type=kind, owner_id=account_id, title=title)
        members = [ChatMember(chat.id, account_id, OWNER)]
        # both people own a direct chat: either may delete it
        members += [ChatMember(chat.id, other, OWNER if kind == DIRECT else MEMBER) for other in others]
        event = self._event(CHAT_CREATED, chat.id, {"members": [str(m.account_id) for m in members]})
        if not await self.store.create_chat(chat, members, [event]):
            existing = await self.store.direct_chat(account_id, others[0])
            if existing is None:
                raise ChatConflict("the chat could not be created, try again")
            return await self._reopen(account_id, existing), False
        return await self.view(account_id, chat.id), True

    async def _reopen(self, account_id: int, chat: Chat) -> ChatView:
        """The pair's direct chat; someone who left it earlier joins it again."""
        if await self.store.member(chat.id, account_id) is None:
            event = self._event(
                CHAT_MEMBERS_ADDED, chat.id, {"by": str(account_id), "members": [str(account_id)]}
            )
            await self.store.add_members(chat.id, [ChatMember(chat.id, account_id, OWNER)], [event])
        return await self.view(account_id, chat.id)

    async def view(self, account_id: int, chat_id: int | None) -> ChatView:
        chat, member = await self._membership(account_id, chat_id)
        return (await self._views(account_id, [chat], {chat.id: member}))[0]

    async def _views(
        self, account_id: int, chats: list[Chat], mine: dict[int, ChatMember] | None = None
    ) -> list[ChatView]:
        ids = [chat.id for chat in chats]
        members = await self.store.members_of(ids)
        last = await self.store.last_messages(ids)
        unread = await self.store.unread_counts(account_id, ids)
        views = []
        for chat in chats:
            own = (mine or {}).get(chat.id) or next(
                (m for m in members.get(chat.id, []) if m.account_id == account_id), None
            )
            views.append(
                ChatView(
                    chat=chat,
                    members=members.get(chat.id, []),
                    last_message=last.get(chat.id),
                    unread_count=unread.get(chat.id, 0),
                    last_read_id=own.last_read_id if own else 0,
                )
            )
        return views

    async def list_chats(self, account_id: int, page: PageRequest) -> list[ChatView]:
        return await self._views(account_id, await self.store.chats_of(account_id, page))

    async def rename(self, account_id: int, chat_id: int | None, title: str | None) -> ChatView:
        chat, member = await self._membership(account_id, chat_id)
        rules.can_rename(chat, member)
        chat.title = rules.check_title(title)
        chat.updated_at = rules._now()
        await self.store.update_chat(chat)
        return await self.view(account_id, chat.id)

    async def delete(self, account_id: int, chat_id: int | None) -> None:
        chat, member = await self._membership(account_id, chat_id)
        rules.can_delete(chat, member)
        await self.store.delete_chat(chat.id, [self._event(CHAT_DELETED, chat.id, {"by": str(account_id)})])

    # --- members ---------------------------------------------------------------------------------

    async def add_members(
        self, account_id: int, chat_id: int | None, account_ids: Sequence[int], role: str = MEMBER
    ) -> ChatView:
        chat, actor = await self._membership(account_id, chat_id)
        current = {m.account_id for m in await self.store.members(chat.id)}
        new = [a for a in dict.fromkeys(account_ids) if a not in current]
        if not account_ids:
            raise ChatRejected("account_ids must name at least one account")
        rules.can_add(chat, actor, role, len(current), len(new))
        await self._check_accounts(new)
        await self._check_not_blocked(account_id, new)
        if new:
            members = [ChatMember(chat.id, other, role) for other in new]
            event = self._event(
                CHAT_MEMBERS_ADDED, chat.id, {"by": str(account_id), "members": [str(a) for a in new]}
            )
            await self.store.add_members(chat.id, members, [event])
        return await self.view(account_id, chat.id)

    async def remove_member(
        self, account_id: int, chat_id: int | None, target_id: int | None
    ) -> ChatView | None:
        """Remove someone (or leave); None when the actor left (they no longer see the chat)."""
        chat, actor = await self._membership(account_id, chat_id)
        members = await self.store.members(chat.id)
        target = next((m for m in members if m.account_id == target_id), None)
        if target is None:
            raise NotAMember("that account is not a member of this chat")
        rules.can_remove(chat, actor, target)
        event = self._event(
            CHAT_MEMBER_REMOVED, chat.id, {"by": str(account_id), "member": str(target.account_id)}
        )
        remaining = [m for m in members if m.account_id != target.account_id]
        if not remaining:
            await self.store.delete_chat(chat.id, [event])
            return None
        new_owner = None
        if target.role == OWNER and chat.type != DIRECT and not any(m.role == OWNER for m in remaining):
            heir = rules.successor(members, target.account_id)
            new_owner = heir.account_id if heir else None
        await self.store.remove_member(chat.id, target.account_id, new_owner, [event])
        if target.account_id == account_id:
            return None
        return await self.view(account_id, chat.id)

    # --- messages --------------------------------------------------------------------------------

    async def post(self, account_id: int, chat_id: int | None, text: str) -> ChatMessage:
        chat, _ = await self._membership(account_id, chat_id)
        text = rules.check_text(text)
        members = await self.store.members(chat.id)
        if chat.type == DIRECT:
            await self._check_not_blocked(
                account_id, [m.account_id for m in members if m.account_id != account_id]
            )
        message = ChatMessage(id=new_id(), chat_id=chat.id, account_id=account_id, text=text)
        event = self._event(
            CHAT_MESSAGE_CREATED,
            chat.id,
            {
                "message_id": str(message.id),
                "account_id": str(account_id),
                "members": [str(m.account_id) for m in members],
            },
        )
        await self.store.add_message(message, [event])
        await self._deliver(message, [m.account_id for m in members])
        return message

    async def _deliver(self, message: ChatMessage, member_ids: list[int]) -> None:
        """Realtime is best effort: the message is stored; a socket that missed it pages the API."""
        if self.realtime is None:
            return
        try:
            entity = await self.render_message(message) if self.render_message else {"id": str(message.id)}
            frame = orjson.dumps({"event": "chat.message", "payload": orjson.dumps(entity).decode()})
            for member_id in member_ids:
                await self.realtime.publish(f"user:{member_id}", frame)
        except Exception:
            log.exception("realtime delivery of chat message %s failed", message.id)

    async def messages(self, account_id: int, chat_id: int | None, page: PageRequest) -> list[ChatMessage]:
        chat, _ = await self._membership(account_id, chat_id)
        return await self.store.messages(chat.id, page)

    async def mark_read(self, account_id: int, chat_id: int | None, last_read_id: int | None) -> ChatView:
        chat, _ = await self._membership(account_id, chat_id)
        if last_read_id is None:
            raise ChatRejected("last_read_id must be a message id")
        await self.store.mark_read(chat.id, account_id, min(last_read_id, chat.last_message_id or 0))
        return await self.view(account_id, chat.id)
