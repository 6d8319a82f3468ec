"""Recurring meetups (PRODUCT.md "Recurring meetups") through the FakeAdapter: occurrences made
`series.ahead` before they start, each its own event; wall-clock time kept across DST in both
hemispheres; the series listed once; edit and cancel of a series; bad rules refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.app import build_bot
from bot.clock import ManualClock
from bot.render import Card
from bot.testing import FakeAdapter

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def cards(fake: FakeAdapter, title: str) -> list:  # type: ignore[type-arg]
    return [s for s in fake.log if isinstance(s.out, Card) and title in s.text and "Going" in s.text]


def ids(sent: list) -> list[int]:  # type: ignore[type-arg]
    return [int(re.search(r"#(\d+)", s.text).group(1)) for s in sent]  # type: ignore[union-attr]


async def test_weekly_keeps_its_wall_clock_time_across_dst_in_berlin(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    # Berlin leaves winter time on Sunday 28 March 2027: 18:30 is 17:30 UTC before, 16:30 after.
    [first, said] = await fake.invoke('!event create Board games when="2027-03-16 18:30" repeat=weekly count=4')
    assert "repeats weekly on tuesday" in said.text and "4 times" in said.text
    assert "Tue 16 Mar 2027 18:30" in first.text
    await bot.scheduler.advance(datetime(2027, 4, 10, tzinfo=UTC) - bot.clock.now())
    made = cards(fake, "Board games")
    assert len(made) == 4 and len(set(ids(made))) == 4
    for day in ("Tue 16 Mar 2027 18:30 CET", "Tue 23 Mar 2027 18:30 CET", "Tue 30 Mar 2027 18:30 CEST",
                "Tue 06 Apr 2027 18:30 CEST"):
        assert any(day in c.text for c in made), day
    rows = await bot.db.fetchall("SELECT starts_at FROM events ORDER BY starts_at")
    utc = [datetime.fromtimestamp(r[0], UTC).strftime("%m-%d %H:%M") for r in rows]
    assert utc == ["03-16 17:30", "03-23 17:30", "03-30 16:30", "04-06 16:30"]


async def test_posted_ahead_each_with_own_rsvps_and_reminders(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set reminders 1h", "mod", mod=True)
    [first, _] = await fake.invoke('!event create Run club when="2026-11-25 07:00" repeat=weekly')
    await fake.react(first, "✅", "bob")
    # series.ahead is 14d: the two within it now, the next as the days pass, not all at once.
    assert len(cards(fake, "Run club")) == 2
    await bot.scheduler.advance(timedelta(hours=45))
    assert len(cards(fake, "Run club")) == 2
    await bot.scheduler.advance(timedelta(hours=1))
    assert len(cards(fake, "Run club")) == 3
    second = cards(fake, "Run club")[1]
    await fake.react(second, "✅", "carol")
    assert "Going (1)" in second.text and "carol" in second.text and "bob" not in second.text
    await bot.scheduler.advance(timedelta(days=8))
    reminders = [s for s in fake.log if "Reminder" in s.text]
    assert [[u.id for u in r.out.mentions] for r in reminders] == [["bob"], ["carol"]]
    assert len(fake.sends_with_key) == len(set(fake.sends_with_key))


async def test_southern_hemisphere_two_days_a_week(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set timezone Australia/Sydney", "mod", mod=True)
    # Sydney leaves summer time on Sunday 4 April 2027.
    await fake.invoke('!event create Climb when="2027-03-29 19:00" repeat="every monday and thursday" '
                      'until=2027-04-08')
    await bot.scheduler.advance(datetime(2027, 4, 9, tzinfo=UTC) - bot.clock.now())
    rows = await bot.db.fetchall("SELECT starts_at FROM events ORDER BY starts_at")
    local = [datetime.fromtimestamp(r[0], UTC).astimezone(__import__("zoneinfo").ZoneInfo(
        "Australia/Sydney")).strftime("%a %d %H:%M") for r in rows]
    assert local == ["Mon 29 19:00", "Thu 01 19:00", "Mon 05 19:00", "Thu 08 19:00"]


async def test_list_shows_a_series_once_and_cancel_series_ends_it(fake: FakeAdapter, bot) -> None:
    [first, _] = await fake.invoke('!event create Quiz when="2026-11-26 20:00" repeat=daily')
    await fake.invoke('!event create Picnic when="2026-11-28 12:00"')
    [listing] = await fake.invoke("!event list")
    assert listing.text.count("Quiz") == 1 and "🔁 daily" in listing.text and "Picnic" in listing.text
    made = ids(cards(fake, "Quiz"))
    assert len(made) == 11  # 26 Nov to 6 Dec: those starting within series.ahead (14d)
    [done] = await fake.invoke(f"!event cancel {made[2]} series")
    assert "Ended the series" in done.text and "9 occurrence(s) cancelled" in done.text
    await bot.scheduler.advance(timedelta(days=30))
    assert len(cards(fake, "Quiz")) == 11  # nothing more posted
    [listing] = await fake.invoke("!event list")
    assert "Quiz" not in listing.text


async def test_edit_series_changes_this_and_later_ones_and_the_next_made(fake: FakeAdapter, bot) -> None:
    await fake.invoke('!event create Chess when="2026-11-24 18:00" repeat=weekly')
    await bot.scheduler.advance(timedelta(hours=1))
    made = ids(cards(fake, "Chess"))
    assert len(made) == 2
    [ok] = await fake.invoke(f"!event edit {made[1]} series where=Library")
    assert ok.text.startswith("✅") and f"#{made[1]}" in ok.text
    [refused] = await fake.invoke(f'!event edit {made[1]} series when="friday 7pm"')
    assert refused.text.startswith("⚠️") and "same day" in refused.text
    # The refusal's own example, a time of day alone, is this occurrence's day at that time.
    [moved] = await fake.invoke(f'!event edit {made[1]} series when="19:30"')
    assert moved.text.startswith("✅") and "Tue 01 Dec 2026 19:30 UTC" in moved.text, moved.text
    await bot.scheduler.advance(timedelta(days=10))
    rows = await bot.db.fetchall("SELECT id, location FROM events ORDER BY starts_at")
    assert rows[0][1] == "" and all(r[1] == "Library" for r in rows[1:]) and len(rows) >= 3
    [past] = await fake.invoke(f"!event edit {made[0]} series where=Park")
    assert past.text.startswith("⚠️") and "already ended" in past.text


async def test_series_written_last_is_the_scope_not_part_of_the_place(fake: FakeAdapter, bot) -> None:
    # The contract writes `event edit <id> … [series]`: the word last on the line is the scope,
    # even after a value that runs over bare words; quoted, it is part of the value.
    await fake.invoke('!event create Chess when="2026-11-24 18:00" repeat=weekly')
    await bot.scheduler.advance(timedelta(hours=1))
    made = ids(cards(fake, "Chess"))
    [ok] = await fake.invoke(f"!event edit {made[0]} where=Town Gym series")
    assert ok.text.startswith("✅"), ok.text
    rows = await bot.db.fetchall("SELECT location FROM events ORDER BY starts_at")
    assert [r[0] for r in rows] == ["Town Gym"] * len(made)
    [one] = await fake.invoke(f'!event edit {made[1]} where="Gym series"')
    assert one.text.startswith("✅")
    rows = await bot.db.fetchall("SELECT location FROM events ORDER BY starts_at")
    assert [r[0] for r in rows] == ["Town Gym", "Gym series"]


async def test_bad_rules_are_refused_and_nothing_is_written(fake: FakeAdapter, bot) -> None:
    for line, says in (
        ('!event create X when="2026-11-26 20:00" repeat=sometimes', "can't read 'sometimes'"),
        ('!event create X when="2026-11-26 20:00" repeat=weekly count=0', "count"),
        ('!event create X when="2026-11-26 20:00" repeat=weekly until=2026-11-01', "before the first"),
        ('!event create X when="2026-11-26 20:00" repeat="monthly on the 31st"', "not every month"),
        ('!event create X when="2026-11-26 20:00" count=3', "add repeat="),
        ('!event create X when="2026-11-26 20:00" repeat=weekly until=2027-01-01 count=3', "not both"),
    ):
        [reply] = await fake.invoke(line)
        assert reply.text.startswith("⚠️") and says in reply.text, (line, reply.text)
    assert await bot.db.fetchall("SELECT id FROM events") == []
    assert await bot.db.fetchall("SELECT id FROM event_series") == []
    [single] = await fake.invoke('!event create Y when="2026-11-26 20:00"')
    [refused] = await fake.invoke("!event cancel 1 series")
    assert refused.text.startswith("⚠️") and "not part of a series" in refused.text


async def test_occurrences_survive_a_restart_once_each(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "s.db")
    bot = await build_bot(path, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    await fake.invoke('!event create Walk when="2026-11-28 10:00" repeat=weekly')
    await bot.stop()
    for days in (10, 11, 25):  # down over the times the next ones were due to be posted
        again = await build_bot(path, clock=ManualClock(START + timedelta(days=days)))
        again.add_adapter(fake)
        await again.start()
        await again.settle()
        await again.stop()
    made = cards(fake, "Walk")
    assert len(made) == len(set(ids(made)))
    check = await build_bot(path, clock=ManualClock(START + timedelta(days=25)))
    rows = await check.db.fetchall("SELECT occurrence FROM events ORDER BY occurrence")
    await check.db.close()
    # Back on 18 Dec: every one that starts within 14 days of then, each once.
    assert [r[0][:10] for r in rows] == ["2026-11-28", "2026-12-05", "2026-12-12", "2026-12-19",
                                         "2026-12-26"]
    assert len(fake.sends_with_key) == len(set(fake.sends_with_key))


async def test_moving_a_series_to_a_new_time_of_day_moves_this_and_later_ones(fake: FakeAdapter,
                                                                              bot) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    await fake.invoke('!event create Choir when="2027-03-09 18:00" repeat=weekly count=5')
    bot.clock.set(datetime(2027, 3, 10, tzinfo=UTC))
    await bot.scheduler.advance(timedelta(hours=1))
    made = ids(cards(fake, "Choir"))
    assert len(made) == 3  # 9 (past), 16, 23 March
    await fake.react(cards(fake, "Choir")[2], "✅", "bob")
    [ok] = await fake.invoke(f'!event edit {made[1]} series when="2027-03-16 19:30"')
    assert ok.text.startswith("✅") and "#2 and every later one of its series" in ok.text
    moved = fake.containing("has a new time")
    assert any("bob" in [u.id for u in m.out.mentions] for m in moved)  # bob hears of his
    await bot.scheduler.advance(timedelta(days=40))
    rows = await bot.db.fetchall("SELECT starts_at FROM events ORDER BY starts_at")
    local = [datetime.fromtimestamp(r[0], UTC).astimezone(__import__("zoneinfo").ZoneInfo(
        "Europe/Berlin")).strftime("%d %H:%M") for r in rows]
    # Five in all (count=5 holds across the split), the first at the old time.
    assert local == ["09 18:00", "16 19:30", "23 19:30", "30 19:30", "06 19:30"]
    assert len(fake.sends_with_key) == len(set(fake.sends_with_key))


async def test_every_occurrence_card_shows_its_rule_and_a_one_off_does_not(fake: FakeAdapter, bot) -> None:
    await fake.invoke('!event create Climb when="2026-11-24 18:00" repeat="every tuesday and friday"')
    await fake.invoke('!event create Picnic when="2026-11-25 12:00"')
    climbs = cards(fake, "Climb")
    assert len(climbs) >= 2
    for c in climbs:
        assert "Repeats every tuesday and friday" in c.text, c.text
    [picnic] = cards(fake, "Picnic")
    assert "Repeats" not in picnic.text
    [shown] = await fake.invoke(f"!event show {ids(climbs)[1]}")
    assert "Repeats every tuesday and friday" in shown.text


async def test_list_keeps_a_series_between_occurrences_until_it_is_over(fake: FakeAdapter, bot) -> None:
    # The second Tuesday of each month; after the first, the next is a month off, beyond
    # series.ahead (14d), so it is not posted yet but is still to come.
    [first, _] = await fake.invoke('!event create Monthly when="2026-12-08 19:00" where=Hall repeat=monthly '
                                   'count=3')
    await fake.invoke('!event create Picnic when="2026-12-20 12:00"')
    await bot.scheduler.advance(timedelta(days=18))  # 11 Dec
    [listing] = await fake.invoke("!event list")
    assert listing.text.count("Monthly") == 1, listing.text
    assert re.search(r"Monthly \(🔁 monthly on the second tuesday, next: Tue 12 Jan 2027 19:00 UTC, "
                     r"not posted yet\) — Hall", listing.text), listing.text
    assert listing.text.index("Picnic") < listing.text.index("Monthly")  # in time order
    await bot.scheduler.advance(timedelta(days=25))  # 5 Jan: the 12 Jan one is posted
    [listing] = await fake.invoke("!event list")
    posted = ids(cards(fake, "Monthly"))[-1]
    assert f"#{posted} Monthly" in listing.text and "not posted yet" not in listing.text, listing.text
    await bot.scheduler.advance(timedelta(days=8))  # 13 Jan: the last (9 Feb) is not posted yet
    [listing] = await fake.invoke("!event list")
    assert "next: Tue 09 Feb 2027 19:00 UTC, not posted yet" in listing.text, listing.text
    await bot.scheduler.advance(timedelta(days=30))  # 12 Feb: all three held
    [listing] = await fake.invoke("!event list")
    assert listing.text.startswith("No upcoming events here"), listing.text


async def test_list_leaves_out_a_cancelled_next_one_and_an_ended_series(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set series.ahead 2d", "mod", mod=True)
    await fake.invoke('!event create Book club when="2026-11-24 19:00" repeat=weekly count=4')
    await bot.scheduler.advance(timedelta(days=7))  # 30 Nov: 1 Dec is posted
    made = ids(cards(fake, "Book club"))
    assert len(made) == 2
    [ok] = await fake.invoke(f"!event cancel {made[1]}")
    assert ok.text.startswith("✅ Cancelled"), ok.text
    [listing] = await fake.invoke("!event list")
    # 1 Dec was cancelled on its own, so the next is 8 Dec, not posted until 6 Dec.
    assert "Book club (🔁 weekly on tuesday, next: Tue 08 Dec 2026 19:00 UTC, not posted yet)" in listing.text, \
        listing.text
    await bot.scheduler.advance(timedelta(days=7))  # 7 Dec: 8 Dec is posted
    third = ids(cards(fake, "Book club"))[-1]
    [listing] = await fake.invoke("!event list")
    assert f"#{third} Book club (🔁 weekly on tuesday, next: Tue 08 Dec 2026 19:00 UTC) — Going (0)" in listing.text, \
        listing.text
    [ended] = await fake.invoke(f"!event cancel {third} series")
    assert "Ended the series" in ended.text, ended.text
    [listing] = await fake.invoke("!event list")
    assert "Book club" not in listing.text, listing.text  # 15 Dec will not come


async def test_an_occurrence_on_a_clock_change_night_lasts_its_real_duration(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    # Berlin's clocks go from 02:00 to 03:00 on 28 March 2027: 01:00 CET + 3h is 05:00 CEST,
    # as for a one-off event; a wall-clock sum would end it at 04:00, an hour short.
    await fake.invoke('!event create Night when="2027-03-28 01:00" duration=3h repeat=weekly count=2')
    await fake.invoke('!event create Once when="2027-03-28 01:00" duration=3h')
    rows = await bot.db.fetchall("SELECT title, ends_at - starts_at FROM events ORDER BY id")
    assert [(t, round(d)) for t, d in rows] == [("Night", 3 * 3600), ("Once", 3 * 3600)]
