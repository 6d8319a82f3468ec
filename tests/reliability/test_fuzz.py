"""Bad input: every command, fuzzed through the text parser, and hand-picked hostile input.

For any input: no exception escapes, nothing is logged at ERROR, every command answers,
a refusal is one reply starting with ⚠️, and a refusal changes nothing in the database
(the full contents of every state table are compared, not just row counts).
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bot.app import Bot, build_bot
from bot.cli import PIPED_BANNER
from bot.clock import ManualClock
from bot.commands import MAX_LINE, CommandSpec
from bot.testing import FakeAdapter, Sent
from tests.reliability.reliability_kit import COMMANDS, ROOT, changed_tables, snapshot

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Set, it makes the derandomized variants draw other examples, to hunt for flakiness.
SEED = os.environ.get("RELIABILITY_SEED")


def seeded(test: Callable[..., None]) -> Callable[..., None]:
    return seed(int(SEED))(test) if SEED else test


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Harness:
    runner: asyncio.Runner
    bot: Bot
    fake: FakeAdapter
    errors: ErrorLog
    refusals: int = 0
    accepted: int = 0

    def run(self, line: str, user: str, mod: bool) -> tuple[list[Sent], list[str]]:
        async def go() -> tuple[list[Sent], list[str]]:
            before = await snapshot(self.bot)
            replies = await self.fake.invoke(line, user, mod=mod)
            return replies, changed_tables(before, await snapshot(self.bot))

        return self.runner.run(go())

    def check(self, line: str, user: str = "alice", mod: bool = False) -> list[Sent]:
        replies, changed = self.run(line, user, mod)
        errors = [f"{r.getMessage()}\n{r.exc_text or ''}" for r in self.errors.records]
        self.errors.records.clear()
        assert not errors, f"{line!r} logged errors: {errors}"
        assert replies, f"{line!r} got no answer"
        refused = [r for r in replies if r.text.startswith("⚠️")]
        if refused:
            self.refusals += 1
            assert len(replies) == 1, f"{line!r}: a refusal came with other replies"
            assert len(refused[0].text) > 6, "a refusal must say what to do instead"
            assert not changed, f"{line!r} was refused but changed {changed}"
        else:
            self.accepted += 1
        return replies


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    with asyncio.Runner() as runner:
        async def setup() -> tuple[Bot, FakeAdapter]:
            bot = await build_bot(str(tmp_path / "fuzz.db"), clock=ManualClock(START), rate_limit=False)
            fake = FakeAdapter()
            bot.add_adapter(fake)
            await bot.start()
            # Something for ids to hit: polls #1 (open) and #2 (closed), events #1 and #2.
            for line in ("!poll create Where? Park | Cafe | Library closes=2d",
                         "!poll create When? Sat | Sun",
                         '!event create Picnic when="saturday 10am" where=Park',
                         '!event create Games when="in 72 hours" capacity=2'):
                assert not (await fake.invoke(line, "alice"))[0].text.startswith("⚠️"), line
            await fake.invoke("!poll vote 1 2", "bob")
            await fake.invoke("!poll close 2", "alice")
            await fake.invoke("!rsvp 2 going", "bob")
            return bot, fake

        bot, fake = runner.run(setup())
        yield Harness(runner, bot, fake, errors)
        runner.run(bot.stop())
    logging.getLogger().removeHandler(errors)


def spec_of(h: Harness, name: str) -> CommandSpec:
    spec = h.bot.commands.get(name.split())
    assert spec is not None
    return spec


NOISE = ['"', "'", "“", "”", "‘", "\\", "|", " | ", "=", "==", "poll:1", "poll:#2", "poll:999999999",
         "@everyone", "@here", "@room", "<@123>", "<@&456>", "<script>", "**b**", "[x](http://e.vil)",
         "\u200b", "\u200f", "\u202e", "\u2066", "e\u0301", "\u0301" * 40, "Z̷̢̛̛" * 10, "🧑‍🤝‍🧑", "\x00",
         "\x1b[31m", "\t", "\n", "\r\n", "1", "2", "0", "-1", "+3", "1e9", "99999999999999999999",
         "in 2 hours", "tomorrow 7pm", "saturday 10am", "2020-01-01 10:00", "3000-01-01",
         "2026-02-30 10:00", "25:99", "yes", "no", "going", "maybe", "timezone", "reminders",
         "reminders.grace", "events.create", "rsvp.buttons", "offline.auto", "Mars/Base",
         "../../etc/passwd", "Europe/Berlin", "off", "on", "0m", "31d", "1m", "x" * 300, "\ufeff",
         "%s%n", "{0}", "'; DROP TABLE events; --", "NaN", "inf"]


HOSTILE = ["@everyone", "<@123>", "<b>x</b>", "e\u0301" * 30, "\u202eevil", "\u200b", "x" * 250, "a|b",
           "'", '"', "name=value", "\\", "Bob's", "Zürich café 🎉"]
TIMES = ["in 2 hours", "tomorrow 7pm", "saturday 10am", "2026-12-05 18:30", "2h", "in 90 minutes",
         "friday", "next week", "2020-01-01 10:00", "3000-01-01", "poll:1", "poll:2", "poll:7", "soon"]
SETTINGS = {"timezone": ["Europe/Berlin", "UTC", "Mars/Base"], "reminders": ["24h,1h", "off", "30s", "2h"],
            "reminders.grace": ["30m", "2h", "0m"], "events.create": ["anyone", "moderators", "nobody"],
            "rsvp.buttons": ["on", "off", "maybe"], "offline.auto": ["on", "off"],
            "offline.sensitivity": ["low", "high", "max"], "offline.cooldown": ["6h", "1m", "-1h"],
            "series.ahead": ["14d", "7d", "0m"], "checkin.window": ["30m", "2h", "soon"],
            "events.followup": ["on", "off"], "web.names": ["on", "off", "maybe"]}
# Valid values of the options added with recurring meetups and turnout (a series' end
# without repeat= is refused: both paths are fuzzed).
OPTION_VALUES = {"duration": ["30m", "2h", "1h30m", "0m"],
                 "repeat": ["daily", "weekly", "every 2 weeks", "monthly", "monthly on the 15th",
                            "every monday and thursday"],
                 "until": ["2027-01-31", "jan 19", "2020-01-01"], "count": ["1", "3", "12"],
                 "goal": ["1", "5", "40"]}


def quoted(value: str) -> str:
    return f'"{value}"' if value and '"' not in value else value


def mostly(valid: list[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Three in four draws valid: the accepting paths get fuzzed, not only the refusals."""
    return st.integers(0, 3).flatmap(lambda i: odd if i == 0 else st.sampled_from(valid))


