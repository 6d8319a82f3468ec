"""until= with a time of day is refused with the date to write instead; a second date, "to keep
every one on" the day named, only where a meetup falls later that day: otherwise it ends the
series just as the first does."""
from bot.testing import FakeAdapter


async def test_no_second_date_when_none_meets_that_day(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    # Weekly on Tuesdays; 20 Jan 2027 is a Wednesday.
    [refused] = await fake.invoke('!event create Run when="2027-01-05 19:00" repeat=weekly until="jan 20 6pm"')
    assert refused.text.startswith("⚠️")
    assert "until=2027-01-19 " in refused.text, refused.text
    assert "until=2027-01-20" not in refused.text, refused.text


async def test_second_date_when_one_meets_later_that_day(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    # 19 Jan 2027 is a Tuesday: its 19:00 meetup is after 6pm.
    [refused] = await fake.invoke('!event create Run when="2027-01-05 19:00" repeat=weekly until="jan 19 6pm"')
    assert refused.text.startswith("⚠️")
    assert "until=2027-01-12 " in refused.text, refused.text
    assert "until=2027-01-19 to keep every one on Tue 19 Jan 2027" in refused.text, refused.text
