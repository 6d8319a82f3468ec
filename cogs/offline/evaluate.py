"""Score a labelled conversation file with the SHIPPED heat model (no training on it).

    python -m cogs.offline.evaluate --data FILE [--sensitivity low|medium|high] [--per-domain]

FILE is JSONL: ``comments`` (list of strings), ``derails`` (bool), optional ``authors`` and
``domain``. The file is scored the way the bot scores a channel: it is one channel that starts
from the model's global score distribution and then sees its own conversations (labels unused),
and a sensitivity flags its share of that channel's exchanges. With ``--per-domain`` each domain
is its own channel, reported separately next to the whole file. Prints one JSON object;
malformed lines are counted in ``skipped``. Imports only the scorer so it stays cheap to run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from cogs.offline.calibration import line
from cogs.offline.scorer import SENSITIVITIES, HeatScorer, msgs_from_record

NO_DOMAIN = "(none)"


def _read(path: str, scorer: HeatScorer) -> tuple[list[tuple[float, bool, str]], int]:
    rows: list[tuple[float, bool, str]] = []
    skipped = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                comments = row["comments"]
                label = row["derails"]
                authors = row.get("authors")
                if not isinstance(comments, list) or not isinstance(label, bool):
                    raise TypeError("bad types")
                if authors is not None and not isinstance(authors, list):
                    authors = None
                domain = row.get("domain")
                s = scorer.score(msgs_from_record(comments, authors))
            except (ValueError, KeyError, TypeError, AttributeError):
                skipped += 1
                continue
            rows.append((s, label, domain if isinstance(domain, str) and domain else NO_DOMAIN))
    return rows, skipped


def _metrics(scores: list[float], labels: list[bool], sensitivity: str,
             scorer: HeatScorer) -> dict:
    channel = scorer.new_distribution()
    for s in scores:
        channel.observe(s)
    thr = line(channel, scorer.rate(sensitivity), scorer.floor)
    n = len(scores)
    tp = fp = tn = fn = 0
    for s, y in zip(scores, labels, strict=True):
        flagged = s >= thr
        if flagged and y:
            tp += 1
        elif flagged:
            fp += 1
        elif y:
            fn += 1
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    k = max(1, math.ceil(0.1 * n)) if n else 0
    # Sort by score only (stable on ties) so the top-10% set is deterministic.
    top = sorted(range(n), key=lambda i: -scores[i])[:k]
    return {
        "n": n,
        "sensitivity": sensitivity,
        "threshold": thr,
        "accuracy": (tp + tn) / n if n else 0.0,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "false_positive_rate": fp / (fp + tn) if fp + tn else 0.0,
        "flag_rate": (tp + fp) / n if n else 0.0,
        "precision_at_top10": sum(1 for i in top if labels[i]) / k if k else 0.0,
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
    }


def evaluate(path: str, sensitivity: str = "low", scorer: HeatScorer | None = None,
             per_domain: bool = False) -> dict:
    scorer = scorer or HeatScorer()
    rows, skipped = _read(path, scorer)
    out = _metrics([r[0] for r in rows], [r[1] for r in rows], sensitivity, scorer)
    out["skipped"] = skipped
    if per_domain:
        domains: dict[str, dict] = {}
        for name in sorted({r[2] for r in rows}):
            mine = [r for r in rows if r[2] == name]
            domains[name] = _metrics([r[0] for r in mine], [r[1] for r in mine], sensitivity, scorer)
        out["domains"] = domains
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Evaluate the shipped take-it-offline scorer.")
    ap.add_argument("--data", required=True)
    ap.add_argument("--sensitivity", default="low", choices=SENSITIVITIES)
    ap.add_argument("--per-domain", action="store_true",
                    help="also score each domain (the 'domain' field of a line) as its own channel")
    args = ap.parse_args(argv)
    print(json.dumps(evaluate(args.data, args.sensitivity, per_domain=args.per_domain)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
