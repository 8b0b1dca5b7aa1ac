from __future__ import annotations

import pathlib

import pytest

from rookery.inference.cli import main
from rookery.inference.storage import KSERVE_MODEL_DIR, StorageError, resolve_storage


def test_unknown_models_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--models", "moderation,sentiment"])
    assert exit_.value.code == 2
    assert "choose from moderation, embeddings, ranking, anomaly" in capsys.readouterr().err


def test_remote_storage_uri_is_refused_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--storage-uri", "gs://bucket/rookery", "--models", "anomaly"]) == 2
    assert "storage initializer downloads it to /mnt/models" in capsys.readouterr().err


def test_storage_uri_that_is_a_file_is_refused(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "model.joblib"
    file.write_bytes(b"x")
    assert main(["serve", "--storage-uri", str(file)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_a_corrupt_artifact_stops_start_up_with_a_clear_error(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ranking").mkdir()
    (tmp_path / "ranking" / "model.joblib").write_bytes(b"not a pickle")
    assert main(["--storage-uri", f"file://{tmp_path}", "--models", "ranking"]) == 2
    assert "cannot load models" in capsys.readouterr().err


def test_storage_resolution(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROOKERY_MODEL_STORAGE_URI", raising=False)
    assert resolve_storage(str(tmp_path)) == tmp_path
    assert resolve_storage(f"file://{tmp_path}") == tmp_path
    assert resolve_storage() == (KSERVE_MODEL_DIR if KSERVE_MODEL_DIR.is_dir() else None)
    monkeypatch.setenv("ROOKERY_MODEL_STORAGE_URI", f"file://{tmp_path}")
    assert resolve_storage() == tmp_path
    with pytest.raises(StorageError, match="remote host"):
        resolve_storage("file://elsewhere/models")
