"""List rules (domain/lists.py): titles, replies policies, limits, and what a list timeline shows."""

from __future__ import annotations

import pytest

from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.lists import (
    MAX_LISTS_PER_ACCOUNT,
    MAX_MEMBERS,
    ListRuleError,
    TimelineList,
    check_members,
    check_replies_policy,
    check_room,
    check_title,
    shows,
)
from rookery.workloads.domain.timelines import TimelineEntry

OWNER, MEMBER, OTHER_MEMBER, FOLLOWED, STRANGER = 1, 2, 3, 4, 5
RELATIONS = ViewerRelations(following=frozenset({MEMBER, OTHER_MEMBER, FOLLOWED}))
MEMBERS = frozenset({MEMBER, OTHER_MEMBER})


def test_titles_and_policies() -> None:
    assert check_title("  Friends ") == "Friends"
    for bad in (None, "", "   ", "x" * 257):
        with pytest.raises(ListRuleError):
            check_title(bad)
    assert check_title("x" * 256) == "x" * 256
    assert [check_replies_policy(p) for p in ("followed", "list", "none")] == ["followed", "list", "none"]
    with pytest.raises(ListRuleError):
        check_replies_policy("all")


def test_limits() -> None:
    check_room(MAX_LISTS_PER_ACCOUNT - 1)
    with pytest.raises(ListRuleError):
        check_room(MAX_LISTS_PER_ACCOUNT)
    check_members(MAX_MEMBERS - 2, 2)
    with pytest.raises(ListRuleError):
        check_members(MAX_MEMBERS - 2, 3)


@pytest.mark.parametrize(
    ("replied", "followed", "listed", "none"),
    [
        (None, True, True, True),  # not a reply
        (MEMBER, True, True, True),  # a self-reply
        (OWNER, True, True, True),  # a reply to the owner
        (OTHER_MEMBER, True, True, False),
        (FOLLOWED, True, False, False),
        (STRANGER, False, False, False),  # never, as on home
    ],
)
def test_replies_policy(replied: int | None, followed: bool, listed: bool, none: bool) -> None:
    entry = TimelineEntry(100, MEMBER, in_reply_to_account_id=replied)
    for policy, expected in (("followed", followed), ("list", listed), ("none", none)):
        assert shows(entry, TimelineList(9, OWNER, "t", policy), MEMBERS, RELATIONS) is expected, policy


def test_home_rules_apply() -> None:
    friends = TimelineList(9, OWNER, "t")
    private = TimelineEntry(100, MEMBER, visibility="private")
    assert shows(private, friends, MEMBERS, RELATIONS)
    assert not shows(private, friends, MEMBERS, ViewerRelations())  # no longer followed
    reblog = TimelineEntry(101, MEMBER, reblog_of_id=50, reblog_account_id=STRANGER)
    assert shows(reblog, friends, MEMBERS, RELATIONS)
    quiet = ViewerRelations(following=RELATIONS.following, hiding_reblogs=frozenset({MEMBER}))
    assert not shows(reblog, friends, MEMBERS, quiet)
