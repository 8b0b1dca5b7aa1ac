"""Analytics: interaction events, trend windows with decay, daily platform counters. Pure, no I/O.

Interaction events use the JSONL shape `rookery inference train` reads
(``rookery.inference.events``): ``{"type", "account_id", "created_at", "status_id", "author_id",
"status_created_at", "text", "target_account_id"}``; ids are strings.

Trends count in hourly buckets: a tag's score over a window is the sum of its uses per bucket,
each weighted by ``0.5 ** (age_hours / half_life_hours)``; statuses score their engagements
(favourite 1, reply 1, reblog 2) the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

BUCKET_S = 3600
ENGAGEMENT_WEIGHTS = {"favourite": 1.0, "reply": 1.0, "reblog": 2.0}
TAG = "tag"
STATUS = "status"
# daily counters of the dashboard and measures
NEW_USERS = "new_users"
STATUSES = "statuses"
INTERACTIONS = "interactions"
OPENED_REPORTS = "opened_reports"
RESOLVED_REPORTS = "resolved_reports"
COUNTERS = (NEW_USERS, STATUSES, INTERACTIONS, OPENED_REPORTS, RESOLVED_REPORTS)


@dataclasses.dataclass(frozen=True, slots=True)
class TrendWindow:
    hours: int = 24
    half_life_hours: float = 6.0

    def weights(self, at: dt.datetime) -> list[tuple[int, float]]:
        """(bucket, weight) of every hour in the window, the current one first."""
        current = bucket_of(at)
        return [(current - age, 0.5 ** (age / self.half_life_hours)) for age in range(self.hours)]


def bucket_of(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // BUCKET_S


def day_of(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def parse_time(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.UTC)
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def interaction(
    type_: str,
    account_id: int,
    created_at: dt.datetime | str,
    **fields: Any,
) -> dict[str, Any]:
    """One interaction event (the training export's line); ``None`` fields are left out."""
    moment = created_at if isinstance(created_at, str) else created_at.isoformat()
    event: dict[str, Any] = {"type": type_, "account_id": str(account_id), "created_at": moment}
    for name, value in fields.items():
        if value is None:
            continue
        if name.endswith("_id"):
            value = str(value)
        elif isinstance(value, dt.datetime):
            value = value.isoformat()
        event[name] = value
    return event


def trend_score(counts: dict[int, float], weights: list[tuple[int, float]]) -> float:
    """The decayed sum of per-bucket counts."""
    return sum(counts.get(bucket, 0.0) * weight for bucket, weight in weights)


def tag_claim(status_id: int) -> str:
    """The once-only key of a status's hashtag uses in the trends (the aggregator and a later
    hide race for it: see services.moderation.hide_status)."""
    return f"tags:{status_id}"


@dataclasses.dataclass(frozen=True, slots=True)
class Tally:
    """Everything one interaction event changes in the aggregates, written by the store at once
    (one SQLite transaction, one Redis MULTI) and only the first time ``event_id`` is seen."""

    event_id: str
    account_id: int
    day: dt.date
    event: dict[str, Any]  # appended to the account's behaviour and to the interaction log
    counters: tuple[tuple[str, int], ...] = ()  # (name, amount) on ``day``
    trends: tuple[tuple[str, str, int, float], ...] = ()  # (kind, key, bucket, amount)
    trend_claim: str | None = None  # the trends count only if this claim is new (tag_claim)
    keep: int = 200  # behaviour events kept per account
