"""What a job's send marks cost (bot/resend.py): reminders through the real Discord adapter.

    python bench/bench_job_marks.py [--postgres] [--burst 1000] [--going 3] [--dm 50] [--lead 3]
                                    [--rtt 0] [--no-marks] [--only burst|dm]

Since each keyed send of a job on Discord first commits its mark (`job_sends`), two scenarios:
- burst: `--burst` events, each with `--going` people going (mentioned in the reminder), whose
  reminders all fall due at the same instant;
- dm: one event with `--dm` people going who all chose `notify dm`: one channel post, then a
  DM to each (sent one after another, each keyed and so each marked).

The fake Discord server (tests/discord_fake) runs in this process; the bot runs in a child
process (`build_bot` on the prepared database, the real DiscordAdapter logged in to the fake
over loopback, the real clock), as `logoff run` would; `--rtt` delays each REST answer of the
fake that much, as Discord is a network away (it sets no rate limits either way). The reminders
are written (events repo, `Scheduler.put`) before the child starts, at a time far ahead; once
started (however long that took) the child moves them all to the same instant `--lead` seconds
on and arms them. Reported: the time from the due instant to each post reaching the fake (p50,
last), posts per reminder (exactly once), the child's CPU and database commits from then to its
stop, the database's state after (every job `sent`, no marks left), and what one committed
write takes on this database (`commit_p50_ms`, 50 in a row during set-up). `--no-marks` runs the same code with the Discord adapter's
`post_mark` returning None, so nothing is marked: the cost of the marks alone. On a commit
before bot/resend.py existed the flag is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import ROOT, header, load, percentile, tmpdir

from bot.app import build_bot
from bot.clock import Clock
from bot.scheduler import Scheduler
from cogs.events import repo as events_repo
from tests.discord_fake import FakeDiscord

TOKEN_ENV = "LOGOFF_BENCH_DISCORD_TOKEN"
CHANNELS = 10
PLACEHOLDER = 4_000_000_000.0  # a due time far ahead, until the reminders are moved to theirs


# --- the bot (child process) ------------------------------------------------------------------

async def child(url: str, api_base: str, gateway_url: str, lead: float, no_marks: bool) -> None:
    from adapters.discord import DiscordAdapter, DiscordConfig

    if no_marks:
        from adapters.discord import ownposts

        ownposts.OwnPosts.post_mark = lambda self, out: None
    bot = await build_bot(url, clock=Clock())
    adapter = DiscordAdapter(DiscordConfig(token_env=TOKEN_ENV, api_base=api_base, gateway_url=gateway_url),
                             guild_ready_timeout=0.05, ready_timeout=30, identify_interval=0.0)
    bot.add_adapter(adapter)
    await bot.start()
    # Started (however long that took on a busy machine): the reminders fall due `lead` from now.
    due = float(int(time.time() + lead))
    shift = due - PLACEHOLDER

    def unit(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE jobs SET due_at=due_at+?, not_before=not_before+? WHERE state='pending' "
                     "AND due_at >= ?", (shift, shift, PLACEHOLDER))
        conn.execute("UPDATE events SET starts_at=starts_at+?, ends_at=ends_at+?", (shift, shift))

    await bot.db.write(unit)
    await bot.scheduler.top_up()
    cpu0, commits0 = time.process_time(), getattr(bot.db, "commits", -1)
    print("due", due, time.time(), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    res = {"cpu_s": time.process_time() - cpu0, "commits": getattr(bot.db, "commits", -1) - commits0}
    await bot.stop()
    print(json.dumps(res), flush=True)


# --- the world and its database (this process) ------------------------------------------------

async def prepare(url: str, guild: int, channels: list[int], members: list[int], events: int,
                  going: int, dm: bool) -> list[float]:
    """The events, their roster and reminders, all due at a placeholder time (the child moves
    them); and what one committed write takes on this database, 50 in a row (seconds each)."""
    bot = await build_bot(url, clock=Clock())
    now = bot.clock.now()
    due = datetime.fromtimestamp(PLACEHOLDER, UTC)
    space = f"discord:{guild}"

    def unit(conn: sqlite3.Connection) -> None:
        for i in range(events):
            ev = events_repo.insert(conn, space=space, platform="discord", channel_id=str(channels[i % len(channels)]),
                                    creator=f"discord:{members[0]}", title=f"Meetup {i}",
                                    starts_at=due + timedelta(hours=1), location="", details="",
                                    capacity=None, now=now)
            for j in range(going):
                uid = members[(i * going + j) % len(members)]
                events_repo.apply_mark(conn, ev.id, f"discord:{uid}", f"member{uid}", "going", added=True,
                                       source="reaction", now=now)
            Scheduler.put(conn, "event.reminder", f"event:{ev.id}:reminder:3600", due, {"event_id": ev.id}, space)
        # Discord's own event listings are not what is measured: their start-up catch-up (a
        # listing made for each upcoming event) would only make the child slower to start.
        conn.execute("INSERT INTO settings(space, key, value) VALUES (?, 'events.discord', 'off')", (space,))
        if dm:
            for uid in members:
                conn.execute("INSERT INTO notify_prefs(user, mode, dm_closed) VALUES (?, 'dm', 0)",
                             (f"discord:{uid}",))

    await bot.db.write(unit)
    commits = []
    for n in range(50):  # as a mark is written: one small write, awaited until committed
        t = time.perf_counter()
        await bot.db.write(lambda c, n=n: c.execute(
            "UPDATE settings SET value=? WHERE space=? AND key='events.discord'", ("off" if n % 2 else "no", space)))
        commits.append(time.perf_counter() - t)
    await bot.db.close()
    return commits


def posts(fake: FakeDiscord, since: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The bot's reminder posts in the guild's channels and its DMs, made after `since`."""
    chan, dms = [], []
    for m in list(fake.messages.values()):
        if m["author"]["id"] != str(fake.application_id) or m["_created"] < since:
            continue
        if fake.channels[int(m["channel_id"])]["type"] == 1:
            dms.append(m)
        elif "Meetup" in m["content"]:
            chan.append(m)
    return chan, dms


