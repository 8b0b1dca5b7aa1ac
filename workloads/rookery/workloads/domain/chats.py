"""Chats (a Rookery extension to the Mastodon API): one-to-one and group conversations.

Pure rules: who may read, write, rename, add or remove whom; what a chat looks like when created.
Existence is hidden from non-members (they get "not found", never "forbidden").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

from rookery.workloads.domain import errors

DIRECT = "direct"  # exactly two people, at most one such chat per pair
GROUP = "group"

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
ROLES = (OWNER, ADMIN, MEMBER)
_RANK = {OWNER: 3, ADMIN: 2, MEMBER: 1}

TITLE_MAX = 100
TEXT_MAX = 5000
MAX_MEMBERS = 256


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ChatRejected(errors.RuleViolation):
    """A request that breaks a chat rule (422, the message as it is); the subclasses below are
    the rules whose answer is another status (``status`` says which)."""

    prefixed = False
    status: ClassVar[int] = 422


class ChatForbidden(errors.Forbidden, ChatRejected):
    """A member's action their role does not allow."""

    status = 403


class ChatConflict(errors.Conflict, ChatRejected):
    """A concurrent change got there first; trying again may work."""

    status = 409


class NotAMember(errors.NotFound, ChatRejected):
    """The account named is not a member of this chat."""

    status = 404


class ChatNotFound(errors.NotFound):
    """Unknown chat, or one the caller is not a member of (same answer, on purpose)."""


@dataclasses.dataclass(slots=True)
class Chat:
    id: int
    type: str
    owner_id: int
    title: str | None = None
    created_at: dt.datetime = dataclasses.field(default_factory=_now)
    updated_at: dt.datetime = dataclasses.field(default_factory=_now)
    last_message_id: int | None = None

    @property
    def activity_id(self) -> int:
        """Orders the chat list: the newest message, or the chat itself when it has none."""
        return max(self.id, self.last_message_id or 0)


@dataclasses.dataclass(slots=True)
class ChatMember:
    chat_id: int
    account_id: int
    role: str = MEMBER
    joined_at: dt.datetime = dataclasses.field(default_factory=_now)
    last_read_id: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class ChatMessage:
    id: int
    chat_id: int
    account_id: int
    text: str
    created_at: dt.datetime = dataclasses.field(default_factory=_now)


def check_title(raw: str | None) -> str | None:
    if raw is None:
        return None
    title = raw.strip()
    if len(title) > TITLE_MAX:
        raise ChatRejected(f"title is longer than {TITLE_MAX} characters")
    return title or None


def check_text(raw: str) -> str:
    if not raw or not raw.strip():
        raise ChatRejected("text can't be blank")
    if len(raw) > TEXT_MAX:
        raise ChatRejected(f"text is longer than {TEXT_MAX} characters")
    return raw


def plan_members(creator_id: int, account_ids: list[int], title: str | None) -> tuple[str, list[int]]:
    """The chat type and the other members of a new chat.

    One other person and no title: a direct chat. A title, or two or more others: a group.
    """
    others = list(dict.fromkeys(a for a in account_ids if a != creator_id))
    if not others:
        raise ChatRejected("account_ids must name at least one other account")
    if len(others) + 1 > MAX_MEMBERS:
        raise ChatRejected(f"a chat has at most {MAX_MEMBERS} members")
    kind = DIRECT if len(others) == 1 and title is None else GROUP
    return kind, others


def can_rename(chat: Chat, actor: ChatMember) -> None:
    if chat.type == DIRECT:
        raise ChatRejected("a direct chat has no title")
    if _RANK[actor.role] < _RANK[ADMIN]:
        raise ChatForbidden("only the owner or an admin may change the chat")


def can_delete(chat: Chat, actor: ChatMember) -> None:
    """Groups are deleted by their owner; either person may delete a direct chat."""
    if chat.type == GROUP and actor.role != OWNER:
        raise ChatForbidden("only the owner may delete the chat; leave it instead")


def can_add(chat: Chat, actor: ChatMember, role: str, member_count: int, adding: int) -> None:
    if chat.type == DIRECT:
        raise ChatRejected("members cannot be added to a direct chat")
    if role not in (ADMIN, MEMBER):
        raise ChatRejected("role must be 'member' or 'admin'")
    if _RANK[actor.role] < _RANK[ADMIN]:
        raise ChatForbidden("only the owner or an admin may add members")
    if role == ADMIN and actor.role != OWNER:
        raise ChatForbidden("only the owner may add admins")
    if member_count + adding > MAX_MEMBERS:
        raise ChatRejected(f"a chat has at most {MAX_MEMBERS} members")


def can_remove(chat: Chat, actor: ChatMember, target: ChatMember) -> None:
    """Anyone may leave; admins remove members; the owner removes anyone."""
    if actor.account_id == target.account_id:
        return
    if chat.type == DIRECT:
        raise ChatForbidden("nobody can be removed from a direct chat")
    if _RANK[actor.role] <= _RANK[target.role] or _RANK[actor.role] < _RANK[ADMIN]:
        raise ChatForbidden("not allowed to remove this member")


def successor(members: list[ChatMember], leaving: int) -> ChatMember | None:
    """Who owns a group after its owner leaves: the longest-standing admin, else member."""
    rest = [m for m in members if m.account_id != leaving]
    if not rest:
        return None
    return sorted(rest, key=lambda m: (-_RANK[m.role], m.joined_at, m.account_id))[0]
