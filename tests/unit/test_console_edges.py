"""The console at the edges of its input and output: a script saved with a byte order mark,
no standard input or output at all, an empty --db, `last` after a refusal, names that draw
nothing or look like the bot's, and the reason a zone name is refused."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter, run_console
from bot.app import Bot
from tests.unit.console_kit import typed

ROOT = Path(__file__).resolve().parents[2]


def logoff(*args: str, stdin: bytes = b"", closing: int | None = None) -> subprocess.CompletedProcess[bytes]:
    """`logoff …` as a shell runs it; `closing` is a standard stream the shell closed (`<&-`)."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args],
                          input=None if closing == 0 else stdin,
                          stdout=None if closing == 1 else subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          preexec_fn=None if closing is None else lambda: os.close(closing))


async def test_a_byte_order_mark_opening_a_script_is_not_read_as_chat(console: tuple[Bot, ConsoleAdapter]) -> None:
    """A script saved by Notepad or PowerShell's Out-File starts with a BOM: the first command
    was printed as chat (`[u1] you: \\ufeff!event create …`) and nothing was created. One
    later in the text is a character of it, as typed."""
    bot, adapter = console
    script = '\ufeff!event create Picnic when="tomorrow 7pm"\r\n\ufeffhello\r\n'
    out = adapter.out
    assert isinstance(out, io.StringIO)
    await run_console(bot, adapter, io.StringIO(script))
    shown = out.getvalue()
    assert shown.startswith("[m1] logoff: 📅 Picnic #1"), shown
    assert "you: \ufeffhello" in shown, shown


async def test_react_last_passes_over_replies_to_commands(console: tuple[Bot, ConsoleAdapter]) -> None:
    """`last` is the latest card or notice: a reply to a command (only its asker sees it on a
    platform) is passed over, so "!poll vote 1 2" then ":react last 2️⃣" is a vote on the poll.
    With nothing but replies so far, the note says so, and how to name a message instead."""
    _, adapter = console
    refused = await typed(adapter, '!event create Picnic when="in 3 days"')
    assert refused.startswith("[m1] logoff: ⚠️"), refused
    nothing = await typed(adapter, ":react last ✅")
    assert "⚠️ there is no card or notice yet" in nothing and ":react m1" in nothing, nothing
    await typed(adapter, '!poll create "Where?" Park | Cafe', ":as ann", "!poll vote 1 2")
    voted = await typed(adapter, ":as ben", ":react last 2️⃣")
    assert "2️⃣ Cafe — 2" in voted and "2 voters" in voted, voted


@pytest.mark.subprocess
def test_react_last_names_the_same_message_after_a_restart(tmp_path: Path) -> None:
    """Which replies `last` passes over is kept with the database: the same lines split over
    two `--db` runs react to the same message (the card, not the refusal after it)."""
    made = b'!event create Picnic when="tomorrow 7pm"\n!rsvp 9 going\n'  # a card m1, a refusal m2
    react = ":react last ✅\n:react last ✅\n".encode()
    one = logoff("try", "--db", str(tmp_path / "one.db"), stdin=made + react).stdout.decode()
    logoff("try", "--db", str(tmp_path / "two.db"), stdin=made)
    two = logoff("try", "--db", str(tmp_path / "two.db"), stdin=react).stdout.decode()
    assert "already reacted ✅ to m1" in one, one
    assert "already reacted ✅ to m1" in two, two


@pytest.mark.subprocess
def test_try_with_no_standard_input_ends_at_once() -> None:
    """`logoff try <&-`: Python's sys.stdin is None. It failed (AttributeError: 'NoneType' has
    no attribute 'isatty') after the bot was built, and then hung, the bot never stopped."""
    r = logoff("try", closing=0)
    err = r.stderr.decode()
    assert r.returncode == 0, err[-2000:]
    assert "Traceback" not in err, err[-2000:]


@pytest.mark.subprocess
def test_try_with_no_standard_output_ends_without_a_traceback_per_line() -> None:
    """`logoff try >&-`: every line logged an ERROR with a traceback, as `| head` once did."""
    r = logoff("try", stdin=b"!event list\n!help\n!event list\n", closing=1)
    err = r.stderr.decode()
    assert r.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "ERROR" not in err, err[-2000:]


@pytest.mark.subprocess
@pytest.mark.parametrize("db", ["", "  "])
def test_try_with_an_empty_db_is_refused_as_a_config_error(db: str) -> None:
    """`--db ""` ended in a traceback (no such table: messages) and exit 1."""
    r = logoff("try", "--db", db, stdin=b"!event list\n")
    err = r.stderr.decode()
    assert r.returncode == 2, err[-2000:]
    assert "Traceback" not in err and "--db is empty" in err, err[-2000:]


async def test_as_refuses_a_name_that_draws_nothing(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    for name in ('"\u200b"', '"\u2060 \ufeff"'):
        shown = await typed(adapter, f":as {name}")
        assert shown.startswith("* ⚠️") and "no letter you can see" in shown, shown
    # Unquoted, a word of marks only is no word (as in any command): no name was given.
    shown = await typed(adapter, ":as \u200b\u200e")
    assert shown.startswith("* ⚠️") and "who should you be?" in shown, shown
    assert adapter.current.display == "you"


async def test_as_refuses_a_look_alike_of_the_bots_name(console: tuple[Bot, ConsoleAdapter]) -> None:
    """Fullwidth letters, or a zero-width space inside, read as the bot's name."""
    _, adapter = console
    for name in ("Ｌogoff", "log\u200boff", "ＬＯＧＯＦＦ"):
        shown = await typed(adapter, f":as {name}")
        assert shown.startswith("* ⚠️") and "the bot's name" in shown, shown
    assert adapter.current.display == "you"


@pytest.mark.parametrize(("typed_zone", "suggested"), [
    ("CET", "Europe/Berlin"), ("EET", "Europe/Athens"), ("WET", "Europe/Lisbon"), ("MET", "Europe/Berlin"),
    ("EST5EDT", "America/New_York"), ("PST8PDT", "America/Los_Angeles"), ("CST6CDT", "America/Chicago"),
])
async def test_a_zone_with_summer_time_is_refused_with_a_true_reason(
        console: tuple[Bot, ConsoleAdapter], typed_zone: str, suggested: str) -> None:
    """CET was refused as "a fixed offset with no summer time", but the zone CET has summer
    time (CEST); MET was taken as a space's zone; PST8PDT suggested America/New_York."""
    bot, adapter = console
    await typed(adapter, ":as mod mod")
    shown = await typed(adapter, f"!config set timezone {typed_zone}")
    assert "⚠️" in shown and suggested in shown, shown
    assert "fixed offset" not in shown and "no summer time" not in shown, shown
    assert (await bot.timezone(adapter.channel.space)).key == "UTC"


def test_try_timezone_cet_gives_the_same_true_reason(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["try", "--timezone", "CET"]) == 2
    err = capsys.readouterr().err
    assert "--timezone: CET is an abbreviation" in err and "Europe/Berlin" in err, err
    assert "fixed offset" not in err, err