async def scenario(name: str, url: str, args: argparse.Namespace, dir_: str,
                   pg_cpu: Callable[[], float] | None) -> dict[str, Any]:
    fake = FakeDiscord(token="bench-token")
    if args.rtt > 0:  # Discord is not on loopback: each REST answer comes this much later
        rest = fake._rest

        async def far(request: Any) -> Any:
            await asyncio.sleep(args.rtt)
            return await rest(request)

        fake._rest = far
    await fake.start()
    try:
        guild = fake.add_guild("Bench")
        channels = [fake.add_channel(guild, f"c{i}") for i in range(CHANNELS)]
        dm = name == "dm"
        members = [fake.add_member(guild, f"member{i}") for i in range(args.dm if dm else max(60, args.going))]
        events, going = (1, args.dm) if dm else (args.burst, args.going)
        commit_s = await prepare(url, guild, channels, members, events, going, dm)
        want_chan, want_dm = events, len(members) if dm else 0
        env = {**os.environ, TOKEN_ENV: fake.token, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, __file__, "--lead", str(args.lead), "--child", url, fake.api_base, fake.gateway_url]
        with open(os.path.join(dir_, f"child-{name}.log"), "w") as err:  # noqa: ASYNC230 - before the run
            proc = await asyncio.create_subprocess_exec(*cmd + (["--no-marks"] if args.no_marks else []),
                                                        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                        stderr=err, env=env)
            assert proc.stdout is not None and proc.stdin is not None
            start_mono = time.monotonic() - 1.0  # what the child posts, from its start on
            line = (await proc.stdout.readline()).decode().split()
            if not line or line[0] != "due":
                raise SystemExit(f"child did not start: see {err.name}")
            due, ready_at = float(line[1]), float(line[2])
            due_mono = due - time.time() + time.monotonic()
            pg0 = pg_cpu() if pg_cpu else 0.0
            deadline = due_mono + 120
            while time.monotonic() < deadline:
                chan, dms = posts(fake, start_mono)
                if len(chan) >= want_chan and len(dms) >= want_dm:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(1.0)  # a post made twice would show now
            pg_used = (pg_cpu() - pg0) if pg_cpu else float("nan")
            proc.stdin.write(b"stop\n")
            await proc.stdin.drain()
            out = (await proc.stdout.read()).decode().strip().splitlines()
            await proc.wait()
        res = json.loads(out[-1])
    finally:
        await fake.stop()
    chan, dms = posts(fake, start_mono)
    late = [m["_created"] - due_mono for m in chan + dms]
    per_event = {m["content"].split("Meetup ")[1].split()[0].strip("*_,.") for m in chan}
    bot = await build_bot(url, clock=Clock())
    try:
        states = dict(await bot.db.fetchall("SELECT state, count(*) FROM jobs GROUP BY state"))
        try:
            marks_left = (await bot.db.fetchone("SELECT count(*) FROM job_sends"))[0]
        except Exception:  # noqa: BLE001 - before bot/resend.py there is no such table
            marks_left = "no table"
    finally:
        await bot.db.close()
    once = len(chan) == want_chan == len(per_event) and len(dms) == want_dm and states.get("sent") == events
    return {
        "scenario": name, "armed_before_due_s": round(due - ready_at, 2),
        "channel_posts": len(chan), "dms": len(dms), "once": once, "jobs": states, "marks_left": marks_left,
        "p50_ms": round(percentile(late, 50) * 1e3, 1), "last_ms": round(max(late, default=float("nan")) * 1e3, 1),
        "channel_last_ms": round(max((m["_created"] - due_mono for m in chan), default=float("nan")) * 1e3, 1),
        "bot_cpu_s": round(res["cpu_s"], 3), "commits": res["commits"],
        "pg_cpu_s": round(pg_used, 3), "commit_p50_ms": round(percentile(commit_s, 50) * 1e3, 2),
    }


