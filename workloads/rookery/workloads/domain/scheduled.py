"""Scheduled statuses: a status's parameters kept until ``scheduled_at``, then published once.

Mastodon's rules: at least five minutes ahead (the lead is a setting,
``ROOKERY_SCHEDULED_STATUS_MIN_LEAD_S``, so that tests need not wait), at most 300 scheduled per
account and 25 on any one day. The published status takes the scheduled status's id, which is
reserved from the start: its media are attached to it while it waits (nobody else can take them,
no sweeper removes them), and a publisher that runs twice finds the status already there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from rookery.workloads.domain.errors import RuleViolation
from rookery.workloads.domain.polls import PollDraft

MIN_LEAD_S = 300
TOTAL_LIMIT = 300
DAILY_LIMIT = 25


class ScheduleRuleError(RuleViolation):
    """Bad scheduling input (422 ``Validation failed: Scheduled at ...``)."""


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduledParams:
    """What ``POST /api/v1/statuses`` was given, to be posted later."""

    text: str
    visibility: str
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    in_reply_to_id: int | None = None
    media_ids: tuple[int, ...] = ()
    poll: PollDraft | None = None
    application: str | None = None
    application_id: int | None = None
    idempotency: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduledStatus:
    id: int  # also the id of the status it becomes
    account_id: int
    scheduled_at: dt.datetime
    params: ScheduledParams


def check_scheduled_at(at: dt.datetime, now: dt.datetime, min_lead_s: int) -> dt.datetime:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    if at < now + dt.timedelta(seconds=min_lead_s):
        raise ScheduleRuleError("Scheduled at The scheduled date must be in the future")
    return at.astimezone(dt.UTC)


def check_limits(total: int, on_that_day: int) -> None:
    """``total``: the account's scheduled statuses; ``on_that_day``: those on the new one's day."""
    if total >= TOTAL_LIMIT:
        raise ScheduleRuleError(f"You have exceeded the limit of {TOTAL_LIMIT} scheduled statuses")
    if on_that_day >= DAILY_LIMIT:
        raise ScheduleRuleError(f"You have exceeded the limit of {DAILY_LIMIT} scheduled statuses for today")


def day_of(at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = at.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def parse_scheduled_at(raw: str) -> dt.datetime:
    """An ISO 8601 datetime (``2026-12-05T12:30:00Z``, ``...+01:00``) or a date; naive is UTC."""
    text = raw.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ScheduleRuleError("Scheduled at is not a valid datetime") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
