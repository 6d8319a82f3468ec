"""Several `logoff run` processes on one PostgreSQL database, seen from the platforms' side
(PRODUCT.md "Running at scale"; issue 16): the reminder burst of tests/cluster/test_cluster.py
and bench/bench_cluster.py.

The world: the fake Discord (tests/discord_fake, in this process) with guilds spread over
`SHARD_COUNT` shards, a room or a few on the session's Synapse (tests/matrix_harness), and one
fresh PostgreSQL database (tests/pg_harness.py). Three `python -m bot.cli run --config <file>`
processes share that database: P1 runs Discord shards 0-1, P2 shards 2-3, P3 Matrix only
(P1 starts first, the others once it runs: `Cluster.start` says why).

The scenario (`run_scenario`), everything through the product's own commands:
1. each guild's owner runs `/config set events.discord off` (the bot has no Manage Events in
   the fake, and the Events tab is not what this is about) and `/event create` for every
   event, all starting at one whole minute `M` some minutes ahead; in the rooms a creator
   types `!event create …`. With the default reminders (24h,1h) in the past, no reminder is
   due yet;
2. each space's owner then runs `config set reminders <M - due>s`, so that space's reminders
   fall due at `due`: the spaces' due times are spread evenly over `Plan.spread_s`, starting
   `Plan.lead_s` from now, the shards (and the rooms) interleaved, so every process has work
   all through the burst (a space's events fall due together, as a club's do);
3. once `Plan.kill_at` of P1's reminders are on the platform (a count in the middle of a
   guild's batch, so that some of P1's claims are usually in flight), P1 gets SIGKILL;
4. we wait until every reminder job is `sent` (read over asyncpg): P2 takes over P1's jobs,
   those P1 had claimed once two of its sweeps found none of P1's sessions (bot/jobs.py), the
   others a lease after they fell due;
5. what happened is read from the platforms: every reminder message on the fake Discord
   (with its nonce and the time the fake made it) and in the rooms (as the bot's own device
   reads them, so with `unsigned.transaction_id`), matched to its job by the event's id.

`Outcome` holds the evidence; the test asserts on it and the benchmark prints it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import itertools
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import nio

from bot.jobs import Job
from bot.process import process_name
from tests.discord_fake import EPHEMERAL, FakeDiscord, message_text
from tests.matrix_harness import Human, HumanFactory, Synapse, eventually
from tests.matrix_harness.synapse import Account

REPO = Path(__file__).resolve().parents[2]
DISCORD_TOKEN_ENV = "LOGOFF_TEST_CLUSTER_DISCORD_TOKEN"
MATRIX_TOKEN_ENV = "LOGOFF_TEST_CLUSTER_MATRIX_TOKEN"
SHARD_COUNT = 4
P1_SHARDS, P2_SHARDS = (0, 1), (2, 3)
_EVENT_ID = re.compile(r"⏰ Reminder: .*? #(\d+) starts in")
_BOTS = itertools.count()  # one Matrix account per scenario in a session
_LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")  # `logoff run`'s format
LOG_TAIL_LINES = 40
MAX_ERROR_LINES = 400
JSON = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    """The scenario's size and timing."""

    guilds_per_shard: int = 10
    events_per_guild: int = 25
    rooms: int = 4
    events_per_room: int = 5
    spread_s: float = 50.0  # the reminders fall due over this long
    lead_s: float = 20.0  # from arming the reminders to the first falling due
    kill_at: float = 0.4  # SIGKILL P1 once this share of its reminders were posted
    concurrency: int = 4  # slash commands in flight while setting up
    start_within: float = 120.0  # for each process to say it is running
    sent_within: float = 240.0  # after the last due time, for every job to be sent

    @property
    def guilds(self) -> int:
        return self.guilds_per_shard * SHARD_COUNT

    @property
    def discord_reminders(self) -> int:
        return self.guilds * self.events_per_guild

    @property
    def matrix_reminders(self) -> int:
        return self.rooms * self.events_per_room

    @property
    def total(self) -> int:
        return self.discord_reminders + self.matrix_reminders


