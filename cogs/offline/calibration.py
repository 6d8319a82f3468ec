"""Per-channel calibration: a sensitivity is a promise about how often the bot speaks.

A score's scale depends on the community: the same model scores a debate forum hotter than a bug
tracker. So a sensitivity is not a fixed score but a share of the channel's own exchanges
(``low`` = only the hottest few per cent), and each channel tracks the distribution of its own
scores. A new channel starts from the global model's distribution (the prior, measured on the
training domains), which the channel's own scores wash out as it talks.

Only scores are kept (a fixed histogram over the logit), never text or authors.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Mapping, Sequence

Z_RANGE = 8.0  # logits beyond +-8 (probability 0.9997) share the end bins
BINS = 320
_WIDTH = 2 * Z_RANGE / BINS
# Counts are halved once the total passes this, so old weeks count less than this week's talk
# and the prior fades after a few hundred exchanges.
HORIZON = 2000.0
# The threshold moves slowly; recomputing it on every message would cost more than scoring.
_REFRESH_EVERY = 16
# Shares alone would have a channel of pleasantries prompted on its least pleasant "thanks!".
# So no exchange calmer than this share of the training exchanges (by the global model) is ever
# prompted on, whatever the channel's own distribution says.
FLOOR_RATE = 0.8
# A channel that dismisses prompts in a row gets quieter: each dismissal after the first
# multiplies the share of exchanges it is prompted on by this, at most `MAX_QUIET` times. A
# prompt that leads to a meetup poll ends the streak (cogs/offline/repo.py).
QUIET_FACTOR = 0.5
MAX_QUIET = 4


def _bin(p: float) -> int:
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    z = math.log(p / (1.0 - p))
    return min(BINS - 1, max(0, int((z + Z_RANGE) / _WIDTH)))


def _prob(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def histogram(scores: Sequence[float], weights: Sequence[float] | None = None) -> list[float]:
    """Normalised histogram of scores in this module's bins (the prior shipped in model.json)."""
    counts = [0.0] * BINS
    for i, s in enumerate(scores):
        counts[_bin(s)] += 1.0 if weights is None else float(weights[i])
    total = sum(counts) or 1.0
    return [c / total for c in counts]


class ScoreDistribution:
    """One channel's score distribution, started from the prior."""

    __slots__ = ("_counts", "_total", "_since", "_cache")

    def __init__(self, prior: Sequence[float], prior_weight: float) -> None:
        self._counts = array("f", (float(c) * prior_weight for c in prior))
        if len(self._counts) != BINS:
            self._counts = array("f", [prior_weight / BINS] * BINS)
        self._total = float(sum(self._counts))
        self._since = 0
        self._cache: dict[float, float] = {}

    def observe(self, score: float) -> None:
        if not 0.0 <= score <= 1.0:  # NaN included
            return
        self._counts[_bin(score)] += 1.0
        self._total += 1.0
        if self._total > 2 * HORIZON:
            for i in range(BINS):
                self._counts[i] *= 0.5
            self._total *= 0.5
        self._since += 1
        if self._since >= _REFRESH_EVERY:
            self._since = 0
            self._cache.clear()

    def threshold(self, rate: float) -> float:
        """The score above which ``rate`` of this channel's exchanges lie."""
        hit = self._cache.get(rate)
        if hit is None:
            hit = self._cache[rate] = self._quantile_from_top(rate)
        return hit

    def _quantile_from_top(self, rate: float) -> float:
        want = max(0.0, min(1.0, rate)) * self._total
        acc = 0.0
        for i in range(BINS - 1, -1, -1):
            c = self._counts[i]
            if c > 0 and acc + c >= want:
                # Linear within the bin: the share of it that must be above the line.
                frac = (want - acc) / c
                z = -Z_RANGE + (i + 1 - frac) * _WIDTH
                return _prob(z)
            acc += c
        return 0.0

    @property
    def weight(self) -> float:
        return self._total

    def to_bytes(self) -> bytes:
        """The counts as little-endian float32, to keep across restarts."""
        counts = array("f", self._counts)
        if sys.byteorder == "big":
            counts.byteswap()
        return counts.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> ScoreDistribution | None:
        """Counts kept by `to_bytes`; None when they are not that (other bins, damage)."""
        if len(data) != BINS * 4:
            return None
        counts = array("f")
        counts.frombytes(data)
        if sys.byteorder == "big":
            counts.byteswap()
        if not all(math.isfinite(c) and c >= 0.0 for c in counts) or sum(counts) <= 0.0:
            return None
        out = cls([], 0.0)
        out._counts = counts
        out._total = float(sum(counts))
        return out


def line(channel: ScoreDistribution, rate: float, floor: float) -> float:
    """The score an exchange must reach: the channel's own share, never below the floor."""
    return max(channel.threshold(rate), floor)


def quiet_rate(rate: float, dismissals_in_a_row: int) -> float:
    """The share a channel is prompted on after it waved off the last prompts."""
    extra = min(MAX_QUIET, max(0, dismissals_in_a_row - 1))
    return rate * QUIET_FACTOR ** extra


def rates_from(model: Mapping[str, object], defaults: Mapping[str, float]) -> dict[str, float]:
    raw = model.get("rates")
    out = dict(defaults)
    if isinstance(raw, Mapping):
        for k, v in raw.items():
            if k in out and isinstance(v, int | float) and 0.0 < float(v) < 1.0:
                out[k] = float(v)
    return out
