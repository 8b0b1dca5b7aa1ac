"""Moderation: reports in the queue, moderators' actions on accounts, and automated decisions.

Pure rules, no I/O. A report is filed by a user (POST /api/v1/reports) or by the system (a model's
``flag`` / ``hide`` decision, an anomaly); moderators assign, resolve and reopen it and act on the
reported account (Mastodon's admin API). ``AccountRestrictions`` is the moderation state of one
account; ``HiddenStatus`` a status a model (or a moderator) took out of public view for review.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from rookery.workloads.domain import errors

CATEGORIES = ("spam", "legal", "violation", "other")
ACCOUNT_ACTIONS = ("none", "sensitive", "disable", "silence", "suspend")
DECISIONS = ("allow", "flag", "hide")
MAX_COMMENT = 1000
MAX_REPORTED_STATUSES = 100
USER_SOURCE = "user"


class ModerationError(errors.RuleViolation):
    """A report or action breaks a rule; the message is client-visible (422)."""


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(slots=True)
class Report:
    id: int
    target_account_id: int
    account_id: int | None  # the reporter; None for a system report
    category: str = "other"
    comment: str = ""
    status_ids: tuple[int, ...] = ()
    rule_ids: tuple[str, ...] = ()
    forward: bool = False
    created_at: dt.datetime = dataclasses.field(default_factory=now)
    updated_at: dt.datetime = dataclasses.field(default_factory=now)
    action_taken_at: dt.datetime | None = None
    action_taken_by_account_id: int | None = None
    assigned_account_id: int | None = None
    source: str = USER_SOURCE  # "user" | "model:moderation" | "model:anomaly" | ...
    labels: tuple[str, ...] = ()
    scores: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def resolved(self) -> bool:
        return self.action_taken_at is not None

    @property
    def automated(self) -> bool:
        return self.account_id is None

    def assign(self, moderator_id: int | None) -> None:
        self.assigned_account_id = moderator_id
        self.updated_at = now()

    def resolve(self, moderator_id: int) -> None:
        moment = now()
        self.action_taken_at = moment
        self.action_taken_by_account_id = moderator_id
        self.updated_at = moment

    def reopen(self) -> None:
        self.action_taken_at = None
        self.action_taken_by_account_id = None
        self.updated_at = now()


def validate_report(
    reporter_id: int,
    target_account_id: int,
    category: str | None,
    comment: str,
    status_ids: tuple[int, ...],
    rule_ids: tuple[str, ...],
) -> str:
    """The report's category (Mastodon: ``violation`` when rules are given, else ``other``)."""
    if reporter_id == target_account_id:
        raise ModerationError("You cannot report yourself")
    if len(comment) > MAX_COMMENT:
        raise ModerationError(f"Comment is too long (maximum is {MAX_COMMENT} characters)")
    if len(status_ids) > MAX_REPORTED_STATUSES:
        raise ModerationError(f"At most {MAX_REPORTED_STATUSES} statuses per report")
    chosen = category or ("violation" if rule_ids else "other")
    if chosen not in CATEGORIES:
        raise ModerationError(f"category must be one of {', '.join(CATEGORIES)}")
    if chosen == "violation" and not rule_ids:
        raise ModerationError("rule_ids is required for category violation")
    return chosen


@dataclasses.dataclass(slots=True)
class AccountRestrictions:
    """What moderators (or automation) did to an account, as the admin API reports it."""

    account_id: int
    silenced: bool = False
    suspended: bool = False
    sensitized: bool = False
    disabled: bool = False  # login refused, content kept
    updated_at: dt.datetime = dataclasses.field(default_factory=now)

    def apply(self, action: str) -> None:
        """Mastodon's ``POST /api/v1/admin/accounts/:id/action`` types; ``none`` only resolves."""
        if action not in ACCOUNT_ACTIONS:
            raise ModerationError(f"type must be one of {', '.join(ACCOUNT_ACTIONS)}")
        if action == "sensitive":
            self.sensitized = True
        elif action == "disable":
            self.disabled = True
        elif action == "silence":
            self.silenced = True
        elif action == "suspend":
            self.suspended = True
        self.updated_at = now()

    def lift(self, what: str) -> None:
        """``unsuspend``, ``unsilence``, ``unsensitive``, ``enable``."""
        if what == "unsuspend":
            self.suspended = False
        elif what == "unsilence":
            self.silenced = False
        elif what == "unsensitive":
            self.sensitized = False
        elif what == "enable":
            self.disabled = False
        else:
            raise ModerationError(f"unknown lift {what!r}")
        self.updated_at = now()


@dataclasses.dataclass(frozen=True, slots=True)
class HiddenStatus:
    status_id: int
    account_id: int
    report_id: int | None
    hidden_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class AutomatedDecision:
    """A model's verdict on a status or an account (``rookery.inference`` moderation / anomaly)."""

    decision: str  # allow | flag | hide
    labels: tuple[str, ...] = ()
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    source: str = "model:moderation"

    @classmethod
    def of(
        cls, decision: str, labels: Any = (), scores: Any = None, source: str = "model"
    ) -> AutomatedDecision:
        if decision not in DECISIONS:
            raise ModerationError(f"decision must be one of {', '.join(DECISIONS)}")
        numeric = {str(k): float(v) for k, v in (scores or {}).items() if isinstance(v, int | float)}
        return cls(decision, tuple(str(label) for label in labels or ()), numeric, source)

    def comment(self) -> str:
        shown = ", ".join(self.labels) or "no labels"
        return f"Automated {self.decision} by {self.source}: {shown}"


@dataclasses.dataclass(frozen=True, slots=True)
class ReportFilter:
    resolved: bool | None = None
    account_id: int | None = None  # the reporter
    target_account_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class AccountFilter:
    """Admin accounts list filters (Mastodon's v1 names); every flag set must hold."""

    suspended: bool = False
    silenced: bool = False
    sensitized: bool = False
    disabled: bool = False
    active: bool = False  # none of the above
