"""Recurring meetups as they read (PRODUCT.md "Recurring meetups"): `until=` is a date, so a
date written the way `when=` takes dates needs no time of day; a single occurrence is "1 time";
and a change to a series says it reaches the later occurrences too, made or not."""

from __future__ import annotations

from datetime import timedelta

from bot.testing import FakeAdapter

FIRST = '"2027-01-05 19:00"'  # a Tuesday; the shared fixtures' clock is Mon 23 Nov 2026


async def test_until_takes_a_date_without_a_time(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    for until, last in (('"jan 19"', "2027-01-19"), ('"19 january 2027"', "2027-01-19"),
                        ("2027-01-19", "2027-01-19")):
        [_, said] = await fake.invoke(f"!event create Run when={FIRST} repeat=weekly until={until}")
        assert f"repeats weekly on tuesday until {last}" in said.text, (until, said.text)
    rows = await bot.db.fetchall("SELECT until_date FROM event_series")
    assert [r[0] for r in rows] == ["2027-01-19"] * 3


async def test_until_a_date_with_two_readings_or_none_is_still_refused(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    for until, said in (('"03/04"', "could be 3 April or 4 March"), ("soon", "until:")):
        [refused] = await fake.invoke(f"!event create Run when={FIRST} repeat=weekly until={until}")
        assert refused.text.startswith("⚠️") and said in refused.text, refused.text
        assert "which time" not in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM event_series") == []


async def test_a_count_of_one_reads_one_time(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [_, said] = await fake.invoke(f"!event create Run when={FIRST} repeat=weekly count=1")
    assert "repeats weekly on tuesday, 1 time;" in said.text, said.text


async def test_a_series_edit_says_the_later_ones_change_too(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await fake.invoke("!config set series.ahead 1d", "mod", mod=True)
    await fake.invoke('!event create Chess when="2026-11-24 18:00" repeat=weekly')
    [ok] = await fake.invoke("!event edit 1 series where=Library")  # no later one made yet
    assert ok.text.startswith("✅ Updated Chess #1 and every later one of its series"), ok.text
    [one] = await fake.invoke("!event edit 1 details=bring boards")
    assert one.text == "✅ Updated Chess #1.", one.text
    await bot.scheduler.advance(timedelta(days=8))
    rows = await bot.db.fetchall("SELECT location, details FROM events ORDER BY starts_at")
    assert [tuple(r) for r in rows] == [("Library", "bring boards"), ("Library", "")]
