"""How often `low` speaks in channels colder or hotter than the prior: the shipped model on
subsets of the derailment files by conversation length, each scored as one channel the way
`cogs.offline.evaluate` scores a file (bench/offline.md, "Does `low` still flag...").

    python scripts/offline_channel_rates.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from cogs.offline.calibration import line  # noqa: E402
from cogs.offline.scorer import HeatScorer, msgs_from_record  # noqa: E402

DATA_DIR = "/work/shared/data/derailment"
SUBSETS = [("cmv", "cmv_valid.jsonl", 1, 99), ("cmv", "cmv_valid.jsonl", 3, 99),
           ("cmv", "cmv_valid.jsonl", 5, 99), ("cmv", "cmv_valid.jsonl", 2, 10),
           ("cmv", "cmv_valid.jsonl", 5, 6), ("cmv", "cmv_valid.jsonl", 7, 99),
           ("wikipedia", "wiki_first_two.jsonl", 1, 99),
           ("github", "github_oss.jsonl", 1, 99), ("github", "github_oss.jsonl", 2, 10)]


def main() -> None:
    scorer = HeatScorer()
    for name, file, lo, hi in SUBSETS:
        with open(os.path.join(DATA_DIR, file), encoding="utf-8") as fh:
            rows = [json.loads(x) for x in fh]
        rows = [r for r in rows if lo <= len(r["comments"]) <= hi]
        scores = [scorer.score(msgs_from_record(r["comments"], r.get("authors"))) for r in rows]
        channel = scorer.new_distribution()
        for s in scores:
            channel.observe(s)
        cut = line(channel, scorer.rate("low"), scorer.floor)
        print(json.dumps({"domain": name, "comments": f"{lo}-{hi}", "n": len(rows),
                          "low_flag_rate": round(sum(s >= cut for s in scores) / len(rows), 3),
                          "median_score": round(statistics.median(scores), 3)}))


if __name__ == "__main__":
    main()
