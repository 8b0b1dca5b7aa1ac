"""Notification policy (Mastodon 4.3): per kind of sender, notifications are accepted, filtered
(kept aside in a notification request per sender, until accepted or dismissed) or dropped.

Rookery's default accepts every kind of sender: Mastodon's own default filters private mentions
from strangers and limited accounts, which would hide notifications existing clients expect here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from rookery.workloads.domain.notifications import POLL, UPDATE
from rookery.workloads.ids import timestamp_ms

ACCEPT, FILTER, DROP = "accept", "filter", "drop"
VERDICTS = (ACCEPT, FILTER, DROP)
FIELDS = ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts")
NEW_ACCOUNT_DAYS = 30
UNFILTERED_TYPES = frozenset({POLL, UPDATE})  # about the recipient's own acts: never filtered


@dataclasses.dataclass(frozen=True, slots=True)
class NotificationPolicy:
    account_id: int
    for_not_following: str = ACCEPT
    for_not_followers: str = ACCEPT
    for_new_accounts: str = ACCEPT
    for_private_mentions: str = ACCEPT
    for_limited_accounts: str = ACCEPT


@dataclasses.dataclass(frozen=True, slots=True)
class Sender:
    """What the policy asks about the sender of one notification."""

    followed: bool  # the recipient follows the sender
    follower: bool  # the sender follows the recipient
    created_at: dt.datetime
    limited: bool  # silenced by a moderator
    private_mention: bool  # a mention in a direct post


def verdict(policy: NotificationPolicy, sender: Sender, now: dt.datetime) -> str:
    """The strictest answer of the rules that apply: drop over filter over accept."""
    applies = []
    if not sender.followed:
        applies.append(policy.for_not_following)
    if not sender.follower:
        applies.append(policy.for_not_followers)
    if now - sender.created_at < dt.timedelta(days=NEW_ACCOUNT_DAYS):
        applies.append(policy.for_new_accounts)
    if sender.private_mention and not sender.followed:
        applies.append(policy.for_private_mentions)
    if sender.limited:
        applies.append(policy.for_limited_accounts)
    return DROP if DROP in applies else FILTER if FILTER in applies else ACCEPT


def check_policy(values: dict[str, str]) -> None:
    for name, value in values.items():
        if name not in FIELDS:
            raise ValueError(f"{name} is not a notification policy setting")
        if value not in VERDICTS:
            raise ValueError(f"{name} must be one of {', '.join(VERDICTS)}")


@dataclasses.dataclass(frozen=True, slots=True)
class NotificationRequest:
    """The notifications one sender's filtered ones make, waiting for the recipient's decision."""

    id: int
    account_id: int  # the recipient
    from_account_id: int
    notifications_count: int
    last_status_id: int | None
    last_notification_id: int

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(timestamp_ms(self.id) / 1000, dt.UTC)

    @property
    def updated_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(timestamp_ms(self.last_notification_id) / 1000, dt.UTC)
