"""Third-pass audit of `logoff try` (PRODUCT.md, "Console" and the command syntax): what
people type reaches the terminal only as text, a quote left open is refused rather than
guessed at, `:as` takes a quoted name, and every edited card says what it was given."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed

ROOT = Path(__file__).resolve().parents[2]
CLEAR = "\x1b[2J"


async def test_control_characters_typed_are_shown_not_sent_to_the_terminal(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, f"hi {CLEAR} there\x07", f"!nosuch{CLEAR}", f":react {CLEAR} 1")
    assert "\x1b" not in shown and "\x07" not in shown, repr(shown)
    assert "[u1] you: hi ␛[2J there␇" in shown, shown  # the chat line, as its pictures
    assert "nosuch␛[2J" in shown  # a command's refusal that repeats what was typed
    assert "there is no message ␛[2J" in shown


@pytest.mark.subprocess
def test_a_piped_run_prints_no_escape_sequence_a_user_typed() -> None:
    """As a checker runs it: a pipe in, stdout read back."""
    lines = f"{CLEAR}hello\n!event create Party when=\"tomorrow 7pm\"\n!rsvp 1 going{CLEAR}\n"
    r = subprocess.run([sys.executable, "-m", "bot.cli", "try"], input=lines, capture_output=True,
                       text=True, timeout=60, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout, repr(r.stdout)
    assert "␛[2Jhello" in r.stdout and "Party #1" in r.stdout


async def test_a_double_quote_left_open_is_refused_not_read_to_the_end_of_the_line(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, '!poll create "Where should we meet? Riverside Park | Blue Cafe')
    assert shown.count("⚠️") == 1 and "never closed" in shown, shown
    assert not adapter.cards()  # it used to be a poll "\"Where" of the question's words
    shown = await typed(adapter, '!event create Party when="tomorrow 7pm')
    assert "⚠️" in shown and "'tomorrow 7pm' is never closed" in shown, shown
    assert not adapter.cards()
    # An apostrophe and a closed quote are as before.
    assert "Bob's party #1" in await typed(adapter, "!event create Bob's party when=\"tomorrow 7pm\"")


async def test_as_takes_a_quoted_name_with_spaces(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, ':as "Bob Smith" mod')
    assert "you are now Bob Smith (moderator)" in shown, shown
    await typed(adapter, '!event create Party when="tomorrow 7pm"')
    assert "Bob Smith" in (await typed(adapter, ":react last ✅")), adapter.last().text


@pytest.mark.parametrize("typed_name, needle", [
    ('""', "who should you be?"),
    ('"Bob', "never closed"),
    ("'Bob", "never closed"),  # it used to make you "'Bob"
    ("'Bob Smith mod", "never closed"),
    ("ev\x1bil", "control characters"),
    ("z" * 50, "at most 40 characters"),
    ("z" * 5000, "at most 40 characters"),
])
async def test_as_refuses_a_name_it_cannot_take_and_stays_who_you_were(
        console: tuple[Bot, ConsoleAdapter], typed_name: str, needle: str) -> None:
    _, adapter = console
    await typed(adapter, ":as alice")
    shown = await typed(adapter, f":as {typed_name}")
    assert "⚠️" in shown and needle in shown, shown
    assert adapter.current.display == "alice"  # not cut to 40, not a name of two quote marks


async def test_each_card_edited_at_once_shows_the_reaction_it_was_given(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """The live-card editor edits an event's card and its copy from `event show` together: each
    says it got 📍 when check-in opens (the copy's used to say nothing)."""
    bot, adapter = console
    await typed(adapter, '!event create Party when="in 3 hours"', "!event show 1")
    await bot.advance(timedelta(hours=2, minutes=31))
    assert isinstance(adapter.out, io.StringIO)
    shown = "\n".join(ln for ln in adapter.out.getvalue().splitlines()
                      if ln.startswith(("[m", "      reactions: +")))
    assert "[m1] logoff (edited): 📅 Party #1\n      reactions: + 📍" in shown, shown
    assert "[m2] logoff (edited): 📅 Party #1\n      reactions: + 📍" in shown, shown


async def test_a_reaction_taken_back_that_was_not_there_is_said(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!poll create "Q?" A | B')
    shown = await typed(adapter, ":unreact m1 1")
    assert "⚠️" in shown and "nothing to take back" in shown, shown
    await typed(adapter, ":react m1 1")
    assert "already reacted" in await typed(adapter, ":react m1 1")
    assert "A — 0" in await typed(adapter, ":unreact m1 1")


async def test_a_line_starting_with_a_colon_but_no_console_word_is_chat(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """PRODUCT.md: any other text is a plain chat message. ":)" used to be refused as a console
    command, so a smiley or a :shortcode: could not be said at all; ":D" and ":P" still were."""
    _, adapter = console
    shown = await typed(adapter, ":)", ":tada: we did it", ":D", ":P see you there", ":foo")
    assert "⚠️" not in shown, shown
    assert "[u1] you: :)" in shown and "[u2] you: :tada: we did it" in shown, shown
    assert "[u3] you: :D" in shown and "[u4] you: :P see you there" in shown and "[u5] you: :foo" in shown
    # The console's own words, in any case, are still its commands.
    assert "you are now bob" in await typed(adapter, ":AS bob")
    assert "Console commands:" in await typed(adapter, ":help")


async def test_an_option_given_twice_says_which_was_first_and_what_to_do(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, '!event create Party when="tomorrow 7pm" when=tomorrow 8pm')
    assert "⚠️" in shown and "given twice (the first time as 'tomorrow 7pm'); keep the one you mean" in shown, shown
    assert not adapter.cards()


async def test_a_reaction_of_letters_that_are_no_emoji_is_refused(console: tuple[Bot, ConsoleAdapter]) -> None:
    """It used to be taken as a reaction the bot then ignored, with nothing said."""
    _, adapter = console
    await typed(adapter, '!poll create "Q?" A | B')
    shown = await typed(adapter, ":react last ü", ":react last é1")
    assert shown.count("⚠️") == 2 and "'ü' is not an emoji" in shown, shown
    assert "ü" not in adapter.reactions.get("m1", {})


async def test_an_option_name_in_capitals_is_the_option_as_a_command_name_is(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """`Where=Cafe` (a phone's capital) used to be taken into the title: "Party Where=Cafe"."""
    _, adapter = console
    shown = await typed(adapter, '!event create Party When="tomorrow 7pm" Where=Cafe CAPACITY=3')
    assert "📅 Party #1" in shown and "📍 Cafe" in shown and "Going (0/3)" in shown, shown


async def test_help_for_a_command_with_its_arguments_shows_that_command(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    """PRODUCT.md names `calendar reset` as a command; its help used to be "there is no command"."""
    _, adapter = console
    shown = await typed(adapter, "!help calendar reset")
    assert "!calendar [reset]" in shown and "⚠️" not in shown, shown
    shown = await typed(adapter, "!help poll nosuch")
    assert "⚠️" in shown and "close, create, results, vote" in shown, shown
    assert "there is no command 'nosuch'" in await typed(adapter, "!help nosuch")


async def test_a_wait_of_more_digits_than_any_duration_is_said_to_be_too_long(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, adapter = console
    before = bot.clock.now()
    shown = await typed(adapter, ":wait 99999999d")
    assert "⚠️" in shown and "too long for a duration; the most is 3650d" in shown, shown  # not "not a duration"
    assert bot.clock.now() == before


@pytest.mark.subprocess
def test_a_reader_that_leaves_ends_the_run_quietly() -> None:
    """`logoff try < script | head -1`: once the pipe it prints to is closed, the run ends. It
    used to go on through every line left, logging a BrokenPipeError traceback for each."""
    p = subprocess.Popen([sys.executable, "-m", "bot.cli", "try"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.stdin is not None and p.stdout is not None and p.stderr is not None
    # More help than a pipe holds, so the console is still writing when the reader leaves.
    p.stdin.write(b"!help\n" * 200)
    p.stdin.close()
    assert p.stdout.readline().startswith(b"[m1] logoff: logoff commands")
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err[-3000:]


async def test_as_refuses_the_bots_own_name(console: tuple[Bot, ConsoleAdapter]) -> None:
    """A person named logoff had the bot's id: their ✅ was taken for the bot's own, and
    :unreact took the bot's seeded reaction off the card."""
    _, adapter = console
    await typed(adapter, '!event create Party when="tomorrow 7pm"')
    shown = await typed(adapter, ":as Logoff")
    assert "⚠️" in shown and "the bot's name" in shown, shown
    assert adapter.current.display == "you"


async def test_a_single_quote_left_open_is_refused_and_one_ending_a_word_closes_it(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, "!poll create 'Where should we meet? A | B")
    assert "⚠️" in shown and "never closed" in shown and "\\' for an apostrophe" in shown, shown
    assert not adapter.cards()  # it used to be a poll "'Where" with "should we meet? A" as an option
    assert "Bob's party #1" in await typed(adapter, "!event create 'Bob's party' when=\"tomorrow 7pm\"")
    assert "'90s night #2" in await typed(adapter, "!event create \\'90s night when=\"tomorrow 7pm\"")


async def test_an_apostrophe_opening_a_word_is_a_letter_in_real_text(console: tuple[Bot, ConsoleAdapter]) -> None:
    """Only the one-word poll question above is refused; anywhere else `'90s`, `'t`, `'til`, `'em`
    are words, as typed (or as a phone's ’ became ')."""
    _, adapter = console
    shown = await typed(adapter, "!event create '90s party when=\"tomorrow 7pm\" where=’t Hoekje")
    assert "⚠️" not in shown and "'90s party #1" in shown and "'t Hoekje" in shown, shown
    shown = await typed(adapter, "!event create 'Tis Bob's party when=tomorrow 7pm where=the Smiths' place")
    assert "⚠️" not in shown and "'Tis Bob's party #2" in shown and "the Smiths' place" in shown, shown
    shown = await typed(adapter, "!event edit 1 details=don't forget 'em")
    assert "⚠️" not in shown and "don't forget 'em" in shown, shown
    shown = await typed(adapter, "!offline don't fight, let's talk 'til it's sorted")
    assert "⚠️" not in shown and "don't fight, let's talk 'til it's sorted" in shown, shown
