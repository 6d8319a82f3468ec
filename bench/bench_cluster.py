"""Three `logoff run` processes on one PostgreSQL database, a reminder burst, one of them
SIGKILLed in the middle of it (issue 16; PRODUCT.md "Running at scale").

    python bench/bench_cluster.py [--guilds-per-shard 10] [--events-per-guild 25] [--rooms 4]
                                  [--events-per-room 5] [--spread 50] [--kill-at 0.4]

The scenario is tests/cluster/test_cluster.py's (tests/cluster/kit.py runs it): the fake Discord
in this process with the guilds spread over 4 shards, a real Synapse and a real PostgreSQL
(tests/pg_harness.py) on loopback; P1 = `logoff run` with Discord shards 0-1, P2 = shards 2-3,
P3 = Matrix only. Events are made with /event create and `!event create`, and each space's
`config set reminders` then puts its reminders at its place in a burst `--spread` seconds long.
P1 gets SIGKILL once `--kill-at` of its reminders are on the platform; P2 takes over the rest
(a claim's lease is 30 s, each process sweeps for lapsed work every 10 s).

Reported, read on the platforms (the fake's messages and the POSTs it received, the rooms as the
bot's device reads them) and in the jobs table: reminders; lateness (the platform's time of the
post minus the job's due time) p50/p99/max for every reminder, for those of the surviving
processes, and for the killed process's shards (posted by it before it died / taken over); how
long the takeover took (the kill to the last taken-over reminder posted); lost, duplicated, and
re-sent POSTs the platform folded into the first message by their nonce.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time

from _common import header, load, percentile, tmpdir

from tests.cluster.kit import P2_SHARDS, Outcome, Plan, Reminder, run_scenario  # noqa: E402
from tests.matrix_harness import Synapse  # noqa: E402
from tests.pg_harness import Postgres  # noqa: E402


def row(name: str, reminders: list[Reminder]) -> tuple[str, int, float, float, float]:
    late = Outcome.lateness(reminders)
    return (name, len(reminders), percentile(late, 50), percentile(late, 99), max(late, default=float("nan")))


def report(o: Outcome) -> bool:
    p1 = o.of_p1()
    taken = o.taken_over()
    rows = [
        row("all", o.reminders),
        row("P2's own (shards 2-3)", [r for r in o.reminders if r.shard in P2_SHARDS]),
        row("P3's own (Matrix)", [r for r in o.reminders if r.shard is None]),
        row("P1's shards 0-1, all", p1),
        row("  posted by P1 before the kill", [r for r in p1 if r not in taken]),
        row("  taken over by P2", taken),
    ]
    print(f"{'lateness (s)':<32} {'n':>5} {'p50':>7} {'p99':>7} {'max':>7}")
    for name, n, p50, p99, top in rows:
        print(f"{name:<32} {n:>5} {p50:>7.2f} {p99:>7.2f} {top:>7.2f}")
    lost, dup = len(o.lost), o.duplicated
    posted_by_p1 = len(p1) - len(taken)
    print(f"P1 killed after {o.p1_posted_at_kill} of its {len(p1)} reminders were on the platform; its "
          f"jobs then: {json.dumps(o.p1_states_at_kill)}; {posted_by_p1} were claimed and sent by P1, "
          f"{len(taken)} taken over by P2 ({o.taken_over_logged} 'took over' log lines)")
    print(f"takeover: the last taken-over reminder posted {o.takeover_s():.1f} s after the kill; "
          f"the latest of them {max(Outcome.lateness(taken), default=0.0):.1f} s after it was due  "
          f"[within a minute of due: {'MET' if max(Outcome.lateness(taken), default=0.0) <= 60 else 'NOT MET'}]")
    once = lost == 0 and dup == 0 and len(o.reminders) == o.plan.total and not o.wrong_keys()
    print(f"reminders {len(o.reminders)} (planned {o.plan.total}), messages on the platforms {o.posted}, "
          f"lost {lost}, duplicated {dup}, posted with another key {len(o.wrong_keys())}; re-sent POSTs "
          f"the platform answered with the first message (same nonce): {o.resent()}  "
          f"[exactly once: {'MET' if once else 'NOT MET'}]")
    problems = {name: len(lines) for name, lines in o.problems.items()}
    print(f"log ERROR lines/tracebacks by process: {problems}; timings: "
          + ", ".join(f"{k} {v:.1f}" for k, v in o.timings.items()))
    late = Outcome.lateness(o.reminders)
    print(json.dumps({
        "reminders": len(o.reminders), "lost": lost, "duplicated": dup, "resent_deduped": o.resent(),
        "late_p50_s": round(percentile(late, 50), 3), "late_p99_s": round(percentile(late, 99), 3),
        "killed_late_p50_s": round(percentile(Outcome.lateness(taken), 50), 3),
        "killed_late_p99_s": round(percentile(Outcome.lateness(taken), 99), 3),
        "taken_over": len(taken), "takeover_s": round(o.takeover_s(), 2),
        "total_s": round(o.timings.get("total_s", 0.0), 1)}))
    return once and not any(problems.values())


async def run(plan: Plan) -> bool:
    pg, syn = Postgres(), Synapse()
    t = time.monotonic()
    pg.start()
    syn.start()
    print(f"PostgreSQL and Synapse up in {time.monotonic() - t:.1f} s", flush=True)
    try:
        outcome = await run_scenario(plan, pg.fresh_url(), syn, tmpdir("cluster"),
                                     say=lambda s: print(f"  [{time.monotonic() - t:6.1f} s] {s}", flush=True))
        return report(outcome)
    finally:
        syn.cleanup()
        pg.cleanup()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--guilds-per-shard", type=int, default=10)
    p.add_argument("--events-per-guild", type=int, default=25)
    p.add_argument("--rooms", type=int, default=4)
    p.add_argument("--events-per-room", type=int, default=5)
    p.add_argument("--spread", type=float, default=50.0, help="seconds the reminders fall due over")
    p.add_argument("--kill-at", type=float, default=0.4, help="share of P1's reminders posted before SIGKILL")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    plan = Plan(guilds_per_shard=args.guilds_per_shard, events_per_guild=args.events_per_guild,
                rooms=args.rooms, events_per_room=args.events_per_room, spread_s=args.spread,
                kill_at=args.kill_at)
    header("cluster: 3 processes on one PostgreSQL, a reminder burst, one SIGKILLed (issue 16)")
    print(f"# {plan.total} reminders: {plan.guilds} guilds x {plan.events_per_guild} on 4 shards, "
          f"{plan.rooms} rooms x {plan.events_per_room}; due over {plan.spread_s:.0f} s", flush=True)
    ok = asyncio.run(run(plan))
    print(f"# {load()} at the end")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
