"""Cost of the take-it-offline scorer per observed message, and memory per channel.

    python bench/bench_offline.py [--n 20000] [--channels 1000] [--data FILE]

Texts: real CMV comments from the dev set when it is present (long: ~90 tokens on average, so a
pessimistic stand-in for chat), plus short chat-style lines. Each message goes through
``ChannelHeat.observe`` and ``crosses`` exactly as the bot does it (features once, window scoring,
the channel's own score distribution, its line for the sensitivity).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from cogs.offline.messages import MAX_CHARS  # noqa: E402
from cogs.offline.scorer import ChannelHeat, HeatScorer, Msg  # noqa: E402

DEFAULT_DATA = "/work/shared/data/derailment/cmv_valid.jsonl"
CHAT = [
    "lol yeah",
    "no that's not what i said, read it again",
    "why do you keep ignoring the point? you clearly didn't read the article",
    "i think you're right actually, fair point",
    "this is ridiculous, you have no idea what you're talking about",
    "can we just agree to disagree?",
    "source? because that sounds made up",
    "thanks, that makes sense 🙂",
    "honestly who cares",
    "You are WRONG and you know it!!!",
]


def load_texts(path: str) -> list[str]:
    if not os.path.exists(path):
        return []
    out: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            out.extend(json.loads(line)["comments"])
    return out


def percentile(xs: list[int], q: float) -> float:
    s = sorted(xs)
    return float(s[min(len(s) - 1, int(q * len(s)))])


def bench_observe(scorer: HeatScorer, texts: list[str], n: int, seed: int) -> dict:
    rng = random.Random(seed)
    channel = ChannelHeat(scorer)
    authors = ["alice", "bob", "carol"]
    ts = 1_700_000_000.0
    samples: list[int] = []
    msgs = []
    for _ in range(n):
        ts += rng.uniform(2, 90)
        a = authors[0] if rng.random() < 0.45 else authors[1] if rng.random() < 0.8 else authors[2]
        msgs.append(Msg(author=a, ts=ts, reply_to=None, text=rng.choice(texts)))
    for m in msgs[:500]:  # warm-up
        channel.observe(m)
    channel.reset()
    gc.disable()
    try:
        for m in msgs:
            t0 = time.perf_counter_ns()
            channel.crosses(channel.observe(m), "low")
            samples.append(time.perf_counter_ns() - t0)
    finally:
        gc.enable()
    us = [s / 1000 for s in samples]
    return {
        "messages": n,
        "mean_tokens": round(statistics.mean(len(t.split()) for t in texts), 1),
        "p50_us": round(percentile(us, 0.50), 1),
        "p90_us": round(percentile(us, 0.90), 1),
        "p99_us": round(percentile(us, 0.99), 1),
        "max_us": round(max(us), 1),
    }


def bench_memory(scorer: HeatScorer, texts: list[str], channels: int) -> dict:
    rng = random.Random(1)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    chans = [ChannelHeat(scorer) for _ in range(channels)]
    ts = 1_700_000_000.0
    for ch in chans:
        for j in range(ch.window + 3):  # overfill: the window must cap it
            ch.observe(Msg(author=f"u{j % 3}", ts=ts + j, reply_to=None, text=rng.choice(texts)))
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return {
        "channels": channels,
        "window": chans[0].window,
        "bytes_per_channel": round(total / channels),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--channels", type=int, default=1000)
    ap.add_argument("--data", default=DEFAULT_DATA)
    args = ap.parse_args()
    scorer = HeatScorer()
    cmv = load_texts(args.data)
    result = {
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "max_chars_per_message": MAX_CHARS,
        "observe_chat_lines": bench_observe(scorer, CHAT, args.n, 0),
    }
    if cmv:
        result["observe_cmv_comments"] = bench_observe(scorer, cmv, args.n, 0)
    result["memory"] = bench_memory(scorer, cmv or CHAT, args.channels)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
