"""Acceptance checks, black-box, of PRODUCT.md "Running it", "Recurring meetups", "Direct
messages", "Turnout" and "Running at scale": `logoff run`, `check-config` and `logoff try`
as processes, against the fake Discord server, a real Synapse and a real PostgreSQL.
Each test is one scenario; what the rest of the suite already checks is not repeated here.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import aiohttp
import pytest

from tests.discord_fake import FakeDiscord
from tests.matrix_harness import Synapse

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]
RUNNING = "logoff is running on"


def logoff(*args: str, stdin: str = "", env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- Running it -----------------------------------------------------------------------------


def test_the_example_config_would_start_both_platforms_and_shows_no_token() -> None:
    env = {"DISCORD_TOKEN": "MTA-discord-SEKRIT", "MATRIX_ACCESS_TOKEN": "syt_matrix_SEKRIT"}
    r = logoff("check-config", "--config", str(ROOT / "config.example.toml"), env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "discord: would start" in r.stdout and "matrix: would start" in r.stdout, r.stdout
    assert "SEKRIT" not in r.stdout + r.stderr


class Run:
    """`logoff run -v --config PATH` as a process; everything it prints is kept."""

    def __init__(self, config: Path, env: Mapping[str, str]) -> None:
        self.config, self.env = config, env
        self.output: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "-v", "--config", str(self.config), cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **self.env},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert self.proc.stdout is not None
        async for raw in self.proc.stdout:  # until it says it runs, or ends
            self.output.append(raw.decode("utf-8", "replace"))
            if RUNNING in self.output[-1]:
                return
        raise AssertionError("logoff run ended before it ran:\n" + "".join(self.output[-40:]))

    async def stop(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        self.output.append((await self.proc.stdout.read()).decode("utf-8", "replace"))
        return await self.proc.wait()

    @property
    def text(self) -> str:
        return "".join(self.output)


async def healthy(http: aiohttp.ClientSession, url: str, within: float = 30) -> object:
    """/healthz once it says 200 (the platforms connect after the start is logged)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with http.get(url) as r:
            if r.status == 200 or asyncio.get_running_loop().time() > deadline:
                assert r.status == 200, await r.text()
                return await r.json()
        await asyncio.sleep(0.1)


async def test_run_verbose_on_both_platforms_logs_no_secret_and_serves_metrics(
        synapse: Synapse, tmp_path: Path) -> None:
    """Secrets are never logged, not even with -v: the Discord token, the Matrix password, nor
    the access token the homeserver hands out for it. `[metrics] listen` serves the families
    PRODUCT.md lists and /healthz; both shards of `shard_count = 2` connect."""
    discord_token = "MTA-discord-token-SEKRIT"
    fake = FakeDiscord(token=discord_token)
    await fake.start()
    guild = fake.add_guild("Hikers")
    fake.add_channel(guild, "general")
    account = synapse.register(password="matrix-password-SEKRIT")
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[bot]\ndatabase = "{tmp_path / "run.db"}"\n'
        f'[discord]\ntoken_env = "LOGOFF_BB_DISCORD"\napi_base = "{fake.api_base}"\n'
        f'gateway_url = "{fake.gateway_url}"\nshard_count = 2\nshards = "0-1"\n'
        f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{account.user_id}"\n'
        f'password_env = "LOGOFF_BB_MATRIX_PW"\ndevice_id = "LOGOFFBB"\n'
        f'[metrics]\nlisten = "127.0.0.1:{port}"\n', encoding="utf-8")
    run = Run(config, {"LOGOFF_BB_DISCORD": discord_token, "LOGOFF_BB_MATRIX_PW": account.password})
    try:
        await asyncio.wait_for(run.start(), 120)
        assert sorted(tuple(d["shard"]) for d in fake.identifies) == [(0, 2), (1, 2)]
        async with aiohttp.ClientSession() as http:
            health = await healthy(http, f"http://127.0.0.1:{port}/healthz")
            assert health == {"ok": True, "database": True, "platforms": {"discord": True, "matrix": True}}
            async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
                assert r.status == 200
                body = await r.text()
    finally:
        code = await asyncio.wait_for(run.stop(), 60)
        await fake.stop()
    assert code == 0, run.text[-3000:]
    families = set(re.findall(r"^# TYPE (\S+) ", body, re.M))
    # commands, RSVPs, reminders (sent/late/skipped are outcomes of scheduled posts), platform
    # errors, queue depths
    assert {"logoff_commands_total", "logoff_rsvps_total", "logoff_jobs_total", "logoff_platform_errors_total",
            "logoff_db_write_queue", "logoff_scheduler_queue", "logoff_card_edit_queue"} <= families, families
    assert "sent" in body and "late" in body and "skipped" in body
    assert 'logoff_platform_connected{platform="matrix"} 1.0' in body
    assert "DEBUG" in run.text  # -v was on
    for secret in (discord_token, account.password, "syt_"):  # Synapse's tokens start syt_
        assert secret not in run.text, [ln for ln in run.output if secret in ln][:3]
        assert secret not in body


# --- Recurring meetups --------------------------------------------------------------------

EVERY_RULE_ACROSS_DST = """\
:as mod mod
!config set timezone Europe/Berlin
!config set reminders off
!config set events.followup off
!event create Daily when="2030-03-28 19:00" repeat=daily count=6
!event create Fortnight when="2030-03-19 19:00" repeat="every 2 weeks" count=3
!event create Fifteenth when="2030-03-15 19:00" repeat="monthly on the 15th" count=3
!event create Climbing when="2030-03-28 19:00" repeat="every monday and thursday" count=4
:wait 1300d
"""


