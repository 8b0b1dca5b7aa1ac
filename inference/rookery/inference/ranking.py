"""Ranking: scores home-timeline candidates; a scikit-learn model trained on the platform's events.

Features per (account, candidate): recency (log1p of age in hours), author affinity (log1p of the
account's weighted engagements with the author: favourite 1, reblog 2, reply 3), engagement
(log1p of favourites + 2 x reblogs + replies) and embedding similarity (cosine of the account
vector and the status embedding). The model is a standardised logistic regression trained on
"engaged or only viewed" per (account, status) from the event export (see events.py); without a
trained artifact the ranker falls back to chronological order.

Instance::

    {"account_id": "17", "now": optional ISO time, "account_embedding": optional [384],
     "candidates": [{"status_id", "author_id", "created_at", "favourites_count", "reblogs_count",
                     "replies_count", "author_affinity": optional, "similarity": optional,
                     "embedding": optional [384]}]}

Prediction: ``{"account_id", "ranker": "model" | "chronological", "ranked": [{"status_id",
"score"}, ...]}``, best first. ``author_affinity`` given by the caller wins over the trained table.
"""

from __future__ import annotations

import datetime as dt
import math
import pathlib
from collections import defaultdict
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from rookery.inference.events import ENGAGEMENTS, InteractionEvent
from rookery.inference.serving import InstanceModel
from rookery.inference.storage import artifact

FEATURES = ("recency", "author_affinity", "engagement", "similarity")
AFFINITY_WEIGHTS = {"favourite": 1.0, "reblog": 2.0, "reply": 3.0}
ARTIFACT = "model.joblib"


class TrainingError(ValueError):
    """The events cannot train this model (the message says what is missing)."""


def utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def feature_row(age_hours: float, affinity: float, engagement: float, similarity: float) -> list[float]:
    return [
        math.log1p(max(age_hours, 0.0)),
        math.log1p(max(affinity, 0.0)),
        math.log1p(max(engagement, 0.0)),
        similarity,
    ]


def training_examples(events: list[InteractionEvent]) -> tuple[np.ndarray, np.ndarray]:
    """One example per (account, status) seen: engaged (1) or only viewed (0)."""
    per_pair: dict[tuple[str, str], list[InteractionEvent]] = defaultdict(list)
    weight_by: dict[tuple[str, str], float] = defaultdict(float)  # (account, author)
    pair_weight: dict[tuple[str, str], float] = defaultdict(float)  # (account, status)
    status_engagement: dict[str, float] = defaultdict(float)
    for event in events:
        if event.status_id is None or event.type not in (*ENGAGEMENTS, "view"):
            continue
        per_pair[(event.account_id, event.status_id)].append(event)
        if event.type in ENGAGEMENTS:
            weight = AFFINITY_WEIGHTS[event.type]
            assert event.author_id is not None
            weight_by[(event.account_id, event.author_id)] += weight
            pair_weight[(event.account_id, event.status_id)] += weight
            status_engagement[event.status_id] += 2.0 if event.type == "reblog" else 1.0
    rows, labels = [], []
    for (account, status), seen in per_pair.items():
        first = min(seen, key=lambda e: e.at)
        author = first.author_id
        assert author is not None
        own = pair_weight[(account, status)]
        # leave this status out of its own affinity and engagement features
        affinity = weight_by[(account, author)] - own
        engagement = status_engagement[status] - sum(
            2.0 if e.type == "reblog" else 1.0 for e in seen if e.type in ENGAGEMENTS
        )
        posted = first.status_at
        age = (first.at - posted).total_seconds() / 3600 if posted else 0.0
        similarity = max((e.similarity for e in seen if e.similarity is not None), default=0.0)
        rows.append(feature_row(age, affinity, engagement, similarity))
        labels.append(1 if own > 0 else 0)
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES)), np.asarray(labels)


