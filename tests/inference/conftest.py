"""Inference fixtures: each model loads once per session; one model server process serves them all."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from inference_support import behaviour_events, ranking_events
from live_support import ModelServerProcess

from rookery.inference.events import InteractionEvent, write_events


@pytest.fixture(scope="session")
def moderation_model():
    from rookery.inference.moderation import ModerationModel

    model = ModerationModel()
    model.load()
    return model


@pytest.fixture(scope="session")
def embeddings_model():
    from rookery.inference.embeddings import EmbeddingsModel

    model = EmbeddingsModel()
    model.load()
    return model


@pytest.fixture(scope="session")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A JSONL export with ranking interactions and account behaviour, as the workloads will write it."""
    path = tmp_path_factory.mktemp("export") / "events.jsonl"
    events = [InteractionEvent.model_validate(e) for e in ranking_events() + behaviour_events()]
    write_events(path, events)
    return path


@pytest.fixture(scope="session")
def trained_storage(tmp_path_factory: pytest.TempPathFactory, events_file: pathlib.Path) -> pathlib.Path:
    from rookery.inference.cli import main

    storage = tmp_path_factory.mktemp("models")
    assert main(["train", "--events", str(events_file), "--out", str(storage)]) == 0
    return storage


@pytest.fixture(scope="session")
def model_server(
    trained_storage: pathlib.Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModelServerProcess]:
    """`rookery inference` with all four models and the trained artifacts."""
    log = tmp_path_factory.mktemp("logs") / "model-server.log"
    server = ModelServerProcess(
        "moderation,embeddings,ranking,anomaly", storage=trained_storage, log=log, grpc=True
    )
    server.start()
    yield server
    server.stop()
