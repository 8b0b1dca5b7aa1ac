"""Polls: a status's question with 2-4 options, open until it expires; votes per account.

The limits are Mastodon's defaults (the instance entity announces them); the shortest expiry is a
setting (``ROOKERY_POLL_MIN_EXPIRES_IN_S``) so that tests need not wait five minutes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from rookery.workloads.domain.statuses import StatusRuleError

MIN_OPTIONS = 2
MAX_OPTIONS = 4
MAX_OPTION_CHARS = 50
MIN_EXPIRES_IN_S = 300
MAX_EXPIRES_IN_S = 2629746  # one month, as Mastodon


@dataclasses.dataclass(frozen=True, slots=True)
class PollDraft:
    """What a client asks for with ``poll[...]``, validated by ``validate_poll``."""

    options: tuple[str, ...]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Poll:
    id: int
    status_id: int
    account_id: int  # the author
    options: tuple[str, ...]
    expires_at: dt.datetime
    multiple: bool = False
    hide_totals: bool = False
    tallies: tuple[int, ...] = ()  # votes per option, in option order (empty: none yet)
    voters_count: int = 0

    def expired(self, now: dt.datetime) -> bool:
        return self.expires_at <= now

    @property
    def votes_count(self) -> int:
        return sum(self.tallies)

    def tally(self, choice: int) -> int:
        return self.tallies[choice] if choice < len(self.tallies) else 0


def validate_poll(draft: PollDraft, *, media_count: int = 0, min_expires_in: int = MIN_EXPIRES_IN_S) -> None:
    if media_count:
        raise StatusRuleError("Cannot attach files to a status with a poll")
    if len(draft.options) < MIN_OPTIONS:
        raise StatusRuleError(f"Poll must have at least {MIN_OPTIONS} options")
    if len(draft.options) > MAX_OPTIONS:
        raise StatusRuleError(f"Poll can have at most {MAX_OPTIONS} options")
    if any(not option.strip() for option in draft.options):
        raise StatusRuleError("Poll options can't be blank")
    if any(len(option) > MAX_OPTION_CHARS for option in draft.options):
        raise StatusRuleError(f"Poll options can have at most {MAX_OPTION_CHARS} characters")
    if len(set(draft.options)) != len(draft.options):
        raise StatusRuleError("Poll options must be unique")
    if draft.expires_in < min_expires_in:
        raise StatusRuleError(f"Poll duration must be at least {min_expires_in} seconds")
    if draft.expires_in > MAX_EXPIRES_IN_S:
        raise StatusRuleError(f"Poll duration can be at most {MAX_EXPIRES_IN_S} seconds")


def check_choices(poll: Poll, choices: Sequence[int], now: dt.datetime) -> None:
    """A vote the rules allow (whether the voter voted before is the store's to answer)."""
    if poll.expired(now):
        raise StatusRuleError("The poll has already ended")
    if not choices:
        raise StatusRuleError("Choices can't be empty")
    if any(choice < 0 or choice >= len(poll.options) for choice in choices):
        raise StatusRuleError("Choice is not a valid option of this poll")
    if len(set(choices)) != len(choices):
        raise StatusRuleError("You have already voted on this option")
    if not poll.multiple and len(choices) > 1:
        raise StatusRuleError("This poll allows a single choice only")


def replaces_votes(poll: Poll, draft: PollDraft) -> bool:
    """An edit that changes the options or the multiple flag starts the poll afresh (Mastodon)."""
    return poll.options != draft.options or poll.multiple != draft.multiple
