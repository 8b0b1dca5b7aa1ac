"""The social graph: follows (immediate, or requested of a locked account), blocks and mutes."""

from __future__ import annotations

import dataclasses

from rookery.workloads.domain import errors


class GraphRuleError(errors.RuleViolation):
    """A graph change the rules do not allow (the API answers 422)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Follow:
    account_id: int  # the follower
    target_id: int
    show_reblogs: bool = True
    notify: bool = False
    languages: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Mute:
    account_id: int
    target_id: int
    notifications: bool = True  # also hide their notifications


@dataclasses.dataclass(slots=True)
class Relationship:
    """How one viewer stands toward one other account (Mastodon's Relationship entity)."""

    id: int
    following: bool = False
    showing_reblogs: bool = False
    notifying: bool = False
    languages: tuple[str, ...] | None = None
    followed_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    requested: bool = False
    requested_by: bool = False
    note: str = ""  # the viewer's private note on the account
    endorsed: bool = False  # featured on the viewer's profile


@dataclasses.dataclass(frozen=True, slots=True)
class ViewerRelations:
    """The viewer's standing toward a batch of accounts: what timeline filters need."""

    following: frozenset[int] = frozenset()
    blocking: frozenset[int] = frozenset()
    blocked_by: frozenset[int] = frozenset()
    muting: frozenset[int] = frozenset()
    muting_notifications: frozenset[int] = frozenset()
    hiding_reblogs: frozenset[int] = frozenset()  # followed with reblogs=false

    def blocked_either_way(self, account_id: int) -> bool:
        return account_id in self.blocking or account_id in self.blocked_by

    def hidden(self, account_id: int) -> bool:
        """Muted or blocked accounts vanish from the viewer's timelines."""
        return account_id in self.muting or self.blocked_either_way(account_id)

    def hidden_accounts(self) -> frozenset[int]:
        """Every account ``hidden`` holds for, at once (to filter a whole page)."""
        return self.muting | self.blocking | self.blocked_by

    def joined(self, other: ViewerRelations) -> ViewerRelations:
        """These relations and ``other``'s (read about other accounts of the same viewer)."""
        return ViewerRelations(
            following=self.following | other.following,
            blocking=self.blocking | other.blocking,
            blocked_by=self.blocked_by | other.blocked_by,
            muting=self.muting | other.muting,
            muting_notifications=self.muting_notifications | other.muting_notifications,
            hiding_reblogs=self.hiding_reblogs | other.hiding_reblogs,
        )


def check_follow(account_id: int, target_id: int, *, blocked_either_way: bool) -> None:
    if account_id == target_id:
        raise GraphRuleError("You can't follow yourself")
    if blocked_either_way:
        raise GraphRuleError("You can't follow this account")


def check_not_self(account_id: int, target_id: int, action: str) -> None:
    if account_id == target_id:
        raise GraphRuleError(f"You can't {action} yourself")


def follow_is_request(target_locked: bool) -> bool:
    """Locked accounts approve each follower; others are followed at once."""
    return target_locked
