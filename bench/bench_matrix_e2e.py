"""Benchmark 7: end to end on the real protocol: Matrix command -> bot reply through a local
Synapse, p50/p99, with Synapse's own round trip measured in the same run by a do-nothing
echo client.

    python bench/bench_matrix_e2e.py [--n 50]

A Synapse from tests/matrix_harness (loopback, /dev/shm, rate limits raised). A "human" (this
process) shares one room with logoff (child process: build_bot + MatrixAdapter, the product's
30 s long-poll) and another with an echo client (child process: replies "echo" to any "!..."
message); one room per bot, so neither answers the other's commands.
Each sample: the human sends a command and waits for the first reply from that bot on its
own /sync. Sequential, interleaved by kind, 0.55 s after every sample (this also keeps one
user under logoff's flood limiter: burst 8, then 2 commands/s per user). Needs
matrix-synapse and the Matrix adapter.

Three figures per kind (see bench/_matrix.py): end to end (the human's send -> the reply on
the human's /sync); server turnaround (reply origin_server_ts - command origin_server_ts: no
human /sync leg); inside the bot (its /sync response arrives -> the reply's send starts, and
the send's round trip), from the child's own timestamps.
"""

from __future__ import annotations

import argparse
import asyncio
import random

from _common import header, load, percentile
from _matrix import TOKEN_ENV, Human, Inside, Sample, report, spawn, start_synapse, stop, tmp_db


async def run(n: int) -> None:
    syn = start_synapse()
    procs = []
    human: Human | None = None
    try:
        bot_acc, echo_acc, me = syn.register("logoff"), syn.register("echo"), syn.register("human")
        bot_proc = spawn(
            ["bench/_matrix.py", "logoff", syn.url, bot_acc.user_id, str(tmp_db("e2e"))],
            env={TOKEN_ENV: bot_acc.access_token},
        )
        procs.append(bot_proc)
        echo_proc = spawn(
            ["bench/_matrix.py", "echo", syn.url, echo_acc.user_id],
            env={TOKEN_ENV: echo_acc.access_token},
        )
        procs.append(echo_proc)
        human = Human(syn.url, me.user_id, me.access_token, me.device_id)
        await human.start()
        # One room per bot: in a shared room both answered every `!` message (logoff with a
        # usage hint), and each reply's PUT queued behind the other's in Synapse.
        room = await human.room_with(bot_acc.user_id)
        echo_room = await human.room_with(echo_acc.user_id)
        await human.wait_joined(room, bot_acc.user_id)
        await human.wait_joined(echo_room, echo_acc.user_id)
        await asyncio.sleep(1.0)

        # warm-up: first command of each kind
        await human.round_trips(echo_room, echo_acc.user_id, lambda i: "!ping", 3)
        await human.round_trips(room, bot_acc.user_id, lambda i: "!help", 3, settle=0.55)
        [card] = await human.round_trips(
            room, bot_acc.user_id, lambda i: '!event create Bench night when="in 72 hours"', 1
        )
        kinds = {
            "echo client (Synapse round trip)": (
                echo_acc.user_id, echo_room, lambda i: f"!ping {i}"),
            "logoff !help": (bot_acc.user_id, room, lambda i: "!help"),
            "logoff !poll create": (bot_acc.user_id, room, lambda i: f"!poll create Q{i}? a | b"),
            "logoff !event create (ISO time)": (
                bot_acc.user_id,
                room,
                lambda i: f'!event create Meet {i} when="2027-01-0{1 + i % 9} 18:00"',
            ),
            "logoff !rsvp 1 going": (bot_acc.user_id, room, lambda i: "!rsvp 1 going"),
        }
        results: dict[str, list[Sample]] = {k: [] for k in kinds}
        order = [k for k in kinds for _ in range(n)]
        random.Random(4).shuffle(order)
        for i, k in enumerate(order):
            sender, where, make = kinds[k]
            text = make(i)
            results[k].extend(await human.round_trips(where, sender, lambda _j, t=text: t, 1))
            # the same pause after every sample, echo included (so each client's /sync is in
            # the same state when the next command arrives); it also keeps one user under
            # logoff's per-user flood limit (2 commands/s)
            await asyncio.sleep(0.55)
        bot_stats, echo_stats = bot_proc.stats(), echo_proc.stats()
        echo_key = "echo client (Synapse round trip)"
        echo = results[echo_key]
        echo_inside = Inside.of_samples(echo_stats, echo)
        report(echo_key, echo, None, echo_inside, handle_name="its event callback")
        inside = {}
        for k, v in results.items():
            if k != echo_key:
                inside[k] = Inside.of_samples(bot_stats, v)
                report(k, v, echo, inside[k], echo_inside)
        ta = {
            k: [s.turnaround_ms for s in v if s.turnaround_ms is not None]
            for k, v in results.items()
        }
        echo_ta = percentile(ta[echo_key], 50)
        print(
            "bot overhead over echo at p50 (server timestamps): "
            + "; ".join(
                f"{k} {percentile(v, 50) - echo_ta:+.1f} ms" for k, v in ta.items() if k != echo_key
            )
        )
        print(
            "bot's own work over echo at p50 (its /sync arrives -> reply send starts): "
            + "; ".join(
                f"{k} {(v.p50() - echo_inside.p50()) * 1e3:+.2f} ms" for k, v in inside.items()
            )
        )
        print(
            f"(first `event create` after start: {card.e2e * 1e3:.0f} ms end to end, "
            f"{card.turnaround_ms} ms server turnaround; bot child {bot_proc.ready})"
        )
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
