"""A poll option that reads as a time is the moment it named when the poll was made: one that
`when=` would refuse (an hour the clocks skip, a time already past) refuses the poll instead of
staying text, and `when=poll:<id>` never reads a leading option's words again against a later
"now", where they could name another day than the one voted on."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed


def reply(out: str) -> str:
    return out.split("logoff: ", 1)[1]


async def counts(bot: Bot) -> tuple[int, int]:
    return (len(await bot.db.fetchall("SELECT id FROM polls")),
            len(await bot.db.fetchall("SELECT id FROM events")))


async def test_an_option_in_the_hour_the_clocks_skip_refuses_the_poll(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console
    # From Mon 23 Nov 2026 to Sat 27 Mar 2027 in Berlin: the clocks jump from 02:00 to 03:00 that night.
    await typed(a, ":as ann mod", "!config set timezone Europe/Berlin", ":wait 124d")
    out = await typed(a, '!poll create "Night walk?" "tomorrow 2:30am" | "tomorrow 4am"')
    assert reply(out).startswith("⚠️") and "option 1, 'tomorrow 2:30am'" in out, out
    assert "does not exist on Sun 28 Mar 2027 in Europe/Berlin" in out, out
    assert "Sun 28 Mar" in out or "28" in out, out  # says which night it read
    assert await counts(bot) == (0, 0)


async def test_an_option_already_past_refuses_the_poll(console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console
    await typed(a, ":as ann mod", ":wait 11h")  # Mon 23 Nov 2026 20:00 UTC
    out = await typed(a, '!poll create "Tonight?" "today 7pm" | "tomorrow 7pm"')
    assert reply(out).startswith("⚠️") and "option 1, 'today 7pm'" in out, out
    assert "Mon 23 Nov 2026 19:00 UTC, in the past" in out, out
    assert await counts(bot) == (0, 0)


async def test_options_that_are_not_times_still_make_a_poll(console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console
    out = await typed(a, '!poll create "Where?" Riverside Park | Blue Cafe | Pizza | Room 101 | 2 pizzas | '
                         'Route 66 | friday | 7pm')
    assert not reply(out).startswith("⚠️"), out
    assert "Room 101" in out and "Route 66" in out and "Mon 23 Nov 2026 19:00 UTC" in out, out
    assert await counts(bot) == (1, 0)


async def test_when_poll_never_reads_a_text_option_again_against_a_later_day(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console
    # Sat 28 Nov 2026 10:00 UTC: "this saturday 9am" is today, past, so the option stays text.
    await typed(a, ":as ann mod", ":wait 5d", ":wait 1h")
    made = await typed(a, '!poll create "Brunch?" "this saturday 9am" | Blue Cafe')
    assert not reply(made).startswith("⚠️") and "this saturday 9am" in made, made
    # A week on, before 9am, the same words read as that day: not the day the poll was about.
    await typed(a, ":as bob", "!poll vote 1 1", ":as ann mod", ":wait 6d", ":wait 22h")
    out = await typed(a, "!event create Brunch when=poll:1")
    assert reply(out).startswith("⚠️"), out
    assert "poll #1 leads with 'this saturday 9am', which was not a time when the poll was made" in out, out
    assert "give when= the time itself" in out, out
    assert await counts(bot) == (1, 0)
    assert "closed" not in (await typed(a, "!poll results 1")).lower()
