"""Benchmark 7: end to end on the real protocol: Matrix command -> bot reply through a local
Synapse, p50/p99, with Synapse's own round trip measured in the same run by a do-nothing
echo client.

    python bench/bench_matrix_e2e.py [--n 50]

A Synapse from tests/matrix_harness (loopback, /dev/shm, rate limits raised). In one room:
a "human" (this process), logoff (child process: build_bot + MatrixAdapter, the product's
30 s long-poll) and an echo client (child process: replies "echo" to any "!..." message).
Each sample: the human sends a command and waits for the first reply from that bot on its
own /sync. Sequential, interleaved by kind, 0.55 s after every sample (this also keeps one
user under logoff's flood limiter: burst 8, then 2 commands/s per user). Needs
matrix-synapse and the Matrix adapter.
"""

from __future__ import annotations

import argparse
import asyncio
import random

from _common import header, load, percentile, summary_ms
from _matrix import TOKEN_ENV, Human, spawn, start_synapse, stop, tmp_db


async def run(n: int) -> None:
    syn = start_synapse()
    procs = []
    human: Human | None = None
    try:
        bot_acc, echo_acc, me = syn.register("logoff"), syn.register("echo"), syn.register("human")
        bot_proc, bot_ready = spawn(
            ["bench/_matrix.py", "logoff", syn.url, bot_acc.user_id, str(tmp_db("e2e"))],
            env={TOKEN_ENV: bot_acc.access_token},
        )
        procs.append(bot_proc)
        echo_proc, _ = spawn(
            ["bench/_matrix.py", "echo", syn.url, echo_acc.user_id],
            env={TOKEN_ENV: echo_acc.access_token},
        )
        procs.append(echo_proc)
        human = Human(syn.url, me.user_id, me.access_token, me.device_id)
        await human.start()
        room = await human.room_with(bot_acc.user_id, echo_acc.user_id)
        await human.wait_joined(room, bot_acc.user_id)
        await human.wait_joined(room, echo_acc.user_id)
        await asyncio.sleep(1.0)

        # warm-up: first command of each kind
        await human.round_trips(room, echo_acc.user_id, lambda i: "!ping", 3)
        await human.round_trips(room, bot_acc.user_id, lambda i: "!help", 3, settle=0.55)
        [card_lat] = await human.round_trips(
            room, bot_acc.user_id, lambda i: '!event create Bench night when="in 3 days"', 1
        )
        kinds = {
            "echo client (Synapse round trip)": (echo_acc.user_id, lambda i: f"!ping {i}"),
            "logoff !help": (bot_acc.user_id, lambda i: "!help"),
            "logoff !poll create": (bot_acc.user_id, lambda i: f"!poll create Q{i}? a | b"),
            "logoff !event create (ISO time)": (
                bot_acc.user_id,
                lambda i: f'!event create Meet {i} when="2027-01-0{1 + i % 9} 18:00"',
            ),
            "logoff !rsvp 1 going": (bot_acc.user_id, lambda i: "!rsvp 1 going"),
        }
        results: dict[str, list[float]] = {k: [] for k in kinds}
        order = [k for k in kinds for _ in range(n)]
        random.Random(4).shuffle(order)
        for i, k in enumerate(order):
            sender, make = kinds[k]
            text = make(i)
            results[k].extend(await human.round_trips(room, sender, lambda _j, t=text: t, 1))
            # the same pause after every sample, echo included (so each client's /sync is in
            # the same state when the next command arrives); it also keeps one user under
            # logoff's per-user flood limit (2 commands/s)
            await asyncio.sleep(0.55)
        echo_p50 = percentile(results["echo client (Synapse round trip)"], 50)
        for k, v in results.items():
            extra = (
                ""
                if k.startswith("echo")
                else f"; overhead over echo at p50: {(percentile(v, 50) - echo_p50) * 1e3:+.1f} ms"
            )
            print(f"{k}: {summary_ms(v)}{extra}")
        print(f"(first `event create` after start: {card_lat * 1e3:.0f} ms; bot child {bot_ready})")
    finally:
        if human is not None:
            await human.stop()
        for p in procs:
            stop(p)
        syn.cleanup()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=50, help="samples per kind")
    args = p.parse_args()
    header("end to end through a local Synapse (benchmark 7)")
    asyncio.run(run(args.n))
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
