"""Issue 18, part 1: the bot's reply overhead over a do-nothing echo client in an encrypted
room vs an unencrypted one, measured in the same run through a local Synapse.

    python bench/bench_matrix_encrypted.py [--n 40]

As bench_matrix_e2e.py (benchmark 7), with encryption on everywhere it can be:
- logoff: child process (bench/_matrix.py logoff: build_bot + MatrixAdapter, the product's
  30 s long-poll, its key store next to its database, as in production);
- echo: child process (bench/_matrix_crypto.py echo): a nio client with the e2e extra, its
  own olm store, keys uploaded, room keys shared with every device;
- the human (this process): a nio client with the e2e extra and its own olm store, which
  encrypts its commands in encrypted rooms and decrypts the replies before timing them.
Four rooms, each the human with one bot: logoff plain, logoff encrypted, echo plain, echo
encrypted. Samples of the four kinds interleaved at random (n each), one at a time, 0.55 s
after every sample (under logoff's flood limit: burst 8, 2 commands/s per user).

Figures per kind (see bench/_matrix.py): end to end (the human's send, encryption
included -> the reply on the human's /sync, decrypted); server turnaround (reply
origin_server_ts - command origin_server_ts); inside the bot (its /sync response arrives ->
the reply's send starts: includes nio parsing and decrypting the sync; the send's round trip
includes nio encrypting the reply).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import shutil
from collections.abc import Callable
from pathlib import Path

from _common import header, load, percentile, tmpdir
from _matrix import TOKEN_ENV, Inside, Sample, report, spawn, start_synapse, stop, tmp_db
from _matrix_crypto import CryptoBenchHuman

KINDS = ("echo plain", "echo encrypted", "logoff !help plain", "logoff !help encrypted")


def p50_ms(values: list[float]) -> float:
    return percentile(values, 50) * 1e3


async def run(n: int, warmup: int) -> None:
    syn = start_synapse()
    procs = []
    made: list[Path] = []
    human: CryptoBenchHuman | None = None
    try:
        bot_acc, echo_acc, me = syn.register("logoff"), syn.register("echo"), syn.register("human")
        stores, db = tmpdir("e2ee-stores"), tmp_db("e2ee")
        made += [stores, db.parent]
        bot_proc = spawn(
            ["bench/_matrix.py", "logoff", syn.url, bot_acc.user_id, str(db)],
            env={TOKEN_ENV: bot_acc.access_token},
        )
        procs.append(bot_proc)
        echo_proc = spawn(
            ["bench/_matrix_crypto.py", "echo", syn.url, echo_acc.user_id, echo_acc.device_id,
             str(stores / "echo")],
            env={TOKEN_ENV: echo_acc.access_token},
        )
        procs.append(echo_proc)
        human = CryptoBenchHuman(
            syn.url, me.user_id, me.access_token, me.device_id, store=str(stores / "human")
        )
        await human.start()
        rooms = {
            "echo plain": await human.make_room(echo_acc.user_id, encrypted=False),
            "echo encrypted": await human.make_room(echo_acc.user_id, encrypted=True),
            "logoff !help plain": await human.make_room(bot_acc.user_id, encrypted=False),
            "logoff !help encrypted": await human.make_room(bot_acc.user_id, encrypted=True),
        }
        senders = {k: echo_acc.user_id if k.startswith("echo") else bot_acc.user_id for k in KINDS}
        makers: dict[str, Callable[[int], str]] = {
            k: (lambda i: f"!ping {i}") if k.startswith("echo") else (lambda i: "!help")
            for k in KINDS
        }
        await asyncio.sleep(1.0)
        # warm-up: the first message in an encrypted room shares the room keys (Olm sessions
        # claimed, to-device sent) both ways
        for k in KINDS:
            await human.round_trips(rooms[k], senders[k], makers[k], warmup, settle=0.55)

        results: dict[str, list[Sample]] = {k: [] for k in KINDS}
        order = [k for k in KINDS for _ in range(n)]
        random.Random(18).shuffle(order)
        for i, k in enumerate(order):
            text = makers[k](i)

            def same(_j: int, t: str = text) -> str:
                return t

            results[k].extend(await human.round_trips(rooms[k], senders[k], same, 1))
            await asyncio.sleep(0.55)

        bot_stats, echo_stats = bot_proc.stats(), echo_proc.stats()
        inside = {
            k: Inside.of_samples(echo_stats if k.startswith("echo") else bot_stats, results[k])
            for k in KINDS
        }
        for room_kind in ("plain", "encrypted"):
            ek, bk = f"echo {room_kind}", f"logoff !help {room_kind}"
            print(f"--- {room_kind} rooms")
            report(ek, results[ek], None, inside[ek], handle_name="its event callback")
            report(bk, results[bk], results[ek], inside[bk], inside[ek])
        summarize(results, inside)
    finally:
        if human is not None:
            await human.stop()
        for p in procs:
            stop(p)
        syn.cleanup()
        for d in made:  # this run's databases and olm stores
            shutil.rmtree(d, ignore_errors=True)


def summarize(results: dict[str, list[Sample]], inside: dict[str, Inside]) -> None:
    e2e = {k: p50_ms([s.e2e for s in v]) for k, v in results.items()}
    ta = {
        k: percentile([s.turnaround_ms for s in v if s.turnaround_ms is not None], 50)
        for k, v in results.items()
    }
    own = {k: v.p50() * 1e3 for k, v in inside.items()}
    print("--- summary (p50s; differences of p50s)")
    for name, fig, unit in (("end to end", e2e, ".1f"), ("server turnaround", ta, ".1f"),
                            ("inside (sync arrives -> send starts)", own, ".2f")):
        over_plain = fig["logoff !help plain"] - fig["echo plain"]
        over_enc = fig["logoff !help encrypted"] - fig["echo encrypted"]
        print(
            f"{name}: bot - echo: plain {over_plain:+{unit}} ms, encrypted {over_enc:+{unit}} ms"
            f" (encryption adds {over_enc - over_plain:+{unit}} ms to the bot's overhead); "
            f"encrypted - plain: echo {fig['echo encrypted'] - fig['echo plain']:+{unit}} ms, "
            f"bot {fig['logoff !help encrypted'] - fig['logoff !help plain']:+{unit}} ms"
        )
    for k in KINDS:
        rtt = percentile(inside[k].send_rtt, 50) * 1e3
        print(f"reply send round trip (encryption + PUT) p50, {k}: {rtt:.2f} ms")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=40, help="samples per kind")
    p.add_argument("--warmup", type=int, default=3, help="warm-up round trips per room")
    args = p.parse_args()
    logging.getLogger("nio").setLevel(logging.ERROR)  # "Missing session for device" on first share
    header("encrypted vs plain rooms, end to end through a local Synapse (issue 18)")
    asyncio.run(run(args.n, args.warmup))
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
