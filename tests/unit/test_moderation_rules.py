"""Moderation and analytics domain rules (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from rookery.workloads.domain.analytics import TrendWindow, bucket_of, interaction, trend_score
from rookery.workloads.domain.moderation import (
    AccountRestrictions,
    AutomatedDecision,
    ModerationError,
    Report,
    validate_report,
)


def test_report_category_defaults_and_rules() -> None:
    assert validate_report(1, 2, None, "", (), ()) == "other"
    assert validate_report(1, 2, None, "", (), ("3",)) == "violation"
    assert validate_report(1, 2, "spam", "ads", (5,), ()) == "spam"
    for args, message in (
        ((1, 1, None, "", (), ()), "yourself"),
        ((1, 2, "rude", "", (), ()), "category"),
        ((1, 2, "violation", "", (), ()), "rule_ids"),
        ((1, 2, None, "x" * 1001, (), ()), "too long"),
        ((1, 2, None, "", tuple(range(101)), ()), "At most"),
    ):
        with pytest.raises(ModerationError, match=message):
            validate_report(*args)  # type: ignore[arg-type]


def test_report_lifecycle() -> None:
    report = Report(1, 2, 3)
    assert not report.resolved and not report.automated
    report.assign(9)
    report.resolve(9)
    assert report.resolved and report.action_taken_by_account_id == 9 and report.assigned_account_id == 9
    report.reopen()
    assert not report.resolved and report.action_taken_by_account_id is None
    assert Report(2, 2, None).automated


def test_account_actions_and_lifts() -> None:
    restrictions = AccountRestrictions(5)
    restrictions.apply("none")
    assert not (
        restrictions.suspended or restrictions.silenced or restrictions.sensitized or restrictions.disabled
    )
    for action in ("sensitive", "disable", "silence", "suspend"):
        restrictions.apply(action)
    assert (
        restrictions.sensitized and restrictions.disabled and restrictions.silenced and restrictions.suspended
    )
    for lift in ("unsensitive", "enable", "unsilence", "unsuspend"):
        restrictions.lift(lift)
    assert not (
        restrictions.suspended or restrictions.silenced or restrictions.sensitized or restrictions.disabled
    )
    with pytest.raises(ModerationError):
        restrictions.apply("ban")
    with pytest.raises(ModerationError):
        restrictions.lift("unban")


def test_automated_decision_keeps_numeric_scores_only() -> None:
    verdict = AutomatedDecision.of("hide", ["toxic"], {"toxic": 0.9, "note": "x", "n": 2}, "model:moderation")
    assert verdict.scores == {"toxic": 0.9, "n": 2.0} and verdict.labels == ("toxic",)
    assert "toxic" in verdict.comment()
    with pytest.raises(ModerationError):
        AutomatedDecision.of("delete")


def test_trend_window_decays_by_half_life() -> None:
    now = dt.datetime(2026, 11, 20, 12, 59, tzinfo=dt.UTC)
    weights = TrendWindow(hours=24, half_life_hours=6).weights(now)
    assert len(weights) == 24 and weights[0] == (bucket_of(now), 1.0)
    assert dict(weights)[bucket_of(now) - 6] == pytest.approx(0.5)
    current = bucket_of(now)
    assert trend_score({current: 2, current - 12: 4, current - 48: 100}, weights) == pytest.approx(3.0)


def test_interaction_events_have_the_training_shape() -> None:
    at = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
    event = interaction("favourite", 17, at, status_id=901, author_id=42, status_created_at=at, text=None)
    assert event == {
        "type": "favourite",
        "account_id": "17",
        "created_at": "2026-11-20T10:00:00+00:00",
        "status_id": "901",
        "author_id": "42",
        "status_created_at": "2026-11-20T10:00:00+00:00",
    }
    from rookery.inference.events import InteractionEvent

    assert InteractionEvent.model_validate(event).status_id == "901"
