"""Anomaly: spam and bot accounts from behaviour features, with an IsolationForest.

Behaviour features per account over its activity window (at least a day): statuses, follows
and engagements per hour, follow churn (unfollows / (follows + 10)), duplicate-content ratio,
links and mentions per status. They are log1p-scaled and raised to the training population's
median, so that only "more than usual" counts as strange (a quiet account is not a bot), then
scored by an IsolationForest trained with `rookery inference train` on the accounts of the event
export. An account is flagged beyond a Tukey fence of the training scores (Q3 + 2 IQR),
or beyond a quantile when trained with ``--contamination``; ROOKERY_ANOMALY_THRESHOLD overrides.
Without an artifact the model fits a cold-start baseline: a seeded synthetic population of
ordinary accounts, so that a new instance is protected before it has history.

Instance: ``{"account_id", "features": {name: value}}`` or ``{"account_id", "events": [event, ...]}``
(the export's event objects). Prediction: ``{"account_id", "action": "flag" | "allow", "score"
(IsolationForest anomaly score in (0, 1]; higher is stranger), "threshold", "reasons": [features
above the training population's 99th percentile], "features"}``; ``flag`` feeds the moderation
queue.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import re
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rookery.inference.events import ENGAGEMENTS, InteractionEvent
from rookery.inference.ranking import TrainingError
from rookery.inference.serving import InstanceModel
from rookery.inference.storage import artifact

BEHAVIOUR_FEATURES = (
    "statuses_per_hour",
    "follows_per_hour",
    "engagements_per_hour",
    "follow_churn",
    "duplicate_ratio",
    "links_per_status",
    "mentions_per_status",
)
ARTIFACT = "model.joblib"
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]+")
SPACE = re.compile(r"\s+")
MIN_ACCOUNTS = 20
# rates are per hour over the account's activity window, never shorter than a day
MIN_WINDOW_HOURS = 24.0
CHURN_PRIOR = 10
# the flag fence, in inter-quartile ranges above the third quartile of training scores
FENCE = 2.0


def behaviour_features(events: list[InteractionEvent]) -> dict[str, float]:
    """The features of one account's events."""
    if not events:
        return dict.fromkeys(BEHAVIOUR_FEATURES, 0.0)
    moments = [e.at for e in events]
    hours = max((max(moments) - min(moments)).total_seconds() / 3600, MIN_WINDOW_HOURS)
    statuses = [e for e in events if e.type == "status"]
    texts = [SPACE.sub(" ", (e.text or "").strip().lower()) for e in statuses if e.text]
    follows = sum(1 for e in events if e.type == "follow")
    unfollows = sum(1 for e in events if e.type == "unfollow")
    engagements = sum(1 for e in events if e.type in ENGAGEMENTS)
    return {
        "statuses_per_hour": len(statuses) / hours,
        "follows_per_hour": follows / hours,
        "engagements_per_hour": engagements / hours,
        # smoothed: one unfollow after one follow is not churn
        "follow_churn": unfollows / (follows + CHURN_PRIOR),
        "duplicate_ratio": 1.0 - len(set(texts)) / len(texts) if len(texts) >= 2 else 0.0,
        "links_per_status": sum(len(URL.findall(t)) for t in texts) / len(texts) if texts else 0.0,
        "mentions_per_status": sum(len(MENTION.findall(t)) for t in texts) / len(texts) if texts else 0.0,
    }


def features_by_account(events: list[InteractionEvent]) -> dict[str, dict[str, float]]:
    grouped: dict[str, list[InteractionEvent]] = defaultdict(list)
    for event in events:
        grouped[event.account_id].append(event)
    return {account: behaviour_features(evs) for account, evs in grouped.items()}


def as_matrix(rows: list[dict[str, float]]) -> np.ndarray:
    return np.log1p(
        np.asarray([[max(r[f], 0.0) for f in BEHAVIOUR_FEATURES] for r in rows], dtype=np.float64)
    )


