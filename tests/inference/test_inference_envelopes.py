"""Training from the workloads' own event stream: envelopes in the embedded SQLite event log."""

from __future__ import annotations

import itertools
import pathlib
from typing import Any

import orjson
import pytest
from inference_support import behaviour_events, spam_account_events

from rookery.inference.anomaly import AnomalyModel
from rookery.inference.cli import main
from rookery.inference.envelopes import from_envelope
from rookery.workloads.adapters.sqlite import eventlog
from rookery.workloads.adapters.sqlite.db import Database
from rookery.workloads.domain.events import Event

IDS = itertools.count(1)


def envelope(event: dict[str, Any]) -> tuple[str, Event]:
    """How the workloads publish what the synthetic event describes (services/posts, interactions, graph)."""
    actor = int(event["account_id"].removeprefix("person").removeprefix("spammer")) + (
        10_000 if event["account_id"].startswith("spammer") else 0
    )
    at = event["created_at"]
    if event["type"] == "status":
        payload = {
            "status_id": next(IDS),
            "account_id": actor,
            "visibility": "public",
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "reblog_of_id": None,
            "reblog_account_id": None,
            "mentions": [],
        }
        return "posts", Event(type="StatusCreated", key=str(actor), payload=payload, occurred_at=at)
    if event["type"] == "favourite":
        payload = {"status_id": int(event["status_id"]), "account_id": actor, "status_account_id": 5}
        return "interactions", Event(type="Favourited", key=str(actor), payload=payload, occurred_at=at)
    kind = "Followed" if event["type"] == "follow" else "Unfollowed"
    payload = {"account_id": actor, "target_id": next(IDS)}
    return "graph", Event(type=kind, key=str(actor), payload=payload, occurred_at=at)


@pytest.fixture(scope="module")
async def event_log(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("data") / "rookery.db"
    db = Database(path)
    await db.connect()
    await db.migrate(eventlog.MIGRATIONS)
    bus = eventlog.SqliteEventBus(db)
    for event in behaviour_events(ordinary=60, spammers=1):
        await bus.publish(*envelope(event))
    await bus.publish("messages", Event(type="ChatCreated", key="1", payload={"members": ["1", "2"]}))
    await db.close()
    return path


def test_envelopes_map_to_interaction_events() -> None:
    at = "2026-11-20T10:00:00+00:00"
    reblog = {
        "type": "StatusCreated",
        "occurred_at": at,
        "payload": {"status_id": 9, "account_id": 1, "reblog_of_id": 3, "reblog_account_id": 2},
    }
    reply = {
        "type": "StatusCreated",
        "occurred_at": at,
        "payload": {"status_id": 10, "account_id": 1, "in_reply_to_id": 4, "in_reply_to_account_id": 2},
    }
    assert [(e.type, e.status_id, e.author_id) for e in from_envelope(reblog)] == [("reblog", "3", "2")]
    assert [(e.type, e.status_id) for e in from_envelope(reply)] == [("status", "10"), ("reply", "4")]
    assert from_envelope({"type": "Blocked", "occurred_at": at, "payload": {"account_id": 1}}) == []


async def test_anomaly_trains_from_the_embedded_event_log(
    event_log: pathlib.Path, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "models"
    assert main(["train", "--eventlog", str(event_log), "--models", "anomaly", "--out", str(out)]) == 0
    assert orjson.loads(capsys.readouterr().out)["anomaly"]["accounts"] == 61
    model = AnomalyModel(storage=out)
    model.load()
    bot_events = [
        {k: v for k, v in e.items() if k not in ("account_id", "text")} for e in spam_account_events("x")
    ]
    person = {"account_id": "p", "events": [{"type": "status", "created_at": "2026-11-20T10:00:00Z"}]}
    bot, ordinary = await model.infer_instances([{"account_id": "x", "events": bot_events}, person])
    assert (bot["action"], ordinary["action"]) == ("flag", "allow")


def test_ranking_from_the_event_log_alone_asks_for_views(
    event_log: pathlib.Path, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--eventlog", str(event_log), "--models", "ranking", "--out", str(tmp_path)]) == 2
    assert "view" in capsys.readouterr().err


def test_a_file_that_is_not_an_event_log_is_a_clear_error(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"not sqlite at all" * 100)
    assert main(["train", "--eventlog", str(bogus), "--out", str(tmp_path)]) == 2
    assert "not a Rookery event log" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path)]) == 2
    assert "--events" in capsys.readouterr().err
