"""What people add to profiles and to their view of others: private notes on accounts,
endorsed (featured) accounts, featured hashtags, and the follow suggestions they dismissed."""

from __future__ import annotations

import dataclasses

from rookery.workloads.domain import errors
from rookery.workloads.domain.search import TAG_RE

MAX_NOTE = 2000  # Mastodon's limit on an account note
MAX_FEATURED_TAGS = 10  # what /api/v2/instance announces (accounts.max_featured_tags)


class ProfileRuleError(errors.RuleViolation):
    """A note, an endorsement or a featured tag the rules refuse (the API answers 422)."""


@dataclasses.dataclass(frozen=True, slots=True)
class FeaturedTag:
    id: int
    account_id: int
    name: str  # lower case, without '#'


def check_note(comment: str) -> str:
    if len(comment) > MAX_NOTE:
        raise ProfileRuleError(f"Comment is too long (maximum is {MAX_NOTE} characters)")
    return comment.strip()


def featured_tag_name(raw: str | None) -> str:
    name = (raw or "").strip().removeprefix("#").lower()
    if not name:
        raise ProfileRuleError("Name can't be blank")
    if not TAG_RE.match(name) or name.isdigit():
        raise ProfileRuleError("Name is not a valid hashtag")
    return name
