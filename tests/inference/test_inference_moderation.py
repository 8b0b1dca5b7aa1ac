from __future__ import annotations

import json

import pytest
from moderation_samples import ABUSIVE, BENIGN

from rookery.inference.moderation import LinearToxicity, ModerationModel, ModerationPolicy, plain_text, spam_signals

PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.85


def test_labelled_set_precision_and_recall(moderation_model: ModerationModel) -> None:
    assert len(ABUSIVE) >= 40 and len(BENIGN) >= 40
    results = moderation_model.classify(ABUSIVE + BENIGN)
    flagged = [r["action"] != "allow" for r in results]
    truth = [True] * len(ABUSIVE) + [False] * len(BENIGN)
    tp = sum(f and t for f, t in zip(flagged, truth, strict=True))
    fp = sum(f and not t for f, t in zip(flagged, truth, strict=True))
    fn = sum(t and not f for f, t in zip(flagged, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn)
    print(
        f"\nmoderation on {len(ABUSIVE)} abusive + {len(BENIGN)} benign: "
        f"precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})"
    )
    assert precision >= PRECISION_FLOOR
    assert recall >= RECALL_FLOOR
    assert all("toxic" in r["labels"] for r, f in zip(results[: len(ABUSIVE)], flagged, strict=False) if f)


def test_spam_rules_catch_link_floods_mention_storms_and_repetition(
    moderation_model: ModerationModel,
) -> None:
    links = " ".join(f"https://deals{i}.example/win" for i in range(7))
    mentions = " ".join(f"@user{i}" for i in range(12)) + " check my profile"
    repeated = "follow me " * 30
    copy_paste = "\n".join(["FREE CRYPTO GIVEAWAY"] * 6)
    results = moderation_model.classify([f"Amazing offers {links}", mentions, repeated, copy_paste])
    assert [r["action"] for r in results] == ["hide", "hide", "hide", "hide"]
    assert "links" in results[0]["labels"] and "spam" in results[0]["labels"]
    assert "mentions" in results[1]["labels"]
    assert "repetition" in results[2]["labels"] and "repetition" in results[3]["labels"]


def test_a_few_links_and_mentions_are_ordinary(moderation_model: ModerationModel) -> None:
    text = (
        "Thanks @ana and @ben for the tips! Notes at https://example.org/notes and https://example.org/slides"
    )
    (result,) = moderation_model.classify([text])
    assert result == {"action": "allow", "labels": [], "scores": result["scores"]}
    assert result["scores"]["spam"] == 0.0


def test_html_content_is_read_as_text() -> None:
    assert plain_text("<p>Hello <a href='x'>@bob</a> &amp; friends</p>").split() == [
        "Hello",
        "@bob",
        "&",
        "friends",
    ]


def test_one_link_over_the_limit_flags_and_twice_the_limit_hides() -> None:
    policy = ModerationPolicy(max_links=2)
    assert spam_signals("a https://a.example b https://b.example", policy)["links"] == 0.0
    assert policy.action(spam_signals(" ".join(["https://x.example"] * 3), policy)["links"]) == "flag"
    assert policy.action(spam_signals(" ".join(["https://x.example"] * 4), policy)["links"]) == "hide"


def test_policy_from_storage_file_and_environment(tmp_path) -> None:
    (tmp_path / "moderation").mkdir()
    (tmp_path / "moderation" / "policy.json").write_text(json.dumps({"flag_threshold": 0.3, "max_links": 1}))
    policy = ModerationPolicy.load(tmp_path, env={"ROOKERY_MODERATION_HIDE_THRESHOLD": "0.95"})
    assert (policy.flag_threshold, policy.hide_threshold, policy.max_links) == (0.3, 0.95, 1)


def test_thresholds_change_the_action() -> None:
    strict = ModerationModel()
    strict.load()
    strict.policy = ModerationPolicy(flag_threshold=0.01, hide_threshold=0.02)
    lenient = ModerationModel()
    lenient.load()
    lenient.policy = ModerationPolicy(flag_threshold=0.999, hide_threshold=1.0)
    text = "you are kind of a jerk sometimes"
    assert strict.classify([text])[0]["action"] == "hide"
    assert lenient.classify([text])[0]["action"] == "allow"


@pytest.mark.parametrize(
    "settings",
    [{"flag_threshold": 0.9, "hide_threshold": 0.5}, {"max_links": 0}, {"unknown_knob": 1}],
)
def test_bad_policies_are_refused(tmp_path, settings) -> None:
    (tmp_path / "moderation").mkdir()
    (tmp_path / "moderation" / "policy.json").write_text(json.dumps(settings))
    with pytest.raises(ValueError):
        ModerationPolicy.load(tmp_path, env={})


def test_the_linear_scorer_serves_and_equals_the_library(moderation_model: ModerationModel) -> None:
    """The classifier's probabilities from its fitted parameters, batched or one text at a time, are the
    library's own on every labelled text (the scorer is used only when they agree at load)."""
    import profanity_check

    assert isinstance(moderation_model._toxicity, LinearToxicity)
    texts = [*ABUSIVE, *BENIGN, "", "a" * 5000]
    library = profanity_check.predict_prob(texts)
    assert [round(float(p), 12) for p in moderation_model._toxicity(texts)] == [round(float(p), 12) for p in library]
    assert [round(float(moderation_model._toxicity([t])[0]), 12) for t in texts[:5]] == [
        round(float(p), 12) for p in library[:5]
    ]


def test_a_scorer_that_disagrees_with_the_library_is_not_used() -> None:
    import profanity_check

    linear = LinearToxicity.of(profanity_check.profanity_check)
    assert linear is not None and linear.agrees(profanity_check.predict_prob)
    linear.offsets = linear.offsets + 0.01  # a model whose parameters it misread
    assert not linear.agrees(profanity_check.predict_prob)
    assert LinearToxicity.of(object()) is None  # not the calibrated linear model it knows
