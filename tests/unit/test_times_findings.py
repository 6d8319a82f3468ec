"""Audit (PRODUCT.md "Times"): replies that set a time but hide it; until= advice that leads
nowhere; a duration in two words split into the title. On both engines."""
from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.app import build_bot
from bot.clock import ManualClock
from bot.commandparse import parse_args
from bot.commandspec import CommandSpec, Option
from cogs.events.cancelling import SCOPE
from cogs.events.editing import DURATION
from tests.unit.console_kit import typed


@pytest.fixture
async def adapter(databases: Callable[..., str], clock: ManualClock,
                  tmp_path: Path) -> AsyncIterator[ConsoleAdapter]:
    clock.set(datetime(2027, 3, 26, 11, 0, tzinfo=UTC))  # Fri 26 Mar 2027 12:00 CET
    bot = await build_bot(databases(), clock=clock, rate_limit=False)
    console = ConsoleAdapter(out=io.StringIO(), files=tmp_path / "files")
    bot.add_adapter(console)
    await bot.start()
    try:
        await typed(console, ":as mod mod", "!config set timezone Europe/Berlin")
        yield console
    finally:
        await bot.stop()


def _reply(out: str) -> str:
    [reply] = [ln for ln in out.splitlines() if "✅ Updated" in ln]  # the reply, not the card
    return reply


async def test_an_edit_that_sets_the_time_it_already_had_still_repeats_it(adapter: ConsoleAdapter) -> None:
    # "Every reply that sets or moves a time repeats it in full ... so a misreading is seen at
    # once." In a CET space in March, "8pm CEST" is read literally as 18:00 UTC = 19:00 CET,
    # the event's current time; the person who meant 20:00 only heard "✅ Updated A #1.".
    await typed(adapter, "!event create A when=saturday 19:00", ":as ann ann", "!rsvp 1 going", ":as mod mod")
    out = await typed(adapter, "!event edit 1 when=8pm CEST")
    assert "still Sat 27 Mar 2027 19:00 CET (in 31 hours)" in _reply(out), out
    assert "has a new time" not in out, out  # nobody is told of a time that did not move
    moved = await typed(adapter, "!event edit 1 when=saturday 20:00")
    assert "now Sat 27 Mar 2027 20:00 CET (in 32 hours)" in _reply(moved), moved
    assert "has a new time" in moved, moved


async def test_until_a_past_day_is_refused_as_before_the_first_time(adapter: ConsoleAdapter) -> None:
    # until= takes a date; "yesterday" is understood (Thu 25 Mar) but is before the first time.
    # The refusal asked for "a time of day that is still ahead" and offered "2027-03-01".
    out = await typed(adapter, "!event create R when=monday 7pm repeat=weekly until=yesterday")
    assert "⚠️ until=2027-03-25 is before the first time (2027-03-29); give a later date" in out, out
    assert "add a time of day" not in out and "2027-03-01" not in out, out
    out = await typed(adapter, "!event create R when=monday 7pm repeat=weekly until=last friday")
    assert "⚠️ until=2027-03-19 is before the first time (2027-03-29)" in out, out
    assert "saturday 10am" not in out, out


async def test_an_unreadable_until_gets_an_example_from_the_first_time(adapter: ConsoleAdapter) -> None:
    out = await typed(adapter, "!event create R when=monday 7pm repeat=weekly until=blah")
    assert "⚠️ until: I can't read 'blah' as a date" in out and "e.g. until=2027-03-29" in out, out
    assert "saturday 10am" not in out, out
    out = await typed(adapter, "!event create R when=monday 7pm repeat=weekly until=march 1")
    assert "'march 1' is Mon 01 Mar 2027, which has passed" in out and "until=2027-03-29" in out, out
    assert "🔁" not in out


@pytest.mark.parametrize("typed_duration, ends", [("1h 30 minutes", "20:30"), ("2h 30m", "21:30"),
                                                  ("2 hours", "21:00")])
