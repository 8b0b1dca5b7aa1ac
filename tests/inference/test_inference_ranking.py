from __future__ import annotations

import datetime as dt
import json
import pathlib

import pytest
from inference_support import NOW, iso, ranking_events

from rookery.inference.cli import main
from rookery.inference.events import InteractionEvent
from rookery.inference.ranking import FEATURES, RankingInstance, RankingModel, TrainingError, train_ranker


def candidates(*authors: str, age_hours: float = 2.0) -> list[dict]:
    return [
        {
            "status_id": f"{author}-new",
            "author_id": author,
            "created_at": iso(NOW - dt.timedelta(hours=age_hours)),
        }
        for author in authors
    ]


def trained_model(storage: pathlib.Path) -> RankingModel:
    model = RankingModel(storage=storage)
    model.load()
    return model


def test_training_learns_that_affinity_drives_engagement(trained_storage: pathlib.Path) -> None:
    model = trained_model(trained_storage)
    assert model.trained is not None
    coefficients = dict(zip(FEATURES, model.trained["pipeline"][-1].coef_[0], strict=True))
    assert coefficients["author_affinity"] > 0
    alice = model.trained["affinity"]["alice"]
    assert alice["xavier"] > 10 and alice["xavier"] > 5 * alice.get("yann", 0.0)


def test_the_author_alice_engages_with_outranks_the_one_she_scrolls_past(
    trained_storage: pathlib.Path,
) -> None:
    model = trained_model(trained_storage)
    instance = RankingInstance.model_validate(
        {"account_id": "alice", "now": iso(NOW), "candidates": candidates("yann", "xavier")}
    )
    result = model.rank(instance)
    assert result["ranker"] == "model"
    assert [c["status_id"] for c in result["ranked"]] == ["xavier-new", "yann-new"]
    assert result["ranked"][0]["score"] > result["ranked"][1]["score"]


def test_caller_affinity_and_similarity_are_used(trained_storage: pathlib.Path) -> None:
    model = trained_model(trained_storage)
    items = candidates("someone", "other")
    items[1]["author_affinity"] = 12.0
    result = model.rank(
        RankingInstance.model_validate({"account_id": "nobody", "now": iso(NOW), "candidates": items})
    )
    assert result["ranked"][0]["status_id"] == "other-new"


def test_without_a_trained_model_ranking_is_chronological(tmp_path: pathlib.Path) -> None:
    model = RankingModel(storage=tmp_path)
    model.load()
    items = (
        candidates("xavier", age_hours=10) + candidates("yann", age_hours=1) + candidates("zoe", age_hours=5)
    )
    result = model.rank(
        RankingInstance.model_validate({"account_id": "alice", "now": iso(NOW), "candidates": items})
    )
    assert result["ranker"] == "chronological"
    assert [c["status_id"] for c in result["ranked"]] == ["yann-new", "zoe-new", "xavier-new"]


def test_training_needs_views_as_negatives() -> None:
    engaged_only = [InteractionEvent.model_validate(e) for e in ranking_events() if e["type"] != "view"]
    with pytest.raises(TrainingError, match="view"):
        train_ranker(engaged_only)


def test_train_command_writes_artifacts_and_metadata(trained_storage: pathlib.Path) -> None:
    for model in ("ranking", "anomaly"):
        assert (trained_storage / model / "model.joblib").is_file()
        metadata = json.loads((trained_storage / model / "metadata.json").read_text())
        assert metadata["kind"] == f"rookery.{model}"


def test_train_command_reports_bad_lines_clearly(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"type": "view", "account_id": "1", "status_id": "2", "author_id": "3",'
        ' "created_at": "2026-11-20T10:00:00Z"}\n'
        '{"type": "favourite", "account_id": "1", "created_at": "2026-11-20T10:00:00Z"}\n'
    )
    assert main(["train", "--events", str(events), "--out", str(tmp_path / "out")]) == 2
    assert "events.jsonl:2" in capsys.readouterr().err
    events.write_text("not json\n")
    assert main(["train", "--events", str(events), "--out", str(tmp_path / "out")]) == 2
    assert "events.jsonl:1: not JSON" in capsys.readouterr().err
    assert main(["train", "--events", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--events", str(events), "--models", "moderation"])
    assert exit_.value.code == 2


def test_ranking_artifact_loads_from_file_uri(trained_storage: pathlib.Path) -> None:
    from rookery.inference.storage import StorageError, resolve_storage

    resolved = resolve_storage(f"file://{trained_storage}")
    assert resolved == trained_storage
    assert trained_model(resolved).trained is not None
    with pytest.raises(StorageError, match="storage initializer"):
        resolve_storage("s3://bucket/models")