@dataclass(frozen=True)
class Guild:
    id: int
    channel: int
    owner: int
    shard: int

    @property
    def space(self) -> str:
        return f"discord:{self.id}"


@dataclass(frozen=True)
class Post:
    """A reminder message as the platform has it."""

    event_id: int
    at: float  # when the platform made it (epoch seconds)
    key: str | None  # its idempotency key there: the Discord nonce, the Matrix txn id
    message: str


@dataclass
class Reminder:
    """One reminder job (a row of `jobs`) and its posts on the platform."""

    job: Job
    space: str
    shard: int | None  # the guild's shard; None for a Matrix room
    state: str
    claimed_by: str
    posts: list[Post] = field(default_factory=list)

    @property
    def due(self) -> float:
        return self.job.due_at.timestamp()

    @property
    def event_id(self) -> int:
        return int(self.job.payload["event_id"])

    @property
    def first_at(self) -> float | None:
        return min((p.at for p in self.posts), default=None)


@dataclass
class Outcome:
    plan: Plan
    reminders: list[Reminder]
    stray: list[Post]  # reminder messages no reminder job accounts for
    nodes: dict[str, str]  # name -> its process id as the jobs table records it
    killed_at: float  # epoch seconds of the SIGKILL
    p1_posted_at_kill: int  # P1's reminders on the platform when it was killed
    p1_states_at_kill: dict[str, int]  # P1's reminder jobs by state right after the kill
    taken_over_logged: int  # "took over job" lines in P2's and P3's logs
    problems: dict[str, list[str]]  # ERROR lines and tracebacks in each process' log
    unhandled: list[str]  # requests the fake Discord does not know
    sends: Counter[str]  # Discord: message POSTs the fake received, by nonce (before its dedupe)
    timings: dict[str, float] = field(default_factory=dict)
    evidence: str = ""  # each process's errors and log tail, for a failed verdict to show

    # --- the verdict ---------------------------------------------------------------------

    @property
    def posted(self) -> int:
        return sum(len(r.posts) for r in self.reminders) + len(self.stray)

    @property
    def lost(self) -> list[Reminder]:
        return [r for r in self.reminders if not r.posts]

    @property
    def duplicated(self) -> int:
        """Reminder messages beyond the first of their job, and any no job accounts for."""
        return sum(max(0, len(r.posts) - 1) for r in self.reminders) + len(self.stray)

    def per_key(self) -> Counter[str | None]:
        return Counter(p.key for r in self.reminders for p in r.posts)

    def wrong_keys(self) -> list[tuple[Reminder, Post]]:
        """Posts not made with their job's idempotency key (a re-send would then not dedupe)."""
        return [(r, p) for r in self.reminders for p in r.posts if p.key != r.job.idempotency_key]

    def of_p1(self) -> list[Reminder]:
        return [r for r in self.reminders if r.shard in P1_SHARDS]

    def taken_over(self) -> list[Reminder]:
        """P1's reminders that another process claimed last (the jobs table says who)."""
        return [r for r in self.of_p1() if r.claimed_by != self.nodes["P1"]]

    def posted_after_kill(self) -> list[Reminder]:
        return [r for r in self.of_p1() if r.first_at is not None and r.first_at > self.killed_at]

    def takeover_s(self) -> float:
        """From the kill to the last taken-over reminder posted."""
        return max(((r.first_at or 0.0) - self.killed_at for r in self.taken_over()), default=0.0)

    def resent(self) -> int:
        """Discord: POSTs of a reminder beyond the first (a job re-run after its process died
        mid-send), which the platform answered with the first message (same nonce)."""
        keys = {r.job.idempotency_key for r in self.reminders}
        return sum(n - 1 for key, n in self.sends.items() if key in keys and n > 1)

    @staticmethod
    def lateness(reminders: Iterable[Reminder]) -> list[float]:
        return [r.first_at - r.due for r in reminders if r.first_at is not None]


