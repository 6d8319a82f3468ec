"""What `when=` means, phrase by phrase, in three timezones (PRODUCT.md, "Times").

Each row says what a person means by a phrase, as a rule (a date and a wall-clock time,
"the next Saturday at 10:00", "two hours from now") or as a refusal and a word its
message must contain. The expected moment is computed from that rule in each zone, so
the table holds for the northern and the southern summer alike: New York and Berlin
change to winter time in the autumn of 2026 and back in March 2027, Sydney the other
way round, and rows with dates across those changes check the offset of the day itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.timeparse import TimeParseError, parse_when

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)  # Sun 06 Dec: 07:00 New York, 13:00 Berlin, 23:00 Sydney
ZONES = [ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin"), ZoneInfo("Australia/Sydney")]

Rule = Callable[[ZoneInfo], datetime | str]  # the moment meant, or the refusal's word


def wall(day: date, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hh, mm), tz).astimezone(UTC)


def today(tz: ZoneInfo) -> date:
    return NOW.astimezone(tz).date()


def on(y: int, mo: int, d: int, hh: int, mm: int = 0) -> Rule:
    """That date at that wall-clock time, wherever the space is."""
    return lambda tz: wall(date(y, mo, d), hh, mm, tz)


def days_ahead(n: int, hh: int, mm: int = 0) -> Rule:
    """n days after the local today (0: today), at that time; refused if it has passed."""
    def rule(tz: ZoneInfo) -> datetime | str:
        at = wall(today(tz) + timedelta(days=n), hh, mm, tz)
        return at if at > NOW else "past"
    return rule


def next_clock(hh: int, mm: int = 0) -> Rule:
    """A time alone: the next time the clock shows it."""
    def rule(tz: ZoneInfo) -> datetime:
        at = wall(today(tz), hh, mm, tz)
        return at if at > NOW else wall(today(tz) + timedelta(days=1), hh, mm, tz)
    return rule


def weekday(wd: int, hh: int, mm: int = 0, *, next_week: bool = False) -> Rule:
    """The next such weekday whose moment is ahead ("next" on that very weekday: a week on)."""
    def rule(tz: ZoneInfo) -> datetime:
        ahead = (wd - today(tz).weekday()) % 7
        at = wall(today(tz) + timedelta(days=ahead), hh, mm, tz)
        if at <= NOW or (next_week and ahead == 0):
            at = wall(today(tz) + timedelta(days=ahead + 7), hh, mm, tz)
        return at
    return rule


def from_now(**delta: float) -> Rule:
    return lambda tz: NOW + timedelta(**delta)


def stated(moment: datetime) -> Rule:
    """The text named its zone: the same moment in every space."""
    return lambda tz: moment.astimezone(UTC)


def refused(word: str) -> Rule:
    return lambda tz: word


def skipped_in_berlin(y: int, mo: int, d: int, hh: int, mm: int) -> Rule:
    """A wall time the clocks skip in Berlin that night (and not in the other zones)."""
    return lambda tz: "does not exist" if tz.key == "Europe/Berlin" else on(y, mo, d, hh, mm)(tz)


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

TABLE: list[tuple[str, Rule]] = [
    # a date with a time
    ("dec 24 6pm", on(2026, 12, 24, 18)), ("Dec 24 6pm", on(2026, 12, 24, 18)),
    ("december 24 18:00", on(2026, 12, 24, 18)), ("24 december 18:00", on(2026, 12, 24, 18)),
    ("24 dec 6:30pm", on(2026, 12, 24, 18, 30)), ("24th of december at 7pm", on(2026, 12, 24, 19)),
    ("dec 24th at 19:00", on(2026, 12, 24, 19)), ("dec 24, 6pm", on(2026, 12, 24, 18)),
    ("2026-12-24 18:00", on(2026, 12, 24, 18)), ("2026-12-24T18:00", on(2026, 12, 24, 18)),
    ("2026-12-24 18:00:00", on(2026, 12, 24, 18)), ("jan 3 10:30", on(2027, 1, 3, 10, 30)),
    ("january 3 2027 10am", on(2027, 1, 3, 10)), ("3 jan 2027 10:00", on(2027, 1, 3, 10)),
    ("feb 14 8pm", on(2027, 2, 14, 20)), ("sept 5 noon", refused("has passed")),
    ("24/12 18:00", on(2026, 12, 24, 18)), ("12/24 6pm", on(2026, 12, 24, 18)),
    ("24.12. 18:00", on(2026, 12, 24, 18)), ("31/12/2026 23:30", on(2026, 12, 31, 23, 30)),
    ("5/5 6pm", on(2027, 5, 5, 18)), ("dec 7 at 9am", on(2026, 12, 7, 9)),
    ("march 1 9am", on(2027, 3, 1, 9)), ("1 march 9am", on(2027, 3, 1, 9)),
    ("Mar 1st, 2027 9:15am", on(2027, 3, 1, 9, 15)), ("may 21 21:30", on(2027, 5, 21, 21, 30)),
    ("june 21 21:30", refused("has passed")), ("aug 31 8am", refused("has passed")),
    ("oct 31 8pm", refused("has passed")), ("nov 30 5:45pm", refused("for next year write")),
    ("aug 31 2027 8am", on(2027, 8, 31, 8)), ("nov 30 2027 5:45pm", on(2027, 11, 30, 17, 45)),
    ("2027-01-01 00:00", on(2027, 1, 1, 0)), ("dec 31 23:59", on(2026, 12, 31, 23, 59)),
    ("15/1 19:00", on(2027, 1, 15, 19)), ("1/15 7pm", on(2027, 1, 15, 19)),
    ("25.12.2026 18:00", on(2026, 12, 25, 18)), ("6/6 6pm", on(2027, 6, 6, 18)),
    # across the DST changes of both hemispheres
    ("2027-03-06 10:00", on(2027, 3, 6, 10)), ("2027-03-20 10:00", on(2027, 3, 20, 10)),
    ("2027-04-10 10:00", on(2027, 4, 10, 10)), ("2027-10-10 10:00", on(2027, 10, 10, 10)),
    ("2027-11-06 10:00", on(2027, 11, 6, 10)), ("mar 30 2027 18:00", on(2027, 3, 30, 18)),
    ("july 4 2027 9pm", on(2027, 7, 4, 21)), ("2027-03-28 02:30", skipped_in_berlin(2027, 3, 28, 2, 30)),
    # a weekday with a time
    ("saturday 10am", weekday(SAT, 10)), ("Saturday 10am", weekday(SAT, 10)),
    ("sat 10:00", weekday(SAT, 10)), ("sat at 10am", weekday(SAT, 10)),
    ("friday 7:30pm", weekday(FRI, 19, 30)), ("next friday 18:30", weekday(FRI, 18, 30, next_week=True)),
    ("this friday 6pm", weekday(FRI, 18)), ("on friday at 6pm", weekday(FRI, 18)),
    ("6pm on friday", weekday(FRI, 18)), ("6pm friday", weekday(FRI, 18)),
    ("monday 9am", weekday(MON, 9)), ("next monday 9am", weekday(MON, 9, next_week=True)),
    ("sunday 10am", weekday(SUN, 10)), ("next sunday 10am", weekday(SUN, 10, next_week=True)),
    ("sunday 11pm", weekday(SUN, 23)), ("wed noon", weekday(WED, 12)), ("thursday 17:00", weekday(THU, 17)),
    ("tues 8am", weekday(TUE, 8)), ("friday at 17", weekday(FRI, 17)),
    ("Friday 7PM", weekday(FRI, 19)), ("FRIDAY 19:00", weekday(FRI, 19)),
    ("thu 6.30pm", weekday(THU, 18, 30)), ("sat 8 pm", weekday(SAT, 20)),
    ("saturday, 10am", weekday(SAT, 10)), ("this saturday at 15:00", weekday(SAT, 15)),
    ("next saturday 10am", weekday(SAT, 10, next_week=True)), ("mon 7:05pm", weekday(MON, 19, 5)),
    # today, tonight, tomorrow
    ("today 7pm", days_ahead(0, 19)), ("today at 21:00", days_ahead(0, 21)),
    ("tonight 8pm", days_ahead(0, 20)), ("tonight at 9", days_ahead(0, 21)),
    ("tomorrow 7pm", days_ahead(1, 19)), ("tomorrow at 19:00", days_ahead(1, 19)),
    ("Tomorrow 7 PM", days_ahead(1, 19)), ("tomorrow noon", days_ahead(1, 12)),
    ("noon tomorrow", days_ahead(1, 12)), ("7pm tomorrow", days_ahead(1, 19)),
    ("tomorrow 7.30pm", days_ahead(1, 19, 30)), ("tomorrow 6:45 am", days_ahead(1, 6, 45)),
    ("the day after tomorrow at 5pm", days_ahead(2, 17)), ("day after tomorrow 10am", days_ahead(2, 10)),
    ("tomorrow morning at 9am", days_ahead(1, 9)), ("tomorrow 12pm", days_ahead(1, 12)),
    ("tomorrow 12am", refused("12am is midnight")), ("tomorrow at 00:15", days_ahead(1, 0, 15)),
    # relative
    ("in 2 hours", from_now(hours=2)), ("in 90 minutes", from_now(minutes=90)),
    ("in 1h30m", from_now(minutes=90)), ("in 3 days", refused("which time on Wed 09 Dec")),
    ("in 3 days at 6pm", days_ahead(3, 18)), ("in 1 week at 10am", days_ahead(7, 10)),
    ("in 2 weeks at 19:00", days_ahead(14, 19)), ("in 45 min", from_now(minutes=45)),
    # a time alone
    ("noon", next_clock(12)), ("midday", next_clock(12)), ("17:00", next_clock(17)),
    ("at 17", next_clock(17)), ("at 17:30", next_clock(17, 30)), ("9pm", next_clock(21)),
    ("at 9pm", next_clock(21)), ("6:15am", next_clock(6, 15)), ("23:59", next_clock(23, 59)),
    ("at 0:30", next_clock(0, 30)), ("11:11", next_clock(11, 11)), ("8 pm", next_clock(20)),
    ("at 20:00", next_clock(20)), ("12pm", next_clock(12)), ("12:30am", next_clock(0, 30)),
    # a zone named in the text
    ("7pm UTC", lambda tz: _next_in(ZoneInfo("UTC"), 19)),
    ("tomorrow 7pm UTC", lambda tz: wall(NOW.date() + timedelta(days=1), 19, 0, ZoneInfo("UTC"))),
    ("dec 24 18:00 CET", stated(datetime(2026, 12, 24, 17, 0, tzinfo=UTC))),
    ("dec 24 6pm Europe/Berlin", stated(datetime(2026, 12, 24, 17, 0, tzinfo=UTC))),
    ("dec 24 6pm america/new_york", stated(datetime(2026, 12, 24, 23, 0, tzinfo=UTC))),
    ("2026-12-24T18:00:00+01:00", stated(datetime(2026, 12, 24, 17, 0, tzinfo=UTC))),
    ("2026-12-24T18:00Z", stated(datetime(2026, 12, 24, 18, 0, tzinfo=UTC))),
    ("2026-12-24 18:00 -05:00", stated(datetime(2026, 12, 24, 23, 0, tzinfo=UTC))),
    ("dec 24 7pm EST", stated(datetime(2026, 12, 25, 0, 0, tzinfo=UTC))),
    ("dec 24 7pm PST", stated(datetime(2026, 12, 25, 3, 0, tzinfo=UTC))),
    ("dec 24 10am JST", stated(datetime(2026, 12, 24, 1, 0, tzinfo=UTC))),
    ("dec 24 6pm GMT", stated(datetime(2026, 12, 24, 18, 0, tzinfo=UTC))),
    ("dec 24 6pm UTC+2", stated(datetime(2026, 12, 24, 16, 0, tzinfo=UTC))),
    ("jul 4 2027 8pm CEST", stated(datetime(2027, 7, 4, 18, 0, tzinfo=UTC))),
    # readings found in review: numeric dates in other spellings, offsets, short weekdays
    ("03.04. 18:00", refused("could be")), ("3-4 18:00", refused("could be")),
    ("1.2. 18:00", refused("could be")), ("dec 24 7pm +01", stated(datetime(2026, 12, 24, 18, 0, tzinfo=UTC))),
    ("dec 24 19:00+1", stated(datetime(2026, 12, 24, 18, 0, tzinfo=UTC))),
    ("dec 24 10am PT", stated(datetime(2026, 12, 24, 18, 0, tzinfo=UTC))),
    ("tomorrow 10am wib", refused("not a timezone I know")), ("sat 6pm", weekday(SAT, 18)),
    ("mon 6pm", weekday(MON, 18)), ("dec 6pm", refused("can't read")), ("2027 6pm", refused("can't read")),
    ("next month 6pm", refused("can't read")), ("next week 6pm", refused("can't read")),
    ("saturday dec 12 6pm", on(2026, 12, 12, 18)), ("saturday dec 13 6pm", refused("is a Sunday")),
    ("tonight 8:30", days_ahead(0, 20, 30)), ("tonight 8am", refused("morning")),
    ("in an hour", from_now(hours=1)), ("tomorrow 18.30", days_ahead(1, 18, 30)),
    ("dec 24 19.15", on(2026, 12, 24, 19, 15)), ("in 2 days 6pm", days_ahead(2, 18)),
    ("2026-12-24 18:00 Europe/London", stated(datetime(2026, 12, 24, 18, 0, tzinfo=UTC))),
    ("2026-12-24T18:00+01", stated(datetime(2026, 12, 24, 17, 0, tzinfo=UTC))),
    # refused: a day with no time
    ("friday", refused("which time on Fri 11 Dec")), ("dec 25", refused("which time on Fri 25 Dec")),
    ("tomorrow", refused("which time on")), ("2026-12-24", refused("which time on Thu 24 Dec")),
    ("next monday", refused("which time on")), ("24 december", refused("which time on Thu 24 Dec")),
    # refused: an hour that could be morning or evening
    ("at 5", refused("5am or 5pm")), ("tomorrow at 5", refused("5am or 5pm")),
    ("friday 5", refused("5am or 5pm")), ("the day after tomorrow at 5", refused("5am or 5pm")),
    ("dec 24 at 7", refused("7am or 7pm")), ("saturday at 12", refused("noon (or 12pm), or 00:00")),
    # refused: a numeric date with two readings
    ("03/04 7pm", refused("could be 3 April or 4 March")), ("1/2 10am", refused("could be")),
    ("04/03/2027 18:00", refused("could be")),
    # refused: a zone abbreviation with several meanings
    ("dec 24 7pm IST", refused("several timezones")), ("dec 24 7pm CST", refused("several timezones")),
    ("dec 24 7pm BST", refused("several timezones")),
    # refused: in the past
    ("2020-01-01 10:00", refused("in the past")), ("yesterday 7pm", refused("in the past")),
    ("dec 1 10am", refused("has passed")), ("2026-12-06 06:00 UTC", refused("in the past")),
    # refused: not a time
    ("midnight", refused("midnight")), ("someday", refused("can't read")),
    ("blurple 7pm", refused("can't read")), ("25:99", refused("no clock")),
    ("13pm", refused("no clock")), ("feb 30 7pm", refused("not a real date")),
    ("2026-02-30 10:00", refused("not a real date")), ("dec 40 7pm", refused("not a real date")),
    ("3000-01-01 10:00", refused("five years")), ("", refused("say when")),
]


def _next_in(tz: ZoneInfo, hh: int) -> datetime:
    at = wall(NOW.astimezone(tz).date(), hh, 0, tz)
    return at if at > NOW else at + timedelta(days=1)


def test_the_table_is_large_enough() -> None:
    assert len(TABLE) * len(ZONES) >= 150 * 3


@pytest.mark.parametrize("tz", ZONES, ids=lambda z: z.key)
@pytest.mark.parametrize(("text", "rule"), TABLE, ids=[t for t, _ in TABLE])
def test_phrase(text: str, rule: Rule, tz: ZoneInfo) -> None:
    want = rule(tz)
    if isinstance(want, str):
        with pytest.raises(TimeParseError) as e:
            parse_when(text, tz, NOW)
        assert want in str(e.value), str(e.value)
        return
    got = parse_when(text, tz, NOW)
    assert got == want, (f"{text!r} in {tz.key}: got {got.astimezone(tz):%a %d %b %Y %H:%M %Z}, "
                         f"want {want.astimezone(tz):%a %d %b %Y %H:%M %Z}")
