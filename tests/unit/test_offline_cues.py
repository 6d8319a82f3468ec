"""Code stripping, gratitude and winsorised inputs of the take-it-offline scorer (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

from cogs.offline.cues import strip_code
from cogs.offline.features import FEATURE_NAMES, exchange_vector
from cogs.offline.messages import lexicon_terms, message_features
from cogs.offline.scorer import MODEL_PATH, HeatScorer, Msg
from cogs.offline.signals import DIRECTIONS


def test_code_spans_are_not_conversation() -> None:
    text = "it crashes:\n```\nFATAL ERROR kill -9 failed!!! != null\n```\nany idea? see `die()`"
    assert "FATAL" not in strip_code(text)
    assert "die" not in strip_code(text)
    assert "any idea?" in strip_code(text)
    assert strip_code("no code here") == "no code here"
    assert "rest" not in strip_code("before ``` unclosed rest")
    f = message_features(text)
    assert f.excl == 0 and f.prof == 0
    assert "fatal" not in lexicon_terms(text)


def test_gratitude_is_counted_and_reaches_the_window() -> None:
    assert message_features("thanks, that works! really appreciate it").grat == 2
    assert message_features("please fix this").grat == 0
    feats = [message_features(t) for t in ("it is broken", "try the flag", "thank you, works")]
    x = exchange_vector(feats, ["A", "B", "A"])
    assert x[FEATURE_NAMES.index("grat_last2")] == 1.0
    assert x[FEATURE_NAMES.index("grat_any")] == 1.0
    x = exchange_vector(feats[:2], ["A", "B"])
    assert x[FEATURE_NAMES.index("grat_last2")] == 0.0


def test_every_input_has_a_description() -> None:
    assert set(FEATURE_NAMES) <= set(DIRECTIONS)
    assert all(high or low for high, low in DIRECTIONS.values())


def test_one_extreme_input_cannot_carry_the_score() -> None:
    """Inputs are held within model.json["clip"] standard deviations of the training mean."""
    model = json.loads(Path(MODEL_PATH).read_text(encoding="utf-8"))
    assert model["clip"] > 0
    scorer = HeatScorer(model)
    i = FEATURE_NAMES.index("excl_rate")
    loud = [Msg("A", None, None, "it broke" + "!" * 200), Msg("B", None, "A", "ok" + "!" * 400)]
    some = [Msg("A", None, None, "it broke" + "!" * 20), Msg("B", None, "A", "ok" + "!" * 40)]
    assert scorer.score(loud) == scorer.score(some)
    feats = [scorer.features(m.text) for m in loud]
    assert exchange_vector(feats, ["A", "B"])[i] > model["mean"][i] + model["clip"] * model["scale"][i]