def affinity_table(events: list[InteractionEvent]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for event in events:
        if event.type in ENGAGEMENTS and event.author_id is not None:
            row = table[event.account_id]
            row[event.author_id] = row.get(event.author_id, 0.0) + AFFINITY_WEIGHTS[event.type]
    return dict(table)


def train_ranker(events: list[InteractionEvent]) -> dict[str, Any]:
    """Fit the ranking pipeline; returns the artifact (what RankingModel loads)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = training_examples(events)
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        raise TrainingError(
            f"ranking needs engaged and merely viewed statuses; got {positives} engaged of {len(y)} "
            "(export 'view' events for impressions)"
        )
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", max_iter=1000))
    pipeline.fit(x, y)
    return {
        "kind": "rookery.ranking",
        "version": 1,
        "features": list(FEATURES),
        "pipeline": pipeline,
        "affinity": affinity_table(events),
        "examples": len(y),
        "positives": positives,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(),
    }


class Candidate(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)
    status_id: str
    author_id: str
    created_at: dt.datetime
    favourites_count: int = Field(0, ge=0)
    reblogs_count: int = Field(0, ge=0)
    replies_count: int = Field(0, ge=0)
    author_affinity: float | None = Field(None, ge=0)
    similarity: float | None = Field(None, ge=-1, le=1)
    embedding: list[float] | None = None


class RankingInstance(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)
    account_id: str
    candidates: list[Candidate] = Field(max_length=2000)
    now: dt.datetime | None = None
    account_embedding: list[float] | None = None


def cosine(a: list[float] | None, b: list[float] | None) -> float:
    if a is None or b is None or len(a) != len(b):
        return 0.0
    va, vb = np.asarray(a), np.asarray(b)
    denominator = float(np.linalg.norm(va) * np.linalg.norm(vb))
    return float(va @ vb) / denominator if denominator else 0.0


class RankingModel(InstanceModel):
    Instance = RankingInstance

    def __init__(self, name: str = "ranking", storage: pathlib.Path | None = None) -> None:
        super().__init__(name)
        self.storage = storage
        self.trained: dict[str, Any] | None = None

    def load(self) -> bool:
        path = artifact(self.storage, "ranking", ARTIFACT)
        if path is not None:
            import joblib

            try:
                loaded = joblib.load(path)
            except Exception as exc:  # a truncated or foreign file: say which, not a traceback
                raise ValueError(f"{path} cannot be read: {type(exc).__name__}: {exc}") from None
            if not isinstance(loaded, dict) or loaded.get("kind") != "rookery.ranking":
                raise ValueError(f"{path} is not a Rookery ranking artifact")
            self.trained = loaded
        self.ready = True
        return self.ready

    def features(self, instance: RankingInstance, now: dt.datetime) -> np.ndarray:
        table = (self.trained or {}).get("affinity", {}).get(instance.account_id, {})
        rows = []
        for c in instance.candidates:
            affinity = c.author_affinity if c.author_affinity is not None else table.get(c.author_id, 0.0)
            similarity = (
                c.similarity if c.similarity is not None else cosine(instance.account_embedding, c.embedding)
            )
            age = (now - utc(c.created_at)).total_seconds() / 3600
            engagement = c.favourites_count + 2 * c.reblogs_count + c.replies_count
            rows.append(feature_row(age, affinity, engagement, similarity))
        return np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))

    def rank(self, instance: RankingInstance) -> dict[str, Any]:
        now = utc(instance.now) if instance.now else dt.datetime.now(dt.UTC)
        if not instance.candidates:
            scores: list[float] = []
        elif self.trained is None:
            scores = [
                1.0 / (1.0 + max((now - utc(c.created_at)).total_seconds(), 0) / 3600)
                for c in instance.candidates
            ]
        else:
            scores = self.trained["pipeline"].predict_proba(self.features(instance, now))[:, 1].tolist()
        order = sorted(
            zip(instance.candidates, scores, strict=True),
            key=lambda pair: (pair[1], utc(pair[0].created_at), pair[0].status_id),
            reverse=True,
        )
        return {
            "account_id": instance.account_id,
            "ranker": "model" if self.trained is not None else "chronological",
            "ranked": [{"status_id": c.status_id, "score": round(s, 6)} for c, s in order],
        }

    def predict_batch(self, instances: list[Any]) -> list[dict[str, Any]]:
        return [self.rank(instance) for instance in instances]
