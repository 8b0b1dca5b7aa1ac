"""Moderation: a trained abusive-language classifier plus spam rules -> labels, scores and an action.

The classifier is the linear SVM shipped in the ``alt-profanity-check`` package (TF-IDF + calibrated
SVM trained on human-labelled comments). The spam rules catch what a language model misses: link
floods, repeated text and mention storms. The action is ``hide`` when any score reaches
``hide_threshold``, ``flag`` (send to the moderation queue) when one reaches ``flag_threshold``,
otherwise ``allow``.

Instance: ``{"text": "...", "id": "optional, echoed back"}`` (HTML is reduced to its text).
Prediction: ``{"id", "action", "labels": [...], "scores": {"toxic", "spam", "links", "mentions",
"repetition"}}``.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import pathlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rookery.inference._kserve import InferOutput, InferRequest
from rookery.inference.serving import InstanceModel, string_tensor
from rookery.inference.storage import artifact

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?")
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[^\W_]+", re.UNICODE)
CHAR_RUN = re.compile(r"(.)\1{9,}", re.DOTALL)


@dataclasses.dataclass(frozen=True)
class ModerationPolicy:
    """Thresholds and rule limits; from moderation/policy.json in storage, then ROOKERY_MODERATION_* env."""

    flag_threshold: float = 0.5
    hide_threshold: float = 0.9
    max_links: int = 3
    max_mentions: int = 5
    # share of repeated words tolerated in a text of at least `repetition_min_words` words
    max_repetition: float = 0.5
    repetition_min_words: int = 8

    def __post_init__(self) -> None:
        if not 0.0 < self.flag_threshold <= self.hide_threshold <= 1.0:
            raise ValueError("moderation thresholds need 0 < flag_threshold <= hide_threshold <= 1")
        if self.max_links < 1 or self.max_mentions < 1 or self.repetition_min_words < 2:
            raise ValueError("max_links and max_mentions must be >= 1, repetition_min_words >= 2")
        if not 0.0 <= self.max_repetition < 1.0:
            raise ValueError("max_repetition must be in [0, 1)")

    @classmethod
    def load(cls, storage: pathlib.Path | None = None, env: dict[str, str] | None = None) -> ModerationPolicy:
        env = dict(os.environ) if env is None else env
        values: dict[str, Any] = {}
        policy_file = artifact(storage, "moderation", "policy.json")
        if policy_file is not None:
            values.update(json.loads(policy_file.read_text()))
        for field in dataclasses.fields(cls):
            key = f"ROOKERY_MODERATION_{field.name.upper()}"
            if key in env:
                values[field.name] = env[key]
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown moderation policy settings: {sorted(unknown)}")
        kinds = {f.name: (int if f.type in ("int", int) else float) for f in dataclasses.fields(cls)}
        converted: dict[str, Any] = {k: kinds[k](v) for k, v in values.items()}
        return cls(**converted)

    def action(self, score: float) -> str:
        if score >= self.hide_threshold:
            return "hide"
        if score >= self.flag_threshold:
            return "flag"
        return "allow"


def plain_text(content: str) -> str:
    """Status content is HTML; the rules and the classifier read its text."""
    return html.unescape(TAG.sub(" ", content))


def over_limit(count: int, limit: int) -> float:
    """0 up to the limit; 0.5 just past it (flag); 1.0 at twice the limit (hide)."""
    if count <= limit:
        return 0.0
    return min(1.0, 0.5 + 0.5 * (count - limit) / limit)


def spam_signals(text: str, policy: ModerationPolicy) -> dict[str, float]:
    links = over_limit(len(URL.findall(text)), policy.max_links)
    mentions = over_limit(len(MENTION.findall(text)), policy.max_mentions)
    words = [w.lower() for w in WORD.findall(URL.sub(" ", text))]
    repetition = 0.0
    if len(words) >= policy.repetition_min_words:
        repeated = 1.0 - len(set(words)) / len(words)
        if repeated > policy.max_repetition:
            span = 1.0 - policy.max_repetition
            repetition = min(1.0, 0.5 + 0.5 * (repeated - policy.max_repetition) / (span * 0.8))
    lines = [ln.strip().lower() for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 3:
        most_common = Counter(lines).most_common(1)[0][1]
        repetition = max(repetition, over_limit(most_common, 2))
    if CHAR_RUN.search(text):
        repetition = max(repetition, 0.5)
    return {"links": links, "mentions": mentions, "repetition": repetition}


class ModerationInstance(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str = Field(max_length=100_000)
    id: str | int | None = None


class LinearToxicity:
    """The classifier's own probabilities from its fitted parameters, without scikit-learn's per-call
    checks. Its model is a CalibratedClassifierCV (sigmoid, binary) over linear SVMs: the probability
    of the positive class is the mean over the folds of ``expit(-(a * (x . w + c) + b))``, the folds'
    SVM weights ``w, c`` and sigmoid ``a, b`` stacked so one sparse product scores a batch. Checking
    the input (array and data-frame probes, a label encoder, five times: once per fold) took ~4.5 ms
    of the ~5 ms a one-text call cost here (profiled), so each new status cost the moderation
    consumer as much CPU as ten home-timeline reads. Used only when it agrees with the library on
    probe texts at load (``agrees``); otherwise the library's ``predict_prob`` serves."""

    PROBES = (
        "what a lovely day at the beach with friends",
        "you are a worthless idiot and everyone hates you",
        "shut up you stupid moron",
        "new release notes are up, see the changelog",
        "",
    )

    def __init__(self, vectorizer: Any, weights: Any, offsets: Any, slopes: Any, intercepts: Any) -> None:
        self.vectorizer = vectorizer
        self.weights, self.offsets = weights, offsets  # (features, folds), (folds,)
        self.slopes, self.intercepts = slopes, intercepts  # the folds' sigmoid a and b

    @classmethod
    def of(cls, package: Any) -> LinearToxicity | None:
        """From profanity_check's module (its ``vectorizer`` and ``model``); None for any other shape."""
        import numpy as np

        model = getattr(package, "model", None)
        folds = getattr(model, "calibrated_classifiers_", None)
        if getattr(model, "method", None) != "sigmoid" or not folds or len(getattr(model, "classes_", ())) != 2:
            return None
        weights, offsets, slopes, intercepts = [], [], [], []
        for fold in folds:
            estimator, calibrators = getattr(fold, "estimator", None), list(getattr(fold, "calibrators", ()))
            coef, intercept = getattr(estimator, "coef_", None), getattr(estimator, "intercept_", None)
            if coef is None or intercept is None or coef.shape[0] != 1 or len(calibrators) != 1:
                return None
            weights.append(np.asarray(coef[0], dtype=np.float64))
            offsets.append(float(intercept[0]))
            slopes.append(float(calibrators[0].a_))
            intercepts.append(float(calibrators[0].b_))
        return cls(
            package.vectorizer, np.stack(weights, axis=1), np.array(offsets), np.array(slopes), np.array(intercepts)
        )

    def __call__(self, texts: list[str]) -> Sequence[float]:
        from scipy.special import expit

        scores = self.vectorizer.transform(texts) @ self.weights + self.offsets  # (texts, folds)
        return list(expit(-(scores * self.slopes + self.intercepts)).mean(axis=1))

    def agrees(self, library: Callable[[list[str]], Sequence[float]], texts: Sequence[str] = PROBES) -> bool:
        return all(
            abs(float(ours) - float(theirs)) < 1e-9
            for ours, theirs in zip(self(list(texts)), library(list(texts)), strict=True)
        )


