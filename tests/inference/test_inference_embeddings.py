from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from rookery.inference.embeddings import DIMENSIONS, AccountInstance, EmbeddingsModel, decayed_mean

PARAPHRASES = [
    ("The cat is sleeping on the sofa.", "A kitty is napping on the couch."),
    ("The train to Berlin was cancelled this morning.", "This morning's Berlin train got cancelled."),
    (
        "I baked a chocolate cake for my daughter's birthday.",
        "For my girl's birthday I made a chocolate cake.",
    ),
    (
        "Our startup just raised its first round of funding.",
        "The company I founded closed its seed investment.",
    ),
    ("It has been raining all week in Dublin.", "Dublin has had rain every day this week."),
    ("How do I reset my password?", "What are the steps to change a forgotten password?"),
    ("The team won the championship final last night.", "Last night they took the title in the final."),
    (
        "Solar panels are getting cheaper every year.",
        "The price of photovoltaic panels keeps dropping annually.",
    ),
]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_vectors_are_384_dimensional_and_normalized(embeddings_model: EmbeddingsModel) -> None:
    vectors = embeddings_model.encode(["hello world", "a second status", "🦆 duck pond"])
    assert vectors.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    import torch

    assert embeddings_model.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert str(embeddings_model._encoder.device).startswith(embeddings_model.device)


def test_paraphrases_are_closer_than_unrelated_texts(embeddings_model: EmbeddingsModel) -> None:
    firsts = embeddings_model.encode([a for a, _ in PARAPHRASES])
    seconds = embeddings_model.encode([b for _, b in PARAPHRASES])
    for i in range(len(PARAPHRASES)):
        paraphrase = cosine(firsts[i], seconds[i])
        unrelated = max(cosine(firsts[i], seconds[j]) for j in range(len(PARAPHRASES)) if j != i)
        assert paraphrase > unrelated + 0.1, (PARAPHRASES[i], paraphrase, unrelated)


def test_account_vector_follows_recent_activity(embeddings_model: EmbeddingsModel) -> None:
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
    old_cooking = [
        {"text": t, "created_at": now - dt.timedelta(days=30), "interaction": "status"}
        for t in [
            "Slow-cooked beef stew with rosemary",
            "My favourite lasagna recipe",
            "Kneading pizza dough",
        ]
    ]
    recent_football = [
        {"text": t, "created_at": now - dt.timedelta(hours=3), "interaction": "favourite"}
        for t in [
            "What a goal in the derby!",
            "The striker scored a hat-trick",
            "League table after matchday 12",
        ]
    ]
    account = AccountInstance.model_validate(
        {"account_id": "7", "items": old_cooking + recent_football, "half_life_hours": 72, "now": now}
    )
    vector = embeddings_model.account_vector(account)
    football, cooking = embeddings_model.encode(["football match results", "cooking recipes for dinner"])
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)
    assert cosine(vector, football) > cosine(vector, cooking)

    # with a very long half-life the three authored cooking posts outweigh three favourites
    slow = account.model_copy(update={"half_life_hours": 1e9})
    slow_vector = embeddings_model.account_vector(slow)
    assert cosine(slow_vector, cooking) > cosine(vector, cooking)


def test_decayed_mean_halves_weight_per_half_life() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    mean = decayed_mean(vectors, np.array([0.0, 24.0]), np.array([1.0, 1.0]), half_life_hours=24.0)
    assert mean[0] / mean[1] == pytest.approx(2.0)


async def test_v1_instances_mix_statuses_and_accounts(embeddings_model: EmbeddingsModel) -> None:
    now = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC).isoformat()
    predictions = await embeddings_model.infer_instances(
        [
            {"text": "a status", "id": "42"},
            {"account_id": 9, "items": [{"text": "hello", "created_at": now}], "now": now},
        ]
    )
    assert predictions[0]["kind"] == "status" and predictions[0]["id"] == "42"
    assert predictions[1]["kind"] == "account" and predictions[1]["items"] == 1
    # one authored item: the account vector is that item's vector
    assert np.allclose(predictions[1]["embedding"], embeddings_model.encode(["hello"])[0], atol=1e-5)