def free_text(size: int = 40) -> st.SearchStrategy[str]:
    return st.one_of(st.text(min_size=1, max_size=size), st.sampled_from(HOSTILE),
                     st.sampled_from(["Picnic", "Board games", "Blue Cafe", "Riverside Park"]))


def value_for(spec: CommandSpec, name: str, kind: str, choices: tuple[str, ...]) -> st.SearchStrategy[str]:
    if name in ("when", "closes"):
        return mostly(TIMES, st.text(max_size=20))
    if name in OPTION_VALUES:
        return mostly(OPTION_VALUES[name], st.one_of(st.text(max_size=12), st.sampled_from(NOISE)))
    if spec.path == ("config", "set") and name == "key" or spec.path == ("config", "reset"):
        return mostly(sorted(SETTINGS), st.text(max_size=12))
    if kind == "int":
        return mostly(["1", "2", "3"], st.one_of(st.integers(-3, 12).map(str), st.sampled_from(NOISE)))
    if kind == "choice":
        return mostly(list(choices), st.text(max_size=8))
    if kind == "bool":
        return st.sampled_from(["yes", "no", "maybe", "1", ""])
    if kind == "list":
        return st.lists(free_text(20), min_size=1, max_size=12).map(" | ".join)
    return free_text()


@st.composite
def structured(draw: st.DrawFn, spec: CommandSpec) -> str:
    """Mostly well-formed invocations, so the accepting paths are fuzzed too."""
    words: list[str] = []
    for o in spec.options:
        if not o.required and draw(st.booleans()):
            continue
        if spec.path == ("config", "set") and o.name == "value":
            key = words[-1].strip('"') if words else ""
            v = draw(mostly(SETTINGS.get(key, ["on"]), free_text(20)))
        else:
            v = draw(value_for(spec, o.name, o.kind, o.choices))
        words.append(v if o.rest and o.positional else
                     (quoted(v) if o.positional else f"{o.name}={quoted(v)}"))
    if draw(st.integers(0, 5)) == 5:
        words.insert(draw(st.integers(0, len(words))), draw(st.sampled_from(NOISE)))
    return " ".join(words)