class ModerationModel(InstanceModel):
    Instance = ModerationInstance

    def __init__(self, name: str = "moderation", storage: pathlib.Path | None = None) -> None:
        super().__init__(name)
        self.storage = storage
        self.policy = ModerationPolicy()

    def load(self) -> bool:
        # profanity_check unpickles its vectorizer and SVM at import time
        import profanity_check

        self._toxicity: Callable[[list[str]], Sequence[float]] = profanity_check.predict_prob
        linear = LinearToxicity.of(profanity_check.profanity_check)
        if linear is not None and linear.agrees(profanity_check.predict_prob):
            self._toxicity = linear
        self.policy = ModerationPolicy.load(self.storage)
        self.ready = True
        return self.ready

    def classify(self, texts: list[str], ids: list[Any] | None = None) -> list[dict[str, Any]]:
        plain = [plain_text(t) for t in texts]
        toxic = self._toxicity(plain) if plain else []
        results = []
        for index, (text, toxicity) in enumerate(zip(plain, toxic, strict=True)):
            signals = spam_signals(text, self.policy)
            scores = {"toxic": round(float(toxicity), 4), "spam": max(signals.values()), **signals}
            labels = [
                label
                for label in ("toxic", "links", "mentions", "repetition")
                if scores[label] >= self.policy.flag_threshold
            ]
            if any(scores[s] >= self.policy.flag_threshold for s in signals):
                labels.append("spam")
            action = self.policy.action(max(scores["toxic"], scores["spam"]))
            result: dict[str, Any] = {"action": action, "labels": labels, "scores": scores}
            if ids is not None and ids[index] is not None:
                result["id"] = ids[index]
            results.append(result)
        return results

    def predict_batch(self, instances: list[Any]) -> list[dict[str, Any]]:
        return self.classify([i.text for i in instances], [i.id for i in instances])

    def tensor_instances(self, request: InferRequest) -> list[Any]:
        return [ModerationInstance(text=t) for t in string_tensor(request, "text")]

    def tensor_outputs(self, instances: list[Any], predictions: list[dict[str, Any]]) -> list[InferOutput]:
        n = len(predictions)
        return [
            InferOutput("action", [n], "BYTES", [p["action"] for p in predictions]),
            InferOutput("toxic", [n], "FP32", [p["scores"]["toxic"] for p in predictions]),
            InferOutput("spam", [n], "FP32", [p["scores"]["spam"] for p in predictions]),
        ]
