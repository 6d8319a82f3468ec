"""A within-corpus estimate next to leave-one-domain-out: 5-fold cross-validation over all three
derailment files (stratified by domain and label), each domain's out-of-fold scores scored as
one channel that starts from the out-of-fold prior (bench/offline.md, "A within-corpus
estimate"). Training extras needed, as for scripts/train_offline.py.

    python scripts/offline_within_corpus.py [--seeds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import train_offline as T  # noqa: E402

from cogs.offline.calibration import histogram  # noqa: E402

SHOWN = ("accuracy", "precision", "false_positive_rate", "flag_rate", "flags")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    d, _ = T.load([tuple(x.split("=", 1)) for x in T.DEFAULT_DATA])  # type: ignore[misc]
    idx = np.arange(len(d.y))
    for seed in range(args.seeds):
        p = np.zeros(len(idx))
        folds = StratifiedKFold(5, shuffle=True, random_state=100 + seed)
        for tr, te in folds.split(idx, T._strata(d, idx)):
            p[te] = T.predict(d, idx[te], T.fit(d, idx[tr], seed))
        w = np.array([1.0 / (d.domain == x).sum() for x in d.domain])
        prior = histogram(p.tolist(), w.tolist())
        for name in ("cmv", "wikipedia", "github"):
            m = d.domain == name
            flags = T.calibrated_flags(p[m], prior)
            row: dict = {"seed": seed, "domain": name, "auc": round(float(roc_auc_score(d.y[m], p[m])), 3)}
            for s in ("low", "medium"):
                row[s] = {k: round(v, 3) for k, v in T.metrics(flags[s], d.y[m]).items() if k in SHOWN}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