async def test_a_two_word_duration_is_read_whole(adapter: ConsoleAdapter, typed_duration: str,
                                                 ends: str) -> None:
    # "when=in 2 hours 30 minutes" is read whole unquoted; "duration=1h 30 minutes" silently
    # became a 1h event titled "D 30 minutes" (no ⚠️): 30 minutes lost, the title changed.
    out = await typed(adapter, f"!event create D when=saturday 19:00 duration={typed_duration}")
    assert "📅 D #1" in out and f"until Sat 27 Mar 2027 {ends} CET" in out, out


async def test_an_edit_takes_a_two_word_duration(adapter: ConsoleAdapter) -> None:
    # It was refused as "Scope must be one of: series"; a trailing series still is the scope.
    await typed(adapter, "!event create D when=saturday 19:00")
    out = await typed(adapter, "!event edit 1 duration=2h 30m")
    assert "it now ends Sat 27 Mar 2027 21:30 CET" in _reply(out), out
    out = await typed(adapter, "!event edit 1 duration=1h series")
    assert "⚠️ event #1 is not part of a series" in out, out


async def test_words_after_a_duration_that_are_none_fill_the_positional_options(adapter: ConsoleAdapter) -> None:
    # duration= ran on over every bare word: "duration=2h Movie night" took the title
    # ("Title is missing") and "duration=3h 1" the id ("Id is missing"). Words that do not go
    # on writing a duration fill the positional options, as with name=value anywhere on the line.
    out = await typed(adapter, "!event create duration=2h Movie night when=saturday 19:00")
    assert "⚠️" not in out and "📅 Movie night #1" in out, out
    assert "until Sat 27 Mar 2027 21:00 CET" in out, out
    out = await typed(adapter, "!event edit duration=3h 1")
    assert "it now ends Sat 27 Mar 2027 22:00 CET" in _reply(out), out
    out = await typed(adapter, "!event create E when=saturday 19:00 duration=2h Board games")
    assert "📅 E Board games #2" in out and "until Sat 27 Mar 2027 21:00 CET" in out, out
    out = await typed(adapter, "!event edit 2 duration=1h and 30 minutes")
    assert "it now ends Sat 27 Mar 2027 20:30 CET" in _reply(out), out


async def test_an_edit_keeping_the_start_but_not_the_end_says_the_new_end(adapter: ConsoleAdapter) -> None:
    # when= the time it has with a new duration= was said "still … until 22:00": "still" as
    # if nothing had changed, though the end had moved.
    await typed(adapter, "!event create E when=saturday 19:00")
    out = await typed(adapter, "!event edit 1 when=19:00 duration=3h")
    assert ": still Sat 27 Mar 2027 19:00 CET (in 31 hours), now until Sat 27 Mar 2027 22:00 CET." \
        in _reply(out), out
    out = await typed(adapter, "!event edit 1 when=19:00 duration=3h")
    assert ": still Sat 27 Mar 2027 19:00 CET (in 31 hours) until Sat 27 Mar 2027 22:00 CET." in _reply(out), out


_TITLED = CommandSpec(("e",), "", (Option("title", "", rest=True), DURATION))
_NUMBERED = CommandSpec(("e",), "", (Option("id", "", kind="int"), SCOPE, DURATION))


@pytest.mark.parametrize("spec, words, duration, rest", [
    (_TITLED, "duration=1h 30 minutes D", "1h 30 minutes", "D"), (_TITLED, "duration=1h, 30m D", "1h, 30m", "D"),
    (_TITLED, "duration=1h and 30m D", "1h and 30m", "D"), (_TITLED, "duration=2 hours D", "2 hours", "D"),
    (_TITLED, "duration=2h 30 X", "2h", "30 X"), (_TITLED, "duration=2h Min meetup", "2h", "Min meetup"),
    (_TITLED, "duration=2h and more", "2h", "and more"), (_NUMBERED, "duration=3h 1 series", "3h", "1 series"),
])
def test_a_duration_runs_on_only_over_words_that_write_it(spec: CommandSpec, words: str, duration: str,
                                                          rest: str) -> None:
    values = parse_args(spec, words.split())
    others = " ".join(v for k, v in values.items() if k != "duration")
    assert (values["duration"], others) == (duration, rest), values
