"""Lists (Mastodon's): named groups of accounts the owner follows, each with its own timeline.

A list's timeline shows what its members post, filtered the way the home timeline is (mutes,
blocks, followers-only posts, reblogs of accounts followed with reblogs off) plus the list's
``replies_policy``: replies to the owner and self-replies always show; replies to others show
when the owner follows the replied-to account (``followed``), when it is a member (``list``),
or never (``none``).
"""

from __future__ import annotations

import dataclasses

from rookery.workloads.domain import errors
from rookery.workloads.domain.graph import ViewerRelations
from rookery.workloads.domain.timelines import TimelineEntry, still_visible

FOLLOWED = "followed"
LIST = "list"
NONE = "none"
REPLIES_POLICIES = (FOLLOWED, LIST, NONE)
MAX_TITLE = 256
MAX_LISTS_PER_ACCOUNT = 50  # Mastodon's per-account limit
MAX_MEMBERS = 500  # members are merged on read: one author query per timeline page


class ListRuleError(errors.RuleViolation):
    """A list change that breaks a rule (the API answers 422)."""


@dataclasses.dataclass(slots=True)
class TimelineList:
    id: int
    account_id: int  # the owner
    title: str
    replies_policy: str = LIST  # Mastodon's default
    exclusive: bool = False


def check_title(title: str | None) -> str:
    text = (title or "").strip()
    if not text:
        raise ListRuleError("Title can't be blank")
    if len(text) > MAX_TITLE:
        raise ListRuleError(f"Title is too long (maximum is {MAX_TITLE} characters)")
    return text


def check_replies_policy(policy: str) -> str:
    if policy not in REPLIES_POLICIES:
        raise ListRuleError(f"Replies policy must be one of {', '.join(REPLIES_POLICIES)}")
    return policy


def check_room(lists_owned: int) -> None:
    if lists_owned >= MAX_LISTS_PER_ACCOUNT:
        raise ListRuleError(f"You cannot have more than {MAX_LISTS_PER_ACCOUNT} lists")


def check_members(current: int, adding: int) -> None:
    if current + adding > MAX_MEMBERS:
        raise ListRuleError(f"A list cannot have more than {MAX_MEMBERS} accounts")


def replies_allowed(entry: TimelineEntry, timeline_list: TimelineList, members: frozenset[int]) -> bool:
    """The list's replies policy (the home rules are checked apart, by ``shows``)."""
    replied = entry.in_reply_to_account_id
    if replied is None or replied in (entry.account_id, timeline_list.account_id):
        return True
    if timeline_list.replies_policy == FOLLOWED:
        return True  # the home rule already requires the owner to follow the replied-to account
    if timeline_list.replies_policy == LIST:
        return replied in members
    return False


def shows(
    entry: TimelineEntry, timeline_list: TimelineList, members: frozenset[int], relations: ViewerRelations
) -> bool:
    """Whether an entry by a member belongs in the list's timeline, for its owner."""
    return still_visible(entry, timeline_list.account_id, relations) and replies_allowed(entry, timeline_list, members)
