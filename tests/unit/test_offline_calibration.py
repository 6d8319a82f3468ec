"""A sensitivity is a promise about how often the bot speaks, kept per channel whatever the
community's score scale (cogs/offline/calibration.py through the scorer's public API)."""

from __future__ import annotations

import random

import pytest

from cogs.offline.calibration import ScoreDistribution, histogram, line, quiet_rate
from cogs.offline.scorer import ChannelHeat, HeatScorer


@pytest.fixture(scope="module")
def scorer() -> HeatScorer:
    return HeatScorer()


def _flag_rate(scorer: HeatScorer, scores: list[float], sensitivity: str) -> float:
    """Stream scores through one channel and count how often the bot would have spoken."""
    channel = scorer.new_distribution()
    flagged = 0
    for s in scores:
        channel.observe(s)
        if s >= line(channel, scorer.rate(sensitivity), scorer.floor):
            flagged += 1
    return flagged / len(scores)


@pytest.mark.parametrize("centre", [0.35, 0.6, 0.8])
def test_low_keeps_its_promise_on_any_hot_scale(scorer: HeatScorer, centre: float) -> None:
    # Three communities whose scores sit at very different levels of the global model's scale.
    rng = random.Random(int(centre * 100))
    scores = [min(0.999, max(0.001, rng.gauss(centre, 0.08))) for _ in range(6000)]
    rate = _flag_rate(scorer, scores, "low")
    assert 0.02 <= rate <= 0.06, rate
    medium = _flag_rate(scorer, scores, "medium")
    assert 0.3 <= medium <= 0.5, medium


def test_a_calm_channel_is_not_prompted_on_its_least_calm_pleasantry(scorer: HeatScorer) -> None:
    rng = random.Random(1)
    calm = [rng.uniform(0.01, scorer.floor * 0.9) for _ in range(3000)]
    assert _flag_rate(scorer, calm, "low") == 0.0
    assert _flag_rate(scorer, calm, "high") == 0.0


def test_a_new_channel_uses_the_global_prior(scorer: HeatScorer) -> None:
    fresh = scorer.new_distribution()
    for s in ("low", "medium", "high"):
        assert line(fresh, scorer.rate(s), scorer.floor) == pytest.approx(scorer.threshold(s))
    assert scorer.threshold("low") > scorer.threshold("medium") >= scorer.threshold("high")


def test_the_channel_wins_over_the_prior_as_it_talks(scorer: HeatScorer) -> None:
    channel = scorer.new_distribution()
    prior_line = channel.threshold(scorer.rate("low"))
    for _ in range(2000):
        channel.observe(0.95)
    assert channel.threshold(scorer.rate("low")) > max(prior_line, 0.9)


def test_two_dismissals_in_a_row_halve_the_share_and_it_has_a_floor() -> None:
    assert quiet_rate(0.04, 0) == quiet_rate(0.04, 1) == 0.04
    assert quiet_rate(0.04, 2) == pytest.approx(0.02)
    assert quiet_rate(0.04, 3) == pytest.approx(0.01)
    assert quiet_rate(0.04, 50) == pytest.approx(0.04 / 16)


def test_the_distribution_is_bounded_and_ignores_nonsense() -> None:
    d = ScoreDistribution(histogram([0.5] * 10), 100)
    for v in (float("nan"), -1.0, 2.0):
        d.observe(v)
    assert d.weight == pytest.approx(100)
    for i in range(20_000):
        d.observe((i % 100) / 100)
    assert d.weight <= 4001
    assert 0.0 < d.threshold(0.5) < 1.0
    assert d.threshold(0.0) >= d.threshold(0.04) >= d.threshold(1.0)


def test_a_bad_prior_falls_back_to_flat() -> None:
    d = ScoreDistribution([1.0, 2.0], 50)  # wrong length: never crash, start flat
    assert 0.0 < d.threshold(0.5) < 1.0


def test_channel_heat_keeps_scores_only(scorer: HeatScorer) -> None:
    from cogs.offline.scorer import Msg

    heat = ChannelHeat(scorer)
    before = heat.scores.weight
    heat.observe(Msg("a", 1.0, None, "you are wrong"))
    assert heat.scores.weight == pytest.approx(before + 1)
    assert all(isinstance(v, float) for v in heat.scores._counts)
