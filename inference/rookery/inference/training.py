"""`rookery inference train`: interaction events in, model artifacts out (the storage folder layout)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from rookery.inference.events import InteractionEvent, read_events

TRAINABLE = ("ranking", "anomaly")


def save(obj: dict[str, Any], out: pathlib.Path, model: str) -> pathlib.Path:
    import joblib

    folder = out / model
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.joblib"
    partial = folder / "model.joblib.partial"
    joblib.dump(obj, partial)
    # a model server reading the folder never sees half a file
    partial.replace(path)
    summary = {k: v for k, v in obj.items() if isinstance(v, str | int | float)}
    (folder / "metadata.json").write_text(json.dumps(summary, indent=2) + "\n")
    return path


def train(
    events: list[InteractionEvent],
    out: pathlib.Path,
    models: tuple[str, ...] = TRAINABLE,
    contamination: float | None = None,
) -> dict[str, Any]:
    """Train the named models and write them under ``out``; returns a summary per model."""
    from rookery.inference.anomaly import train_detector
    from rookery.inference.ranking import train_ranker

    summary: dict[str, Any] = {"events": len(events)}
    if "ranking" in models:
        ranker = train_ranker(events)
        summary["ranking"] = {
            "path": str(save(ranker, out, "ranking")),
            "examples": ranker["examples"],
            "positives": ranker["positives"],
        }
    if "anomaly" in models:
        detector = train_detector(events, contamination)
        summary["anomaly"] = {
            "path": str(save(detector, out, "anomaly")),
            "accounts": detector["accounts"],
            "threshold": round(detector["threshold"], 4),
        }
    return summary


def train_from_file(path: str | pathlib.Path, out: pathlib.Path, **kwargs: Any) -> dict[str, Any]:
    return train(read_events(path), out, **kwargs)
