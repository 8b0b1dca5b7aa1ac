"""Chat rules: chat kinds, who may rename, delete, add and remove, and who inherits a group."""

from __future__ import annotations

import datetime as dt

import pytest

from rookery.workloads.domain import chats as rules
from rookery.workloads.domain.chats import ADMIN, DIRECT, GROUP, MEMBER, OWNER, Chat, ChatMember, ChatRejected


def group(owner: int = 1) -> Chat:
    return Chat(id=100, type=GROUP, owner_id=owner, title="g")


def direct() -> Chat:
    return Chat(id=101, type=DIRECT, owner_id=1)


def member(account_id: int, role: str, minutes: int = 0) -> ChatMember:
    joined = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return ChatMember(chat_id=100, account_id=account_id, role=role, joined_at=joined)


def test_plan_members() -> None:
    assert rules.plan_members(1, [2], None) == (DIRECT, [2])
    assert rules.plan_members(1, [2, 2, 1], None) == (DIRECT, [2])  # duplicates and self dropped
    assert rules.plan_members(1, [2], "Title") == (GROUP, [2])
    assert rules.plan_members(1, [3, 2], None) == (GROUP, [3, 2])
    with pytest.raises(ChatRejected):
        rules.plan_members(1, [1], None)
    with pytest.raises(ChatRejected):
        rules.plan_members(1, list(range(2, rules.MAX_MEMBERS + 2)), None)


def test_titles_and_texts() -> None:
    assert rules.check_title("  Team  ") == "Team"
    assert rules.check_title("   ") is None
    with pytest.raises(ChatRejected):
        rules.check_title("x" * (rules.TITLE_MAX + 1))
    assert rules.check_text("hi") == "hi"
    for bad in ("", "   ", "x" * (rules.TEXT_MAX + 1)):
        with pytest.raises(ChatRejected):
            rules.check_text(bad)


@pytest.mark.parametrize(("role", "allowed"), [(OWNER, True), (ADMIN, True), (MEMBER, False)])
def test_rename(role: str, allowed: bool) -> None:
    if allowed:
        rules.can_rename(group(), member(2, role))
    else:
        with pytest.raises(ChatRejected) as caught:
            rules.can_rename(group(), member(2, role))
        assert caught.value.status == 403
    with pytest.raises(ChatRejected):
        rules.can_rename(direct(), member(1, OWNER))


def test_delete() -> None:
    rules.can_delete(group(), member(1, OWNER))
    rules.can_delete(direct(), member(2, OWNER))
    for role in (ADMIN, MEMBER):
        with pytest.raises(ChatRejected):
            rules.can_delete(group(), member(2, role))


def test_add() -> None:
    rules.can_add(group(), member(1, OWNER), ADMIN, 3, 1)
    rules.can_add(group(), member(2, ADMIN), MEMBER, 3, 1)
    with pytest.raises(ChatRejected):
        rules.can_add(group(), member(2, ADMIN), ADMIN, 3, 1)  # only owners make admins
    with pytest.raises(ChatRejected):
        rules.can_add(group(), member(3, MEMBER), MEMBER, 3, 1)
    with pytest.raises(ChatRejected):
        rules.can_add(group(), member(1, OWNER), OWNER, 3, 1)  # ownership is not handed out this way
    with pytest.raises(ChatRejected):
        rules.can_add(direct(), member(1, OWNER), MEMBER, 2, 1)
    with pytest.raises(ChatRejected):
        rules.can_add(group(), member(1, OWNER), MEMBER, rules.MAX_MEMBERS, 1)


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        (OWNER, ADMIN, True),
        (OWNER, MEMBER, True),
        (ADMIN, MEMBER, True),
        (ADMIN, ADMIN, False),
        (ADMIN, OWNER, False),
        (MEMBER, MEMBER, False),
        (MEMBER, ADMIN, False),
    ],
)
def test_remove(actor: str, target: str, allowed: bool) -> None:
    if allowed:
        rules.can_remove(group(), member(1, actor), member(2, target))
    else:
        with pytest.raises(ChatRejected):
            rules.can_remove(group(), member(1, actor), member(2, target))


def test_anyone_may_leave_but_nobody_is_removed_from_a_direct_chat() -> None:
    for role in (OWNER, ADMIN, MEMBER):
        rules.can_remove(group(), member(2, role), member(2, role))
    rules.can_remove(direct(), member(1, OWNER), member(1, OWNER))
    with pytest.raises(ChatRejected):
        rules.can_remove(direct(), member(1, OWNER), member(2, OWNER))


def test_successor_prefers_longest_standing_admin() -> None:
    members = [member(1, OWNER, 0), member(2, MEMBER, 1), member(3, ADMIN, 5), member(4, ADMIN, 2)]
    heir = rules.successor(members, leaving=1)
    assert heir is not None and heir.account_id == 4
    assert rules.successor([member(1, OWNER), member(2, MEMBER, 3)], leaving=1).account_id == 2  # type: ignore[union-attr]
    assert rules.successor([member(1, OWNER)], leaving=1) is None