# --- one `logoff run` process ---------------------------------------------------------------


async def exited(proc: subprocess.Popen[bytes], within: float) -> bool:
    """Whether it exits within `within` s; polled, not waited for: this loop runs the fake Discord."""
    deadline = time.monotonic() + within
    while True:
        if proc.poll() is not None:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG = 1: an interrupted test run must not leave bots behind.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)


class Node:
    """`python -m bot.cli run --config <file>` in a folder of its own (its config and its log;
    it runs there, so nothing it keeps lands in the repository); started, stopped and SIGKILLed
    by its pid only."""

    RUNNING = "logoff is running on"

    def __init__(self, name: str, folder: Path, config: str, env: dict[str, str]) -> None:
        self.name = name
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.config = folder / "logoff.toml"
        self.log = folder / "logoff.log"
        self.config.write_text(config, encoding="utf-8")
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        with open(self.log, "ab") as log:  # the child keeps its own copy
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                                         cwd=self.folder, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_parent)

    @property
    def process_id(self) -> str:
        """How the scheduler names this process in `jobs.claimed_by`."""
        assert self.proc is not None
        return process_name(self.proc.pid)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    async def running(self, within: float) -> None:
        async def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_text()[-3000:]}")
            return self.RUNNING in self.log_text()

        await eventually(up, within=within, interval=0.2, what=f"{self.name} to say it is running")

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self, within: float = 30.0) -> None:
        """SIGTERM (a clean stop), SIGKILL if it does not exit in time; the loop keeps running
        meanwhile (the fake Discord lives in it)."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            if not await exited(proc, within):
                proc.send_signal(signal.SIGKILL)
        await exited(proc, 30)

    def problems(self) -> list[str]:
        return [ln for ln in self.log_text().splitlines() if " ERROR " in ln or "Traceback" in ln]

    def took_over(self) -> int:
        return self.log_text().count("took over job")

    def evidence(self, tail: int = LOG_TAIL_LINES) -> str:
        """Its log's errors with their tracebacks, then its last `tail` lines: the logs live in
        a temporary folder, so a failed run must print them to keep them."""
        lines = self.log_text().splitlines()
        errors: list[str] = []
        in_error = False
        for ln in lines:
            if _LOG_LINE.match(ln):  # a record begins: an error's traceback is over
                in_error = " ERROR " in ln or " CRITICAL " in ln
            elif ln.startswith("Traceback"):
                in_error = True
            if in_error:
                errors.append(ln)
        return "\n".join([f"===== {self.name} ({len(lines)} lines in {self.log}) =====",
                          f"--- its errors and tracebacks ({len(errors)} lines) ---", *errors[-MAX_ERROR_LINES:],
                          f"--- its last {tail} lines ---", *lines[-tail:]])


# --- the world --------------------------------------------------------------------------------


async def pool_run(jobs: Iterable[Callable[[], Awaitable[None]]], concurrency: int) -> None:
    """Run the coroutines with at most `concurrency` in flight, in order."""
    queue = list(jobs)[::-1]

    async def worker() -> None:
        while queue:
            await queue.pop()()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


class Cluster:
    def __init__(self, plan: Plan, pg_url: str, synapse: Synapse, folder: Path) -> None:
        self.plan = plan
        self.pg_url = pg_url
        self.synapse = synapse
        self.folder = folder
        self.fake = FakeDiscord(token=f"cluster-{os.getpid()}")
        self.fake.shard_count = SHARD_COUNT  # what /gateway/bot recommends
        self.guilds: list[Guild] = []
        self.humans = HumanFactory(synapse)
        self.account: Account | None = None  # the bot's Matrix account
        self.host: Human | None = None  # makes the rooms and speaks in them
        self.rooms: list[str] = []
        self.nodes: dict[str, Node] = {}
        self.killed_at = 0.0
        self.p1_posted_at_kill = 0
        self.p1_states_at_kill: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    # --- set-up ---------------------------------------------------------------------------

    async def open(self) -> None:
        await self.fake.start()
        for i in range(self.plan.guilds):
            gid = self.fake.add_guild(f"Club {i}")
            self.guilds.append(Guild(gid, self.fake.add_channel(gid, "general"), self.fake.owner_of(gid),
                                     self.fake.shard_of(gid, SHARD_COUNT)))
        per_shard = Counter(g.shard for g in self.guilds)
        assert per_shard == dict.fromkeys(range(SHARD_COUNT), self.plan.guilds_per_shard), per_shard
        self.account = self.synapse.register(f"logoffcluster{os.getpid()}x{next(_BOTS)}")
        self.host = self.humans("host")
        env = {DISCORD_TOKEN_ENV: self.fake.token, MATRIX_TOKEN_ENV: self.account.access_token}
        db = f'[bot]\ndatabase = "{self.pg_url}"\n\n'
        discord = (f'[discord]\ntoken_env = "{DISCORD_TOKEN_ENV}"\napi_base = "{self.fake.api_base}"\n'
                   f'gateway_url = "{self.fake.gateway_url}"\nshard_count = {SHARD_COUNT}\n')
        for name, shards in (("P1", P1_SHARDS), ("P2", P2_SHARDS)):
            self.nodes[name] = Node(name, self.folder / name,
                                    db + discord + f'shards = "{shards[0]}-{shards[-1]}"\n', env)
        self.nodes["P3"] = Node("P3", self.folder / "P3", db + (
            f'[matrix]\nhomeserver = "{self.synapse.url}"\nuser_id = "{self.account.user_id}"\n'
            f'access_token_env = "{MATRIX_TOKEN_ENV}"\nkey_store = "{self.folder / "P3" / "matrix-keys"}"\n'), env)

    async def start(self) -> None:
        # All three at once on an empty database: their migrations take turns.
        for node in self.nodes.values():
            node.spawn()
        for node in self.nodes.values():
            await node.running(self.plan.start_within)
        # Both Discord processes have synced the slash commands the fake needs.
        await self.fake.wait_for(lambda: bool(self.fake.commands.get(None)), 30, "the slash commands")
        assert self.host is not None and self.account is not None
        for r in range(self.plan.rooms):
            self.rooms.append(await self.host.create_room(invite=[self.account.user_id], name=f"Club room {r}"))
        for room in self.rooms:
            async def joined(room: str = room) -> bool:
                assert self.host is not None and self.account is not None
                return (await self.host.members(room)).get(self.account.user_id) == "join"

            await eventually(joined, within=60, what=f"the bot to join {room}")

    async def slash(self, guild: Guild, command: str, options: JSON) -> str:
        result = await self.fake.send_interaction(command, options, user=guild.owner, channel=guild.channel,
                                                  wait_s=60, settle=0)
        return result.text

    async def create_events(self, starts: datetime) -> None:
        """Every event starting at `starts` (a whole minute, UTC: the spaces' zone)."""
        when = starts.strftime("%Y-%m-%d %H:%M UTC")
        plan = self.plan

        def off(g: Guild) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                said = await self.slash(g, "config set", {"key": "events.discord", "value": "off"})
                assert "events.discord" in said, said
            return run

        def create(g: Guild, n: int) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                title = f"Meetup {g.id % 100_000}-{n}"
                said = await self.slash(g, "event create", {"title": title, "when": when})
                assert title in said, f"/event create in guild {g.id}: {said}"
            return run

        await pool_run((off(g) for g in self.guilds), plan.concurrency)
        assert self.host is not None
        for room in self.rooms:
            for n in range(plan.events_per_room):
                await self.host.say(room, f"!event create Meetup room-{n} when={when}")
        await pool_run((create(g, n) for n in range(plan.events_per_guild) for g in self.guilds),
                       plan.concurrency)

        async def all_made() -> bool:
            counts = await self.fetch_counts("SELECT space, count(*) FROM events GROUP BY space")
            return (all(counts.get(g.space) == plan.events_per_guild for g in self.guilds)
                    and all(counts.get(f"matrix:{r}") == plan.events_per_room for r in self.rooms))

        await eventually(all_made, within=120, interval=0.5, what="every event stored")

    def spaces_in_due_order(self) -> list[str]:
        """Guilds by shard in turn (0, 1, 2, 3, 0, …), the rooms spread evenly among them."""
        by_shard = [[g.space for g in self.guilds if g.shard == s] for s in range(SHARD_COUNT)]
        order = [space for row in zip(*by_shard, strict=True) for space in row]
        for i, room in enumerate(self.rooms):
            order.insert(round((i + 0.5) * len(order) / len(self.rooms)), f"matrix:{room}")
        return order

    async def arm(self, starts: datetime) -> dict[str, float]:
        """`config set reminders <offset>` in every space so that its reminders fall due at its
        place in the burst; returns space -> due time. Waits until every reminder job exists."""
        plan = self.plan
        order = self.spaces_in_due_order()
        first = math.ceil(time.time() + plan.lead_s)
        step = plan.spread_s / max(1, len(order) - 1)
        offsets = {space: int(starts.timestamp() - first - round(i * step)) for i, space in enumerate(order)}
        guilds = {g.space: g for g in self.guilds}

        def setting(space: str) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                value = f"{offsets[space]}s"
                if space in guilds:
                    said = await self.slash(guilds[space], "config set", {"key": "reminders", "value": value})
                    assert "reminders" in said, said
                else:
                    assert self.host is not None
                    await self.host.say(space.partition(":")[2], f"!config set reminders {value}")
            return run

        await pool_run((setting(s) for s in order), plan.concurrency)

        async def armed() -> bool:
            # In any state: on a loaded machine the first spaces' reminders may be out before
            # the last space is armed. One armed after its due time has no job (its reminder
            # is already past), and that is the set-up being too slow.
            counts = await self.fetch_counts(
                "SELECT space, count(*) FROM jobs WHERE kind='event.reminder' AND state <> 'cancelled' "
                "GROUP BY space")
            return sum(counts.values()) == plan.total

        try:
            await eventually(armed, within=plan.lead_s + 30, interval=0.25, what="every reminder job written")
        except AssertionError:
            raise AssertionError(f"not every reminder was armed before it fell due (set-up too slow for "
                                 f"lead_s={plan.lead_s}?): {await self.fetch_counts('SELECT state, count(*) FROM jobs GROUP BY state')}") from None
        return {space: starts.timestamp() - offset for space, offset in offsets.items()}

    # --- the burst ------------------------------------------------------------------------

    def reminder_posts(self, channels: set[int] | None = None) -> list[tuple[int, JSON]]:
        """(event id, message) of the reminder messages on the fake Discord."""
        out = []
        bot = self.fake.bot_user["id"]
        for m in list(self.fake.messages.values()):
            if m["author"]["id"] != bot or m["flags"] & EPHEMERAL or m.get("_deleted"):
                continue
            if channels is not None and int(m["channel_id"]) not in channels:
                continue
            found = _EVENT_ID.search(message_text(m))
            if found:
                out.append((int(found.group(1)), m))
        return out

    async def kill_p1_mid_burst(self, last_due: float) -> None:
        """SIGKILL P1 once `kill_at` of its reminders are posted, at a count in the middle of a
        guild's batch (its events fall due together), so that some of its claims are usually in
        flight: claimed and not yet posted, or posted and not yet marked sent."""
        plan = self.plan
        mine = {g.channel for g in self.guilds if g.shard in P1_SHARDS}
        total = len(mine) * plan.events_per_guild
        batch = plan.events_per_guild
        threshold = max(1, min(total - 1, round(plan.kill_at * total / batch) * batch + batch // 2))
        deadline = last_due + 60
        while len(self.reminder_posts(mine)) < threshold:
            if time.time() > deadline:
                raise AssertionError(f"P1 posted only {len(self.reminder_posts(mine))} of {total} reminders "
                                     f"by a minute after the last was due")
            await asyncio.sleep(0.01)
        self.nodes["P1"].kill9()
        self.killed_at = time.time()
        proc = self.nodes["P1"].proc
        assert proc is not None and await exited(proc, 30)
        self.p1_posted_at_kill = len(self.reminder_posts(mine))
        spaces = [f"discord:{g.id}" for g in self.guilds if g.shard in P1_SHARDS]
        self.p1_states_at_kill = await self.fetch_counts(
            "SELECT state, count(*) FROM jobs WHERE kind='event.reminder' AND space = ANY($1::text[]) "
            "GROUP BY state", spaces)

    async def wait_all_sent(self, last_due: float) -> None:
        left = await self.fetch_counts("SELECT state, count(*) FROM jobs WHERE kind='event.reminder' GROUP BY state")
        deadline = max(time.time(), last_due) + self.plan.sent_within
        while left.get("sent", 0) < self.plan.total:
            if set(left) - {"pending", "sending", "sent"}:
                raise AssertionError(f"a reminder ended otherwise than sent: {left}")
            if time.time() > deadline:
                raise AssertionError(f"not every reminder was sent within {self.plan.sent_within} s "
                                     f"after the last was due: {left}")
            await asyncio.sleep(0.25)
            left = await self.fetch_counts(
                "SELECT state, count(*) FROM jobs WHERE kind='event.reminder' GROUP BY state")

    # --- reading what happened ---------------------------------------------------------------

    async def fetch_counts(self, sql: str, *args: Any) -> dict[str, int]:
        conn = await asyncpg.connect(self.pg_url, timeout=30)
        try:
            return {str(r[0]): int(r[1]) for r in await conn.fetch(sql, *args)}
        finally:
            await conn.close()

    async def reminder_jobs(self) -> list[tuple[Job, str, str]]:
        conn = await asyncpg.connect(self.pg_url, timeout=30)
        try:
            rows = await conn.fetch("SELECT id, kind, key, space, due_at, state, payload, attempts, claimed_by "
                                    "FROM jobs WHERE kind='event.reminder' ORDER BY due_at, id")
        finally:
            await conn.close()
        return [(Job.from_row(tuple(r.values())[:8]), str(r["state"]), str(r["claimed_by"])) for r in rows]

    async def matrix_posts(self) -> list[Post]:
        """The reminders in the rooms as the bot's own device reads them (Synapse shows a
        transaction id only to the device that used it)."""
        assert self.account is not None
        client = nio.AsyncClient(self.synapse.url, self.account.user_id, device_id=self.account.device_id)
        client.access_token, client.user_id = self.account.access_token, self.account.user_id
        out = []
        try:
            for room in self.rooms:
                token: str | None = None
                while True:
                    resp = await client.room_messages(room, start=token, limit=100,
                                                      direction=nio.MessageDirection.back)
                    assert isinstance(resp, nio.RoomMessagesResponse), resp
                    for ev in (e.source for e in resp.chunk):
                        body = (ev.get("content") or {}).get("body", "")
                        found = _EVENT_ID.search(body) if isinstance(body, str) else None
                        if ev.get("sender") == self.account.user_id and ev.get("type") == "m.room.message" and found:
                            out.append(Post(int(found.group(1)), ev["origin_server_ts"] / 1000,
                                            (ev.get("unsigned") or {}).get("transaction_id"), ev["event_id"]))
                    if not resp.chunk or not resp.end or resp.end == token:
                        break
                    token = resp.end
        finally:
            await client.close()
        return out

    def discord_posts(self) -> list[Post]:
        return [Post(event_id, datetime.fromisoformat(m["timestamp"]).timestamp(), m.get("nonce"), m["id"])
                for event_id, m in self.reminder_posts()]

    async def outcome(self) -> Outcome:
        shards = {g.space: g.shard for g in self.guilds}
        reminders = [Reminder(job, job.space, shards.get(job.space), state, by)
                     for job, state, by in await self.reminder_jobs()]
        by_event = {r.event_id: r for r in reminders}
        stray = []
        for post in [*self.discord_posts(), *await self.matrix_posts()]:
            if post.event_id in by_event:
                by_event[post.event_id].posts.append(post)
            else:
                stray.append(post)
        return Outcome(
            plan=self.plan, reminders=reminders, stray=stray,
            nodes={name: n.process_id for name, n in self.nodes.items()},
            killed_at=self.killed_at, p1_posted_at_kill=self.p1_posted_at_kill,
            p1_states_at_kill=self.p1_states_at_kill,
            taken_over_logged=self.nodes["P2"].took_over() + self.nodes["P3"].took_over(),
            problems={name: n.problems() for name, n in self.nodes.items()},
            unhandled=list(self.fake.unhandled), timings=self.timings,
            evidence="\n".join(n.evidence() for n in self.nodes.values()),
            sends=Counter(str(body.get("nonce")) for method, path, body in self.fake.requests
                          if method == "POST" and path.startswith("/channels/") and path.endswith("/messages")
                          and isinstance(body, dict) and body.get("nonce")))

    async def close(self) -> None:
        await asyncio.gather(*(node.stop() for node in self.nodes.values()))
        for h in self.humans.made:
            await h.close()
        await self.fake.stop()


async def run_scenario(plan: Plan, pg_url: str, synapse: Synapse, folder: Path,
                       say: Callable[[str], None] = lambda _: None) -> Outcome:
    """The whole scenario (the module's docstring); `say` hears progress."""
    cluster = Cluster(plan, pg_url, synapse, folder)
    t0 = time.monotonic()
    try:
        await cluster.open()
        await cluster.start()
        cluster.timings["processes_up_s"] = time.monotonic() - t0
        say(f"3 processes running after {cluster.timings['processes_up_s']:.1f} s")
        # A whole minute far enough ahead that the default reminders are past and the burst,
        # whatever the set-up took, is over before the events start.
        starts = datetime.fromtimestamp(math.ceil(time.time() / 60) * 60, UTC) + timedelta(minutes=15)
        t = time.monotonic()
        await cluster.create_events(starts)
        cluster.timings["create_s"] = time.monotonic() - t
        say(f"{plan.total} events made in {cluster.timings['create_s']:.1f} s")
        t = time.monotonic()
        dues = await cluster.arm(starts)
        cluster.timings["arm_s"] = time.monotonic() - t
        first, last = min(dues.values()), max(dues.values())
        say(f"reminders armed in {cluster.timings['arm_s']:.1f} s; due from {first - time.time():.1f} s "
            f"to {last - time.time():.1f} s from now")
        await cluster.kill_p1_mid_burst(last)
        say(f"P1 killed {cluster.killed_at - first:.1f} s into the burst, after {cluster.p1_posted_at_kill} "
            f"of its reminders; its jobs then: {json.dumps(cluster.p1_states_at_kill)}")
        await cluster.wait_all_sent(last)
        cluster.timings["burst_s"] = time.time() - first
        say(f"every job sent {cluster.timings['burst_s']:.1f} s after the first was due")
        outcome = await cluster.outcome()
    except BaseException:
        try:
            await cluster.close()
        finally:
            print_evidence(cluster.nodes.values())
        raise
    else:
        await cluster.close()
    cluster.timings["total_s"] = time.monotonic() - t0
    return outcome


def print_evidence(nodes: Iterable[Node]) -> None:
    """Each process's errors and log tail on stdout (pytest shows it with a failure)."""
    for node in nodes:
        print(node.evidence(), flush=True)
