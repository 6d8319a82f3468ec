"""`until=` of a recurring meetup is a date (PRODUCT.md "Recurring meetups": `until=<date>`).
One written with a time of day is not cut to its date unsaid: it is refused, saying the time it
was read as and the date that ends the series with the last meetup starting by then."""

from __future__ import annotations

from bot.testing import FakeAdapter

FIRST = '"2027-01-05 19:00"'  # a Tuesday; the shared fixtures' clock is Mon 23 Nov 2026


async def test_until_with_a_time_of_day_is_refused_with_the_date_to_write(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    # 18:00 on the 19th is before that day's 19:00 meetup: the last one by then is the 12th's.
    [refused] = await fake.invoke(f'!event create Run when={FIRST} repeat=weekly until="jan 19 6pm"')
    assert refused.text.startswith("⚠️"), refused.text
    assert "Tue 19 Jan 2027 18:00 UTC" in refused.text, refused.text
    assert "until=2027-01-12" in refused.text and "Tue 12 Jan 2027 19:00 UTC" in refused.text, refused.text
    assert "until=2027-01-19" in refused.text, refused.text  # the whole day, if that was meant
    assert await bot.db.fetchall("SELECT id FROM event_series") == []
    assert await bot.db.fetchall("SELECT id FROM events") == []


async def test_until_at_the_time_of_a_meetup_names_that_day_once(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [refused] = await fake.invoke(f'!event create Run when={FIRST} repeat=weekly until="jan 19 7pm"')
    assert refused.text.startswith("⚠️") and refused.text.count("until=2027-01-19") == 1, refused.text
    assert await bot.db.fetchall("SELECT id FROM event_series") == []


async def test_until_with_a_time_before_the_first_meetup_is_refused(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [refused] = await fake.invoke(f'!event create Run when={FIRST} repeat=weekly until="2027-01-05 18:00"')
    assert refused.text.startswith("⚠️") and "Tue 05 Jan 2027 19:00 UTC" in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM event_series") == []
