"""A series repeats at its time in the zone it was made in (PRODUCT.md "Recurring meetups"); after
`config set timezone` its rule says that time and zone, so the weekday it names is not read as a
day of the new zone, and a DST change there that moves it is what the card says. A new time with
`series` is read in the space's zone and the series goes on in it, when its days are the same days
there; otherwise it is refused, saying why. A cancelled occurrence keeps the time it was
cancelled at when a later series edit moves the others."""

from __future__ import annotations

from datetime import timedelta

from adapters.console import ConsoleAdapter
from bot.app import Bot
from bot.testing import FakeAdapter

from .console_kit import typed

# The clock starts on Mon 23 Nov 2026 09:00 UTC.


async def test_the_rule_says_its_time_and_zone_once_the_space_has_another(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, a = console
    # Tuesdays 02:00 UTC are Mondays 21:00 in New York.
    await typed(a, ":as ann mod", "!config set reminders off",
                '!event create Late when="2026-11-24 02:00" repeat=weekly')
    out = await typed(a, "!config set timezone America/New_York", "!event show 2", "!event list")
    assert "🕒 Mon 30 Nov 2026 21:00 EST" in out, out
    assert "🔁 Repeats weekly on tuesday at 02:00 UTC" in out, out
    assert "(🔁 weekly on tuesday at 02:00 UTC, next: Mon 23 Nov 2026 21:00 EST)" in out, out
    out = await typed(a, "!config set timezone UTC", "!event show 2")
    assert "🔁 Repeats weekly on tuesday\n" in out, out  # its own zone again: the plain rule


async def test_across_dst_of_the_new_zone_the_card_says_why_the_time_shifts(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, a = console
    await typed(a, ":as ann mod", "!config set reminders off",
                '!event create Meet when="2026-11-24 18:30" repeat=weekly',
                "!config set timezone America/New_York")
    out = await typed(a, ":wait 120d", "!event list")  # New York's clocks go forward on 14 Mar 2027
    assert "(🔁 weekly on tuesday at 18:30 UTC, next: Tue 23 Mar 2027 14:30 EDT)" in out, out[-600:]


async def test_a_new_time_on_the_day_shown_moves_the_series_into_the_spaces_zone(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console
    await typed(a, ":as ann mod", "!config set reminders off",
                '!event create Meet when="2026-11-24 18:30" repeat=weekly',
                "!config set timezone America/New_York")
    # #2 is shown as Tue 01 Dec 2026 13:30 EST; 20:00 that day in New York is Wednesday in UTC.
    out = await typed(a, '!event edit 2 when="2026-12-01 20:00" series')
    assert "✅" in out and "Tue 01 Dec 2026 20:00 EST" in out, out
    out = await typed(a, "!event show 2", "!event show 1")
    assert "🔁 Repeats weekly on tuesday\n" in out, out  # now in the space's zone: the plain rule
    assert "🕒 Tue 24 Nov 2026 13:30 EST" in out, out  # one before it keeps its time
    out = await typed(a, ":wait 120d", "!event list")
    assert "(🔁 weekly on tuesday, next: Tue 23 Mar 2027 20:00 EDT)" in out, out[-600:]  # its wall time there
    rows = await bot.db.fetchall("SELECT tz FROM event_series ORDER BY id")
    assert [r[0] for r in rows] == ["UTC", "America/New_York"]


async def test_a_new_time_for_a_series_whose_days_are_other_days_here_is_refused(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    bot, a = console
    await typed(a, ":as ann mod", "!config set reminders off",
                '!event create Late when="2026-11-24 02:00" repeat=weekly',
                "!config set timezone America/New_York")
    for when in ("22:00", "2026-12-01 20:00"):
        out = await typed(a, f'!event edit 2 when="{when}" series')
        reply = out.split("logoff: ", 1)[1]
        assert reply.startswith("⚠️"), out
        assert "#2 is shown as Mon 30 Nov 2026 21:00 EST" in reply, out
        assert "weekly on tuesday at 02:00 UTC" in reply and "'event cancel 2 series'" in reply, out
    out = await typed(a, "!event show 2")
    assert "🕒 Mon 30 Nov 2026 21:00 EST" in out, out
    assert [r[0] for r in await bot.db.fetchall("SELECT id FROM event_series")] == [1]


async def test_a_cancelled_occurrence_keeps_the_time_it_was_cancelled_at(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, a = console
    await typed(a, ":as ann mod", "!config set reminders off",
                '!event create Q when="2026-11-24 18:30" repeat=weekly count=3', "!event cancel 2")
    assert "✅" in await typed(a, '!event edit 1 when="20:00" series')
    out = await typed(a, "!event show 2")
    assert "Tue 01 Dec 2026 18:30 UTC" in out, out
    out = await typed(a, ":wait 30d")
    assert "Tue 01 Dec 2026 20:00" not in out, out  # not made again at the new time


async def test_zone_change_and_a_cancelled_one_on_either_engine(fake: FakeAdapter, bot: Bot) -> None:
    for line in ("!config set reminders off", '!event create Q when="2026-11-24 18:30" repeat=weekly',
                 "!event cancel 2", "!config set timezone America/New_York"):
        assert not any(r.text.startswith("⚠️") for r in await fake.invoke(line, "mod", mod=True)), line
    [*_, card] = await fake.invoke("!event show 1")
    assert "Repeats weekly on tuesday at 18:30 UTC" in card.text, card.text
    replies = await fake.invoke('!event edit 1 when="20:00" series', "mod", mod=True)
    assert "✅" in replies[0].text and "Tue 24 Nov 2026 20:00 EST" in replies[0].text, replies[0].text
    [*_, card] = await fake.invoke("!event show 2")
    assert "Tue 01 Dec 2026 13:30 EST" in card.text and "cancelled" in card.text, card.text
    await bot.advance(timedelta(days=120))
    rows = await bot.db.fetchall("SELECT occurrence, starts_at, state FROM events WHERE occurrence LIKE "
                                 "'2026-12-01%' OR occurrence LIKE '2027-03-16%'")
    assert sorted((r[0], r[2]) for r in rows) == [("2026-12-01T20:00:00", "cancelled"),
                                                  ("2027-03-16T20:00:00", "active")], rows