def first_showings(out: str) -> dict[str, tuple[str, str]]:
    """Each card's id -> (title, start) as it was first posted (edits print it again)."""
    cards: dict[str, tuple[str, str]] = {}
    for title, n, start in re.findall(r"logoff: 📅 (\w+) #(\d+)\n\s+🕒 ([^\n]+)", out):
        cards.setdefault(n, (title, start))
    return cards


def test_every_rule_keeps_its_wall_clock_across_dst_and_is_posted_series_ahead_before() -> None:
    r = logoff("try", stdin=EVERY_RULE_ACROSS_DST)
    assert r.returncode == 0, r.stderr
    cards = first_showings(r.stdout)
    # Summer time from 31 March 2030: every occurrence still at 19:00, the zone's name changes.
    days = {"Daily": ["Thu 28 Mar 2030 19:00 CET", "Fri 29 Mar 2030 19:00 CET", "Sat 30 Mar 2030 19:00 CET",
                      "Sun 31 Mar 2030 19:00 CEST", "Mon 01 Apr 2030 19:00 CEST", "Tue 02 Apr 2030 19:00 CEST"],
            "Fortnight": ["Tue 19 Mar 2030 19:00 CET", "Tue 02 Apr 2030 19:00 CEST", "Tue 16 Apr 2030 19:00 CEST"],
            "Fifteenth": ["Fri 15 Mar 2030 19:00 CET", "Mon 15 Apr 2030 19:00 CEST", "Wed 15 May 2030 19:00 CEST"],
            "Climbing": ["Thu 28 Mar 2030 19:00 CET", "Mon 01 Apr 2030 19:00 CEST", "Thu 04 Apr 2030 19:00 CEST",
                         "Mon 08 Apr 2030 19:00 CEST"]}
    for title, starts in days.items():
        made = [start for t, start in cards.values() if t == title]
        assert [s.split(" (")[0] for s in made] == starts, (title, made)
        # The first is posted when it is made; each later one series.ahead (14d) before it starts.
        assert all(s.endswith("(in 14 days)") for s in made[1:]), (title, made)
    assert len(cards) == 16


def test_an_occurrence_is_its_own_event_for_ics_cancel_and_direct_messages() -> None:
    """The .ics of an occurrence is that occurrence alone; `event cancel <id>` cancels it and
    the series goes on; `event cancel <id> series` ends it, and those going to any occurrence
    it cancels are told. `notify dm` in the console: the
    reminder also comes to bob by direct message, and `notify channel` stops that."""
    r = logoff("try", stdin="""\
!event create Run when="in 3 days at 7pm" repeat=weekly count=6
!event ics 2
:as bob
!notify dm
!rsvp 1 going
!rsvp 2 going
:as you
!event cancel 2
:wait 4d
:as bob
!notify channel
!rsvp 3 going
:as you
:wait 14d
:as carol
!rsvp 5 going
:as you
!event cancel 4 series
:wait 60d
!event list
""")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    cards = first_showings(out)
    assert [n for n, (t, _) in cards.items() if t == "Run"] == ["1", "2", "3", "4", "5"], cards  # never a #6
    [path] = re.findall(r"saved to (\S+event-2\.ics)", out)
    ics = Path(path).read_text(encoding="utf-8")
    assert ics.count("BEGIN:VEVENT") == 1 and "RRULE" not in ics and "EXDATE" not in ics, ics
    day = cards["2"][1].split()[1]  # Mon 14 Dec 2026 19:00 UTC -> 14
    [start] = re.findall(r"DTSTART[^:]*:(\d{8})T190000", ics)
    assert start[6:] == day, (start, cards["2"])
    # #5 was already posted (14d ahead) when the series was ended from #4: it goes too, in the
    # one notice of the end, and carol, going to #5 only, is told.
    assert "❌ Run #2 is cancelled." in out and "❌ Run #3" not in out
    assert re.search(r"❌ Run ended from #4 on: #4 \(\w{3} \d\d \w{3} \d{4} 19:00 UTC\), #5 \([^)]+\) are "
                     r"cancelled, and no more will be posted\.\n.*@carol", out), out[out.index("Ended the series"):]
    assert out.count("Run ended from") == 1
    assert "Ended the series Run from #4 on" in out
    reminded = re.findall(r"\] logoff( to bob)?: ⏰ Reminder: Run #(\d) starts in (1 hour|24 hours)", out)
    assert sorted(reminded) == sorted([(to, n, when) for to, n in (("", "1"), (" to bob", "1"), ("", "3"))
                                       for when in ("24 hours", "1 hour")]), reminded
    assert "No upcoming events here" in out


# --- Running at scale ---------------------------------------------------------------------


def test_try_on_a_postgresql_url_keeps_a_series_and_its_answers_between_runs(postgres) -> None:  # type: ignore[no-untyped-def]
    url = postgres.fresh_url()
    first = logoff("try", "--db", url, stdin='!event create Picnic when="in 3 hours" repeat=daily count=3\n'
                                             ":as bob\n!rsvp 1 going\n")
    assert first.returncode == 0 and "You're going to Picnic #1" in first.stdout, first.stdout + first.stderr
    again = logoff("try", "--db", url, stdin="!event list\n!event attendees 1\n:wait 2h30m\n")
    assert again.returncode == 0, again.stderr
    assert "#1 Picnic (🔁 daily, next:" in again.stdout, again.stdout
    assert "Going (1):\n      bob" in again.stdout, again.stdout
    # The clock goes on from the first run: the 1h reminder is due within this run's wait.
    assert "⏰ Reminder: Picnic #1 starts in 1 hour" in again.stdout and "@bob" in again.stdout
    assert not again.stdout.startswith("[m1]"), again.stdout  # the ids go on too
