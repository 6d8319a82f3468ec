"""Heat scorer: decides when an exchange is heating up enough for a "take it offline" prompt.

The model is a logistic regression over ``features.exchange_vector`` trained on labelled
conversations by ``scripts/train_offline.py`` and shipped as ``model.json``. Two signals the
training data cannot teach (it has no timestamps and always two alternating authors) enter as
small, hand-set priors, documented in ``model.json["priors"]``:

* pace: a slow exchange (median gap of many minutes) is pushed down, a fast one slightly up;
* crowd: a window spread over many people is a group chat, not a two-person exchange.

Text-free windows (platforms that give no content) can only be judged on structure, which the
model barely trusts, so they are pushed down further: the bot should stay quiet when blind.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul

from cogs.offline.calibration import FLOOR_RATE, ScoreDistribution, line, quiet_rate, rates_from
from cogs.offline.features import FEATURE_NAMES, N_FEATURES, exchange_vector
from cogs.offline.messages import MsgFeatures, bigram_heads, message_features
from cogs.offline.signals import signal_name

SENSITIVITIES = ("low", "medium", "high")
# Shares of a channel's exchanges each sensitivity prompts on, when model.json names none.
DEFAULT_RATES = {"low": 0.04, "medium": 0.40, "high": 0.50}
# A contribution (in logits, against the training mean) below this is not called a reason.
SIGNAL_MIN = 0.1
MAX_SIGNALS = 4
MODEL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.json")


@dataclass(frozen=True, slots=True)
class Msg:
    author: str
    ts: float | None  # unix seconds; None when unknown (dataset)
    reply_to: str | None  # author replied to, if known
    text: str | None  # only in memory; None when the platform gives no text


def msgs_from_record(comments: Sequence[object], authors: Sequence[object] | None = None) -> list[Msg]:
    """Dataset conversation -> messages. Without authors assume CMV's two alternating people."""
    out: list[Msg] = []
    prev: str | None = None
    for i, c in enumerate(comments):
        if authors is not None and i < len(authors) and authors[i] is not None:
            a = str(authors[i])
        else:
            a = "A" if i % 2 == 0 else "B"
        text = c if isinstance(c, str) else None
        out.append(Msg(author=a, ts=None, reply_to=prev if prev != a else None, text=text))
        prev = a
    return out


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class HeatScorer:
    def __init__(self, model: dict | None = None) -> None:
        if model is None:
            with open(MODEL_PATH, encoding="utf-8") as fh:
                model = json.load(fh)
        # Which model made a score: a channel's kept distribution is only good for its model.
        self.fingerprint = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()[:16]
        names = list(model["features"])
        coef = dict(zip(names, model["coef"], strict=True))
        mean = dict(zip(names, model["mean"], strict=True))
        scale = dict(zip(names, model["scale"], strict=True))
        # Fold the standardisation into the weights once: z = b + sum(w_i / s_i * (x_i - m_i)).
        self._w = [0.0] * N_FEATURES
        self._mean = [0.0] * N_FEATURES
        # Winsorising: each input is held within ``clip`` training standard deviations of its
        # training mean, so one extreme value (a wall of "!!!!", a two-word reply) cannot carry
        # the score on its own in a community the model never saw.
        clip = model.get("clip")
        self._lo = [-math.inf] * N_FEATURES
        self._hi = [math.inf] * N_FEATURES
        b = float(model["intercept"])
        for i, name in enumerate(FEATURE_NAMES):
            if name in coef and scale.get(name):
                wi = float(coef[name]) / float(scale[name])
                self._w[i] = wi
                self._mean[i] = float(mean[name])
                b -= wi * float(mean[name])
                if isinstance(clip, int | float) and clip > 0:
                    self._lo[i] = float(mean[name]) - float(clip) * float(scale[name])
                    self._hi[i] = float(mean[name]) + float(clip) * float(scale[name])
        self._b = b
        self.window: int = int(model.get("window", 12))
        self.lexicon: dict[str, float] = {str(k): float(v) for k, v in model.get("lexicon", {}).items()}
        self._heads = bigram_heads(self.lexicon)
        self.rates = rates_from(model, DEFAULT_RATES)
        prior = model.get("prior")
        self._prior: list[float] = [float(x) for x in prior] if isinstance(prior, list) else []
        self._prior_weight = float(model.get("prior_weight", 200.0))
        blank = self.new_distribution()
        self.floor = blank.threshold(FLOOR_RATE)
        self._thresholds = {k: line(blank, r, self.floor) for k, r in self.rates.items()}
        priors = model.get("priors", {})
        self._no_text_penalty = float(priors.get("no_text_penalty", 2.0))
        self._crowd_weight = float(priors.get("crowd_weight", 2.0))
        self._slow_gap_s = float(priors.get("slow_gap_s", 600.0))
        self._slow_penalty = float(priors.get("slow_penalty", 0.5))
        self._fast_gap_s = float(priors.get("fast_gap_s", 60.0))
        self._fast_bonus = float(priors.get("fast_bonus", 0.25))
        self._share_idx = FEATURE_NAMES.index("two_party_share")

    # -- features -------------------------------------------------------------------------
    def features(self, text: str | None) -> MsgFeatures:
        try:
            return message_features(text, self.lexicon, self._heads)
        except Exception:  # noqa: BLE001 - a scorer must never take the bot down
            return message_features(None)

    def score_features(
        self,
        feats: Sequence[MsgFeatures],
        authors: Sequence[str],
        times: Sequence[float | None] | None = None,
    ) -> float:
        """Score a window of precomputed per-message features (oldest first)."""
        if not feats:
            return 0.0
        if len(feats) > self.window:
            feats = feats[-self.window:]
            authors = authors[-self.window:]
            times = times[-self.window:] if times is not None else None
        x = exchange_vector(feats, authors)
        z = self._b + sum(map(mul, self._w, map(min, map(max, x, self._lo), self._hi)))
        n_text = sum(f.has_text for f in feats)
        z -= self._no_text_penalty * (1.0 - n_text / len(feats))
        z -= self._crowd_weight * (1.0 - x[self._share_idx])
        if times is not None:
            z += self._pace_adjust(times)
        return _sigmoid(z)

    def _pace_adjust(self, times: Sequence[float | None]) -> float:
        ts = [t for t in times if t is not None]
        if len(ts) < 3:
            return 0.0
        gaps = sorted(max(0.0, b - a) for a, b in zip(ts, ts[1:], strict=False))
        med = gaps[len(gaps) // 2]
        if med >= self._slow_gap_s:
            return -self._slow_penalty
        if med <= self._fast_gap_s:
            return self._fast_bonus
        return 0.0

    # -- public API -----------------------------------------------------------------------
    def score(self, msgs: Sequence[Msg]) -> float:
        recent = list(msgs)[-self.window:]
        feats = [self.features(m.text) for m in recent]
        authors = [str(m.author) for m in recent]
        times = [m.ts for m in recent]
        return self.score_features(feats, authors, times)

    def threshold(self, sensitivity: str) -> float:
        """The line for a channel the bot knows nothing about yet (the global prior's)."""
        if sensitivity not in self._thresholds:
            raise ValueError(f"sensitivity must be one of {SENSITIVITIES}, got {sensitivity!r}")
        return self._thresholds[sensitivity]

    def rate(self, sensitivity: str, dismissals_in_a_row: int = 0) -> float:
        if sensitivity not in self.rates:
            raise ValueError(f"sensitivity must be one of {SENSITIVITIES}, got {sensitivity!r}")
        return quiet_rate(self.rates[sensitivity], dismissals_in_a_row)

    def new_distribution(self) -> ScoreDistribution:
        """A new channel's score distribution: the global model's, until the channel talks."""
        return ScoreDistribution(self._prior, self._prior_weight)

    def signals(self, feats: Sequence[MsgFeatures], authors: Sequence[str],
                times: Sequence[float | None] | None = None) -> list[str]:
        """Inputs that pushed this window's score up the most, as signals (cogs/offline/signals.py:
        the input's name, with a trailing "-" when it pushed by being low), strongest first."""
        if not feats:
            return []
        feats, authors = feats[-self.window:], authors[-self.window:]
        x = list(map(min, map(max, exchange_vector(feats, authors), self._lo), self._hi))
        contrib = sorted(((w * (v - m), name, v > m, v) for w, v, m, name in
                          zip(self._w, x, self._mean, FEATURE_NAMES, strict=True)), reverse=True)
        out: list[str] = []
        for c, name, above, v in contrib:
            if c < SIGNAL_MIN or len(out) == MAX_SIGNALS:
                break
            signal = signal_name(name, above, v)
            if signal is not None:
                out.append(signal)
        if times is not None and self._pace_adjust(times[-self.window:]) > 0:
            out.insert(0, "fast")
        if len(set(authors)) == 2:
            out.append("two_people")
        return out

    def is_heated(self, msgs: Sequence[Msg], sensitivity: str) -> bool:
        return self.score(msgs) >= self.threshold(sensitivity)


class ChannelHeat:
    """Incremental per-channel tracker: keeps a bounded window of recent message
    FEATURES (never text), so observe() is cheap. Memory per channel bounded.

    Each entry keeps its message's id, so a message deleted on the platform leaves the window
    and an edited one is read again, as if it had been said so: the next score and the reasons
    given with it are those of what is there now. The channel's score distribution keeps the
    scores already observed: it is the channel's usual, not this exchange."""

    __slots__ = ("scorer", "window", "max_age_s", "_items", "scores")

    def __init__(self, scorer: HeatScorer, window: int = 12, max_age_s: float = 1800,
                 scores: ScoreDistribution | None = None) -> None:
        self.scorer = scorer
        self.window = max(1, int(window))
        self.max_age_s = float(max_age_s)
        # (author, unix seconds, features, message id)
        self._items: deque[tuple[str, float | None, MsgFeatures, str | None]] = deque(maxlen=self.window)
        # This channel's own score distribution (kept from before a restart, if it was): the
        # sensitivities are shares of it.
        self.scores = scores or scorer.new_distribution()

    def observe(self, msg: Msg, message_id: str | None = None) -> float:
        feats = self.scorer.features(msg.text)
        items = self._items
        if msg.ts is not None:
            cutoff = msg.ts - self.max_age_s
            while items and items[0][1] is not None and items[0][1] < cutoff:
                items.popleft()
        items.append((str(msg.author), msg.ts, feats, message_id))
        score = self.score()
        self.scores.observe(score)
        return score

    def behind(self, ts: float) -> bool:
        """Whether a message of `ts` is older than the exchange in the window: late, not of it."""
        return any(t is not None and t - ts > self.max_age_s for _, t, _, _ in self._items)

    def score(self) -> float:
        """The window's score as it is now (without counting it in the distribution)."""
        items = self._items
        return self.scorer.score_features(
            [it[2] for it in items], [it[0] for it in items], [it[1] for it in items]
        )

    def forget(self, message_id: str) -> bool:
        """The message was deleted: it leaves the window. False if it is not in it."""
        for i, item in enumerate(self._items):
            if item[3] == message_id:
                del self._items[i]
                return True
        return False

    def reread(self, message_id: str, author: str, text: str | None) -> bool:
        """The message was edited by its author: its features are those of `text`, in its
        place and at its time. False if no message of that author has that id here."""
        for i, (who, ts, _, mid) in enumerate(self._items):
            if mid == message_id and who == author:
                self._items[i] = (who, ts, self.scorer.features(text), mid)
                return True
        return False

    def crosses(self, score: float, sensitivity: str, dismissals_in_a_row: int = 0) -> bool:
        """Whether ``score`` is in the share of this channel's exchanges that gets a prompt."""
        return score >= self.line(sensitivity, dismissals_in_a_row)

    def line(self, sensitivity: str, dismissals_in_a_row: int = 0) -> float:
        return line(self.scores, self.scorer.rate(sensitivity, dismissals_in_a_row), self.scorer.floor)

    def signals(self) -> list[str]:
        items = self._items
        return self.scorer.signals([it[2] for it in items], [it[0] for it in items],
                                   [it[1] for it in items])

    def participants(self) -> list[str]:
        counts: dict[str, int] = {}
        for author, *_ in self._items:
            counts[author] = counts.get(author, 0) + 1
        # Stable for ties: first-seen order is kept by the dict, sort is stable.
        return sorted(counts, key=lambda a: -counts[a])

    def reset(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