@st.composite
def noise(draw: st.DrawFn, spec: CommandSpec) -> str:
    names = [o.name for o in spec.options] + ["title", "when", "where", "multi", "closes", "nope"]
    word = st.one_of(
        st.text(max_size=20),
        st.sampled_from(NOISE),
        st.integers(-5, 12).map(str),
        st.builds(lambda n, v: f"{n}={v}", st.sampled_from(names), st.one_of(st.sampled_from(NOISE),
                                                                            st.text(max_size=12))),
        st.builds(lambda v: f'"{v}"', st.text(max_size=15)),
    )
    words = draw(st.lists(word, max_size=12))
    sep = draw(st.sampled_from([" ", "  ", " \t", "\u3000"]))
    return sep.join(words)


def arguments(spec: CommandSpec) -> st.SearchStrategy[str]:
    return st.integers(0, 2).flatmap(lambda i: noise(spec) if i == 0 else structured(spec))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_survives_fuzzed_text(harness: Harness, name: str,
                                            figures: dict[str, object]) -> None:
    spec = spec_of(harness, name)

    @seeded
    @settings(max_examples=60, deadline=None, database=None, derandomize=SEED is None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(args=arguments(spec), who=st.sampled_from(["alice", "bob", "mod", "mod"]))
    def fuzz(args: str, who: str) -> None:
        harness.check(f"!{spec.name} {args}", who, mod=who == "mod")

    fuzz()
    assert harness.refusals + harness.accepted >= 60
    figures.update({"accepted": harness.accepted, "refused": harness.refusals})


@pytest.mark.soak
@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_survives_fuzzed_text_soak(harness: Harness, name: str) -> None:
    spec = spec_of(harness, name)

    @seeded
    @settings(max_examples=1500, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(args=arguments(spec), who=st.sampled_from(["alice", "bob", "mod"]))
    def fuzz(args: str, who: str) -> None:
        harness.check(f"!{spec.name} {args}", who, mod=who == "mod")

    fuzz()
    # A grammar that stopped reaching a command's accepting path (an option added without
    # valid values to draw) fuzzes only its refusals; these three refuse in this harness.
    if name not in ("calendar", "checkin", "unlink"):  # no [web]; no check-in window; no link
        assert harness.accepted, f"none of the fuzzed {name} invocations was accepted"


@seeded
@settings(max_examples=300, deadline=None, database=None, derandomize=SEED is None,
          suppress_health_check=[HealthCheck.too_slow])
@given(line=st.text(max_size=60))
def test_arbitrary_lines_never_crash(line: str) -> None:
    """Not even a command word: whatever follows the prefix gets an answer or a ⚠️."""
    with asyncio.Runner() as runner:
        async def go() -> list[Sent]:
            bot = await build_bot(":memory:", clock=ManualClock(START), rate_limit=False)
            fake = FakeAdapter()
            bot.add_adapter(fake)
            await bot.start()
            try:
                return await fake.invoke("!" + line, "alice")
            finally:
                await bot.stop()

        replies = runner.run(go())
    assert replies and all(r.text for r in replies)


def test_every_command_is_fuzzed(harness: Harness) -> None:
    assert sorted(COMMANDS) == sorted(s.name for s in harness.bot.commands)


# --- oversize and odd unicode -------------------------------------------------------------------


def refused(replies: list[Sent]) -> bool:
    return len(replies) == 1 and replies[0].text.startswith("⚠️")


@pytest.mark.parametrize("line", [
    "!event create " + "T" * 10_000 + ' when="in 72 hours"',
    '!event create Party when="in 72 hours" where=' + "P" * 10_000,
    '!event create Party when="in 72 hours" details=' + "D" * 10_000,
    "!poll create " + "Q" * 10_000 + " A | B",
    "!poll create Q " + " | ".join(f"o{i}" for i in range(1000)),
    "!poll create Q " + " | ".join(f"o{i}" for i in range(11)),
    "!poll create Q " + "A" * 101 + " | B",
    "!offline " + "N" * 10_000,
    "!config set reminders " + "1h," * 3000,
    '!event create ' + "e\u0301" * 150 + ' when="in 72 hours"',  # 300 code points of combining marks
    '!event create ' + "\u200b\u200f\u202e\u2060\ufeff" * 3 + ' when="in 72 hours"',  # only invisibles
    "!poll create \u200b \u200b | B",
    "!poll create Q A | a",  # the same option twice
    "!event create Party when=\"in 72 hours\" capacity=0",
    "!event create Party when=\"in 72 hours\" capacity=999999999999",
    "!rsvp 99999999999 going",
    "!poll vote 1 11",
])
def test_oversize_and_degenerate_input_is_refused(harness: Harness, line: str) -> None:
    replies = harness.check(line, "alice")
    assert refused(replies), f"{line[:80]!r} was accepted: {replies[0].text[:200]}"


@pytest.mark.parametrize("title", [
    "e\u0301" * 90,  # 180 code points, within the limit
    "שלום \u202eevil\u202c party",
    "Z\u0336a\u0337l\u0338g\u0335o\u0334" * 10,
    "\u200bzero\u200dwidth\u2060",
    "🧑‍🤝‍🧑👨‍👩‍👧‍👦" * 10,
])
def test_odd_but_valid_unicode_is_kept_within_limits(harness: Harness, title: str) -> None:
    replies = harness.check(f'!event create "{title}" when="in 72 hours"', "alice")
    assert not refused(replies), replies[0].text
    card = replies[0]
    assert title in card.text, "the title must be shown as typed"

    async def stored() -> list[str]:
        return [r[0] for r in await harness.bot.db.fetchall("SELECT title FROM events ORDER BY id")]

    titles = harness.runner.run(stored())
    assert titles[-1] == title and len(titles[-1]) <= 200


def test_a_line_over_the_limit_is_refused_before_parsing(harness: Harness) -> None:
    replies = harness.check("!help " + "x" * (MAX_LINE + 1))
    assert refused(replies) and "too long" in replies[0].text


# --- times and timezones ----------------------------------------------------------------------


@pytest.mark.parametrize("when, needle", [
    ("2020-01-01 10:00", "past"),
    ("yesterday 7pm", "past"),
    ("in 0 minutes", "zero"),
    ("3000-01-01 10:00", "five years"),
    ("in 300 weeks", "five years"),
    ("in 900 weeks", "five years"),
    ("2026-02-30 10:00", "not a real date"),
    ("someday maybe", "can't read"),
    ("25:99", "can't read"),
    ("Mars/Base", "can't read"),
])
def test_bad_times_are_refused_clearly(harness: Harness, when: str, needle: str) -> None:
    replies = harness.check(f'!event create Party when="{when}"', "alice")
    assert refused(replies) and needle in replies[0].text, replies[0].text
    replies = harness.check(f'!event edit 1 when="{when}"', "alice")
    assert refused(replies) and needle in replies[0].text, replies[0].text
    replies = harness.check(f'!poll create Q A | B closes="{when}"', "alice")
    assert refused(replies), replies[0].text


@pytest.mark.parametrize("tz", ["Mars/Base", "../../etc/passwd", "/etc/localtime", "", "UTC+25",
                                "Europe/Nowhere", "Europe/Berl\x00in", "x" * 300])
def test_invalid_timezones_are_refused(harness: Harness, tz: str) -> None:
    replies = harness.check(f'!config set timezone "{tz}"', "mod", mod=True)
    assert refused(replies), replies[0].text
    assert "timezone" in replies[0].text.lower() or "too long" in replies[0].text or "missing" in replies[0].text
    shown = harness.check("!config show", "mod", mod=True)[0].text
    assert "timezone = UTC (default)" in shown


def test_a_valid_timezone_is_accepted(harness: Harness) -> None:
    replies = harness.check("!config set timezone Europe/Berlin", "mod", mod=True)
    assert replies[0].text.startswith("✅") and "Europe/Berlin" in replies[0].text


# --- the console (`logoff try` from a pipe) ---------------------------------------------------


CONSOLE_SCRIPT = [
    "!", "/", "!!!", "!!help", "//help", ":", "::", ":as", ":as " + "x" * 1000, ":as @everyone mod",
    ":react", ":react m999 ✅", ":react last", ":react last ✅ extra", ":unreact last ✅",
    ":wait", ":wait soon", ":wait -1h", ":wait 0m", ":wait 5000w", ":wait 9999999999h",
    ":help", ":nope", "\x00", "\x1b[2J", "\u202e!help", "!poll create Q A | B",
    ":react last 1️⃣", ":react last 🔟", ":react last " + "✅" * 50, ":wait 500w",
    '!event create "<script>" when="in 2 hours"', ":react last ✅", ":wait 3h",
    "!config set timezone Mars/Base", ":as mod mod", "!config set timezone Mars/Base",
    "!config set reminders " + "1h," * 200, "x" * 5000, "!help " + "y" * 5000,
]


@pytest.mark.subprocess
def test_console_survives_a_hostile_script(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "bot.cli", "try", "--db", str(tmp_path / "c.db")],
                       input="\n".join(CONSOLE_SCRIPT) + "\n", capture_output=True, text=True,
                       timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stderr == PIPED_BANNER + "\n", r.stderr[-3000:]
    assert "that failed" not in r.stdout, "a console line raised"
    assert r.stdout.count("⚠️") >= 10
    assert "Mars/Base" in r.stdout and "#1" in r.stdout
