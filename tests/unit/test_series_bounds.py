"""Recurring meetups (PRODUCT.md "Recurring meetups", "Times") through the FakeAdapter: a series
is made exactly as announced or refused with nothing written. A count that would run past the
span a series may cover, a first time the rule does not include, a day not every month has;
a first time the clocks skip is refused, and a later occurrence in the gap moves alone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.render import Card
from bot.testing import FakeAdapter


async def nothing_written(bot) -> bool:  # type: ignore[no-untyped-def]
    return (await bot.db.fetchall("SELECT id FROM events") == []
            and await bot.db.fetchall("SELECT id FROM event_series") == [])


async def local_starts(bot, zone: str) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await bot.db.fetchall("SELECT starts_at FROM events ORDER BY starts_at")
    return [datetime.fromtimestamp(r[0], UTC).astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y %H:%M %Z")
            for r in rows]


async def test_a_daily_count_is_bounded_by_the_five_years_not_a_smaller_number(fake: FakeAdapter, bot) -> None:
    # Daily for 600 days fits in five years; the five years decide, as for until=.
    [_, said] = await fake.invoke('!event create Run when="2026-11-24 07:00" repeat=daily count=600')
    assert "600 times" in said.text, said.text
    # Five years on from Tue 24 Nov 2026 07:00 is Mon 24 Nov 2031 07:00, 1,826 days later: 1,827 meetups.
    [longer] = await fake.invoke('!event create Run2 when="2026-11-24 07:00" repeat=daily count=1830')
    assert longer.text.startswith("⚠️") and "count=1827 or fewer" in longer.text, longer.text


async def test_a_count_running_past_five_years_is_refused_with_what_fits(fake: FakeAdapter, bot) -> None:
    [monthly] = await fake.invoke('!event create M when="2027-01-05 19:00" repeat=monthly count=500')
    assert monthly.text.startswith("⚠️"), monthly.text
    # What was understood (the 500th would be decades on) and what fits within five years of
    # Tue 05 Jan 2027 19:00: 60, the last on 2 Dec 2031 (the 61st, 6 Jan 2032, is a day past).
    assert "count=500" in monthly.text and "count=60 or fewer" in monthly.text, monthly.text
    assert "Tue 02 Dec 2031" in monthly.text and "up to 2032-01-05" in monthly.text, monthly.text
    [weekly] = await fake.invoke('!event create W when="2027-01-05 19:00" repeat=weekly count=400')
    assert weekly.text.startswith("⚠️") and "count=400" in weekly.text, weekly.text
    assert await nothing_written(bot)
    # The largest count that fits is made in full, as announced.
    [_, said] = await fake.invoke('!event create M when="2027-01-05 19:00" repeat=monthly count=60')
    assert "60 times" in said.text, said.text
    series = await bot.db.fetchall("SELECT rule, first_local, tz, until_date, count FROM event_series")
    from cogs.events.recurrence import occurrences
    rule, first, tz, until, count = series[0]
    made = list(occurrences(rule, datetime.fromisoformat(first), ZoneInfo(tz), count=count))
    assert len(made) == 60 and made[-1][0] == datetime(2031, 12, 2, 19, 0)


async def test_until_past_five_years_says_the_latest_date(fake: FakeAdapter, bot) -> None:
    [reply] = await fake.invoke('!event create M when="2027-01-05 19:00" repeat=monthly until=2033-01-01')
    assert reply.text.startswith("⚠️") and "until=2033-01-01" in reply.text, reply.text
    assert "2032-01-" in reply.text and await nothing_written(bot)


async def test_a_first_time_the_clocks_skip_is_refused_and_a_later_one_moves_alone(fake: FakeAdapter,
                                                                                 bot) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    # Berlin's clocks jump from 02:00 to 03:00 on 28 March 2027: no clock shows 02:30 that night.
    [refused] = await fake.invoke('!event create Dst2 when="2027-03-28 02:30" repeat=daily count=3')
    assert refused.text.startswith("⚠️") and "does not exist" in refused.text
    assert await nothing_written(bot)
    # A series already set at 02:30 meets that night when the clocks have jumped past it
    # (03:30), and at 02:30 again on the nights after.
    await fake.invoke('!event create Dst2 when="2027-03-27 02:30" repeat=daily count=4')
    await bot.scheduler.advance(datetime(2027, 3, 31, tzinfo=UTC) - bot.clock.now())
    assert await local_starts(bot, "Europe/Berlin") == [
        "Sat 27 Mar 2027 02:30 CET", "Sun 28 Mar 2027 03:30 CEST", "Mon 29 Mar 2027 02:30 CEST",
        "Tue 30 Mar 2027 02:30 CEST"]
    cards = [s.text for s in fake.log if isinstance(s.out, Card) and "Dst2" in s.text]
    assert any("Mon 29 Mar 2027 02:30 CEST" in c for c in cards), cards


async def test_a_first_time_the_rule_does_not_include_is_refused(fake: FakeAdapter, bot) -> None:
    # 9 Dec 2026 is a Wednesday; the nearest Monday or Thursday is Thursday the 10th.
    [days] = await fake.invoke('!event create Climb when="2026-12-09 18:00" '
                               'repeat="every monday and thursday" count=3')
    assert days.text.startswith("⚠️"), days.text
    assert "Wed 09 Dec 2026 is a Wednesday" in days.text and "every monday and thursday" in days.text
    assert 'when="2026-12-10 18:00"' in days.text, days.text
    # Nearest may be earlier: a Friday with Mondays and Thursdays is one day after a Thursday.
    [back] = await fake.invoke('!event create Climb when="2026-12-11 18:00" '
                               'repeat="every monday and thursday"')
    assert 'when="2026-12-10 18:00"' in back.text, back.text
    [monthday] = await fake.invoke('!event create Rent when="2026-12-09 18:00" '
                                   'repeat="monthly on the 15th"')
    assert monthday.text.startswith("⚠️") and "is the 9th" in monthday.text, monthday.text
    assert 'when="2026-12-15 18:00"' in monthday.text, monthday.text
    assert await nothing_written(bot)
    [first, _] = await fake.invoke('!event create Climb when="2026-12-10 18:00" '
                                   'repeat="every monday and thursday" count=3')
    assert "Thu 10 Dec 2026 18:00" in first.text


async def test_refusals_name_days_with_english_ordinals(fake: FakeAdapter, bot) -> None:
    for day, says in (("31st", "a 31st"), ("29th", "a 29th"), ("30", "a 30th"), ("32nd", "no 32nd")):
        [reply] = await fake.invoke(f'!event create X when="2027-01-31 19:00" '
                                    f'repeat="monthly on the {day}"')
        assert reply.text.startswith("⚠️") and says in reply.text, reply.text
        assert "31th" not in reply.text and "32th" not in reply.text
    assert await nothing_written(bot)
