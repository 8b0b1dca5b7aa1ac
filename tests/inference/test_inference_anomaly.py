from __future__ import annotations

import pathlib
import random

import pytest
from inference_support import ordinary_account_events, spam_account_events

from rookery.inference.anomaly import BEHAVIOUR_FEATURES, AnomalyModel, train_detector
from rookery.inference.events import InteractionEvent
from rookery.inference.ranking import TrainingError


def strip_account(events: list[dict]) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "account_id"} for e in events]


@pytest.fixture(scope="module")
def trained_detector(trained_storage: pathlib.Path) -> AnomalyModel:
    model = AnomalyModel(storage=trained_storage)
    model.load()
    assert model.source == "trained"
    return model


@pytest.mark.parametrize("source", ["trained", "baseline"])
async def test_scripted_spammer_is_flagged_and_ordinary_people_are_not(
    source: str, trained_detector: AnomalyModel, tmp_path: pathlib.Path
) -> None:
    if source == "trained":
        model = trained_detector
    else:
        model = AnomalyModel(storage=tmp_path)
        model.load()
        assert model.source == "baseline"
    rng = random.Random(2026)
    instances = [{"account_id": "bot", "events": strip_account(spam_account_events("bot"))}]
    instances += [
        {"account_id": f"fresh{i}", "events": strip_account(ordinary_account_events(f"fresh{i}", rng))}
        for i in range(25)
    ]
    predictions = await model.infer_instances(instances)
    bot, people = predictions[0], predictions[1:]
    assert bot["action"] == "flag"
    assert {"duplicate_ratio", "follows_per_hour"} <= set(bot["reasons"])
    assert [p["account_id"] for p in people if p["action"] == "flag"] == []
    assert bot["score"] > max(p["score"] for p in people)


async def test_features_can_be_given_directly(trained_detector: AnomalyModel) -> None:
    quiet = dict.fromkeys(BEHAVIOUR_FEATURES, 0.0)
    # forty copies an hour of one text with three links and four mentions
    loud = {
        **quiet,
        "statuses_per_hour": 40.0,
        "duplicate_ratio": 0.95,
        "links_per_status": 3.0,
        "mentions_per_status": 4.0,
    }
    predictions = await trained_detector.infer_instances(
        [{"account_id": 1, "features": quiet}, {"account_id": 2, "features": loud}]
    )
    assert [p["action"] for p in predictions] == ["allow", "flag"]
    assert predictions[0]["account_id"] == "1"


def test_training_needs_enough_accounts() -> None:
    events = [InteractionEvent.model_validate(e) for e in spam_account_events("only")]
    with pytest.raises(TrainingError, match="at least"):
        train_detector(events)