def fit_forest(
    rows: list[dict[str, float]], contamination: float | None = None, seed: int = 7
) -> dict[str, Any]:
    """Fit the forest; the flag threshold is a Tukey fence over the training scores
    (Q3 + 2 IQR: robust to the spammers inside the export) or, given a contamination share, the
    matching quantile."""
    from sklearn.ensemble import IsolationForest

    matrix = as_matrix(rows)
    floor = np.median(matrix, axis=0)
    raised = np.maximum(matrix, floor)
    forest = IsolationForest(n_estimators=100, random_state=seed)
    forest.fit(raised)
    scores = -forest.score_samples(raised)
    if contamination is None:
        q1, q3 = np.percentile(scores, [25, 75])
        threshold = float(q3 + FENCE * (q3 - q1))
    else:
        threshold = float(np.quantile(scores, 1.0 - contamination))
    return {
        "kind": "rookery.anomaly",
        "version": 1,
        "features": list(BEHAVIOUR_FEATURES),
        "forest": forest,
        "floor": floor,
        # beyond this anomaly score an account is flagged
        "threshold": threshold,
        "p99": dict(zip(BEHAVIOUR_FEATURES, np.percentile(matrix, 99, axis=0).tolist(), strict=True)),
        "accounts": len(rows),
        "trained_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def train_detector(events: list[InteractionEvent], contamination: float | None = None) -> dict[str, Any]:
    rows = list(features_by_account(events).values())
    if len(rows) < MIN_ACCOUNTS:
        raise TrainingError(
            f"anomaly detection needs the events of at least {MIN_ACCOUNTS} accounts; got {len(rows)}"
        )
    return fit_forest(rows, contamination)


def baseline_population(size: int = 400, seed: int = 11) -> list[dict[str, float]]:
    """Ordinary accounts: a few posts, follows and favourites a day, rare duplicates, links or mentions."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(size):
        statuses = rng.gamma(1.5, 0.15)
        rows.append(
            {
                "statuses_per_hour": statuses,
                "follows_per_hour": rng.gamma(1.2, 0.08),
                "engagements_per_hour": rng.gamma(1.5, 0.5),
                "follow_churn": rng.beta(1, 40),
                "duplicate_ratio": rng.beta(1, 25),
                "links_per_status": rng.gamma(1.0, 0.25),
                "mentions_per_status": rng.gamma(1.2, 0.4),
            }
        )
    return rows


class AnomalyInstance(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)
    account_id: str
    features: dict[str, float] | None = None
    events: list[dict[str, Any]] | None = Field(None, max_length=20_000)

    @model_validator(mode="after")
    def features_or_events(self) -> AnomalyInstance:
        if (self.features is None) == (self.events is None):
            raise ValueError("give exactly one of 'features' or 'events'")
        if self.events is not None:
            parsed = []
            for index, event in enumerate(self.events):
                try:
                    parsed.append(InteractionEvent.model_validate({**event, "account_id": self.account_id}))
                except ValidationError as exc:
                    raise ValueError(f"events[{index}]: {exc.errors()[0]['msg']}") from None
            self.features = behaviour_features(parsed)
        elif self.features is not None:
            missing = [f for f in BEHAVIOUR_FEATURES if f not in self.features]
            if missing:
                raise ValueError(f"'features' lacks {missing}")
            if any(not np.isfinite(v) or v < 0 for v in self.features.values()):
                raise ValueError("'features' values must be finite and non-negative")
        return self


class AnomalyModel(InstanceModel):
    Instance = AnomalyInstance

    def __init__(self, name: str = "anomaly", storage: pathlib.Path | None = None) -> None:
        super().__init__(name)
        self.storage = storage
        self.trained: dict[str, Any] = {}
        self.source = "baseline"

    def load(self) -> bool:
        path = artifact(self.storage, "anomaly", ARTIFACT)
        if path is not None:
            import joblib

            try:
                loaded = joblib.load(path)
            except Exception as exc:  # a truncated or foreign file: say which, not a traceback
                raise ValueError(f"{path} cannot be read: {type(exc).__name__}: {exc}") from None
            if not isinstance(loaded, dict) or loaded.get("kind") != "rookery.anomaly":
                raise ValueError(f"{path} is not a Rookery anomaly artifact")
            self.trained, self.source = loaded, "trained"
        else:
            self.trained, self.source = fit_forest(baseline_population()), "baseline"
        override = os.environ.get("ROOKERY_ANOMALY_THRESHOLD")
        if override:
            self.trained["threshold"] = float(override)
        self.ready = True
        return self.ready

    def score(self, rows: list[dict[str, float]]) -> list[dict[str, Any]]:
        matrix = as_matrix(rows)
        scores = -self.trained["forest"].score_samples(np.maximum(matrix, self.trained["floor"]))
        threshold = self.trained["threshold"]
        p99 = self.trained["p99"]
        results = []
        for row, logged, score in zip(rows, matrix, scores, strict=True):
            reasons = [f for f, v in zip(BEHAVIOUR_FEATURES, logged, strict=True) if v > p99[f]]
            results.append(
                {
                    "action": "flag" if score > threshold else "allow",
                    "score": round(float(score), 4),
                    "threshold": round(threshold, 4),
                    "reasons": reasons,
                    "features": {f: round(row[f], 4) for f in BEHAVIOUR_FEATURES},
                    "model": self.source,
                }
            )
        return results

    def predict_batch(self, instances: list[Any]) -> list[dict[str, Any]]:
        rows = [instance.features for instance in instances]
        return [{"account_id": i.account_id, **r} for i, r in zip(instances, self.score(rows), strict=True)]