async def run(args: argparse.Namespace) -> None:
    which = [args.only] if args.only else ["burst", "dm"]
    d = tmpdir("marks")
    if args.postgres:
        from _postgres import PgServer

        with PgServer() as pg:
            print(f"# PostgreSQL {pg.version()} (tests/pg_harness.py, loopback TCP)", flush=True)
            for name in which:
                print(json.dumps(await scenario(name, pg.fresh_url(), args, str(d), pg.cpu_s)), flush=True)
    else:
        for name in which:
            print(json.dumps(await scenario(name, str(d / f"{name}.db"), args, str(d), None)), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--postgres", action="store_true")
    p.add_argument("--burst", type=int, default=1000, help="reminders due at the same instant")
    p.add_argument("--going", type=int, default=3, help="people going (mentioned) per burst reminder")
    p.add_argument("--dm", type=int, default=50, help="people DMed by the one reminder of the dm scenario")
    p.add_argument("--lead", type=float, default=3.0, help="seconds from the bot's start to the due instant")
    p.add_argument("--rtt", type=float, default=0.0,
                   help="seconds added to each REST answer of the fake (a round trip to Discord)")
    p.add_argument("--no-marks", action="store_true", help="the Discord adapter marks nothing")
    p.add_argument("--only", choices=["burst", "dm"])
    p.add_argument("--child", nargs=3, metavar=("DB", "API", "GATEWAY"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.no_marks and not (ROOT / "bot" / "resend.py").exists():
        raise SystemExit("--no-marks: this commit has no bot/resend.py (nothing is marked anyway)")
    if args.child:
        db, api_base, gateway_url = args.child
        asyncio.run(child(db, api_base, gateway_url, lead=args.lead, no_marks=args.no_marks))
        return
    header("job send marks: reminders through the Discord adapter, a burst and a DM fan-out")
    asyncio.run(run(args))
    print(f"# {load()} at the end")


if __name__ == "__main__":
    main()
