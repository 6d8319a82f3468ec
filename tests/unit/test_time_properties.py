"""Properties of reading times (PRODUCT.md "Times"): a time is read exactly as meant, or
refused with a ⚠️ that says what was understood; never shifted silently.

Checked with hypothesis through the seams the cogs use (`parse_when`, `read_time`,
`parse_when_or_duration`) and end to end on the FakeAdapter (`event create … when=…`, then
the time its card shows), in zones with and without summer time, with and without letters
for their abbreviations, around their clock changes. The clock is the manual one, so every
example is the same on every run.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.model import ChannelRef
from bot.render import format_time
from bot.testing import FakeAdapter
from bot.timeparse import (
    TimeParseError,
    format_duration,
    parse_when,
    parse_when_or_duration,
    read_time,
)
from bot.timezones import FIXED, own_letters

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, as tests/conftest.py's clock
FAR = datetime(2031, 11, 22, 9, 0, tzinfo=UTC)  # a day short of the five years `when=` takes

# Summer time north and south, negative summer time (Dublin), half and quarter hours, zones
# tzdata gives no letters (shown as "UTC-03"), letters that mean another zone elsewhere
# (Manila's PST, Havana's CDT), letters the bot otherwise refuses as ambiguous (IST, CST, BST).
ZONES = tuple(ZoneInfo(name) for name in (
    "UTC", "Europe/Berlin", "Europe/London", "Europe/Dublin", "Europe/Moscow", "America/New_York",
    "America/Chicago", "America/Sao_Paulo", "America/Santiago", "America/St_Johns", "America/Havana",
    "America/Halifax", "America/Phoenix", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Manila",
    "Asia/Jerusalem", "Asia/Tehran", "Asia/Jakarta", "Australia/Sydney", "Australia/Lord_Howe",
    "Pacific/Chatham", "Pacific/Auckland", "Pacific/Apia", "Pacific/Kiritimati", "Africa/Casablanca",
    "Africa/Johannesburg", "Pacific/Honolulu", "Pacific/Guam"))
WITH_CHANGES = tuple(z for z in ZONES if len({START.astimezone(z).utcoffset(),
                                               (START + timedelta(days=182)).astimezone(z).utcoffset()}) > 1)

EXAMPLES = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

ODD_WORDS = ["tomorrow", "today", "tonight", "friday", "next", "this", "sat", "7pm", "10am", "19:00",
             "18.30", "noon", "at", "7", "17", "dec", "24", "24th", "03/04", "13/04", "2026-12-24", "in", "2",
             "hours", "days", "utc", "pst", "ist", "Europe/Berlin", "new york", "+05:30", "cafe", "park"]


@cache
def changes(tz: ZoneInfo) -> tuple[datetime, ...]:
    """The moments (UTC, to the minute) between START and FAR at which tz's clocks change."""
    found: list[datetime] = []
    day = START
    while day < FAR:
        nxt = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo, hi = day, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        day = nxt
    return tuple(found)


@st.composite
def moments(draw: st.DrawFn, tz: ZoneInfo, *, after: datetime = START) -> datetime:
    """A whole minute ahead of `after` and within five years; half the time within three
    hours of one of tz's clock changes."""
    near = [c for c in changes(tz) if c > after + timedelta(hours=4)]
    close: bool = draw(st.booleans())
    if near and close:
        return draw(st.sampled_from(near)) + timedelta(minutes=draw(st.integers(-180, 180)))
    span = int((FAR - after).total_seconds() // 60) - 1
    at = after.replace(second=0, microsecond=0) + timedelta(minutes=draw(st.integers(1, span)))
    return at


def wall_reading(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The one moment a wall time names in tz; None when the clocks skip it or show it twice."""
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        return None
    return first.astimezone(UTC)


def read(text: str, tz: ZoneInfo, now: datetime = START) -> datetime | str:
    """The moment, or the refusal's words."""
    try:
        return parse_when(text, tz, now)
    except TimeParseError as e:
        return str(e)


# -- (a) what the bot shows, typed back, is the same moment -----------------------------------------

@EXAMPLES
@given(st.sampled_from(ZONES).flatmap(lambda tz: st.tuples(st.just(tz), moments(tz))))
def test_a_shown_time_typed_back_is_the_same_moment(case: tuple[ZoneInfo, datetime]) -> None:
    tz, at = case
    shown = format_time(at, tz)
    assert read(shown, tz) == at, shown


# -- (b) a stated zone or offset is that zone's moment, whatever the space's zone -----------------

@st.composite
def stated_zone_cases(draw: st.DrawFn) -> tuple[ZoneInfo, ZoneInfo, datetime, str]:
    space, named = draw(st.sampled_from(ZONES)), draw(st.sampled_from(ZONES))
    at = draw(moments(named))
    wall = at.astimezone(named)
    day = draw(st.sampled_from([f"{wall:%Y-%m-%d}", f"{wall.day} {wall:%b %Y}", f"{wall:%b} {wall.day}, {wall.year}"]))
    clock = draw(st.sampled_from([f"{wall:%H:%M}", f"{wall.hour % 12 or 12}:{wall:%M}{'am' if wall.hour < 12 else 'pm'}"]))
    return space, named, wall.replace(tzinfo=None), f"{day} {clock} {named.key}"


@EXAMPLES
@given(stated_zone_cases())
def test_a_time_in_a_named_zone_is_that_zones_moment_or_refused(case: tuple[ZoneInfo, ZoneInfo, datetime, str]) -> None:
    space, named, wall, text = case
    meant = wall_reading(wall, named)
    got = read(text, space)
    if meant is None:  # skipped or shown twice there: refused, saying so
        assert isinstance(got, str) and ("does not exist" in got or "happens twice" in got), (text, got)
    else:
        assert got == meant, (text, space.key, got)


@EXAMPLES
@given(st.sampled_from(ZONES), moments(ZoneInfo("UTC")), st.integers(-12 * 4, 14 * 4),
       st.sampled_from(["{d}T{t}{o}", "{d} {t} {o}", "{d} {t} UTC{o}", "{d} {t} gmt{o}"]))
def test_a_time_with_an_offset_is_that_moment_in_every_space(
        space: ZoneInfo, at: datetime, quarters: int, shape: str) -> None:
    offset = timedelta(minutes=15 * quarters)
    wall = at + offset
    sign = "-" if offset < timedelta(0) else "+"
    mins = abs(int(offset.total_seconds())) // 60
    text = shape.format(d=f"{wall:%Y-%m-%d}", t=f"{wall:%H:%M}", o=f"{sign}{mins // 60:02d}:{mins % 60:02d}")
    assert read(text, space) == at, text


@EXAMPLES
@given(st.sampled_from(ZONES), st.sampled_from(sorted(FIXED)), moments(ZoneInfo("UTC")))
def test_letters_after_a_time_are_their_offset_unless_the_spaces_own_clocks_mean_another(
        space: ZoneInfo, letters: str, at: datetime) -> None:
    """"7pm PST" is UTC-8, except in Manila, whose clocks show PST for UTC+8: there it is
    Manila's time (a card of a Manila space shows PST, and a card's time typed back is itself)."""
    own = own_letters(letters, space, START.year)
    offset = (own or ZoneInfo("UTC")).utcoffset(None) if own else timedelta(hours=FIXED[letters])
    assert offset is not None
    wall = (at + offset).replace(tzinfo=None)
    got = read(f"{wall:%Y-%m-%d %H:%M} {letters.upper()}", space)
    assert got == at, (letters, space.key, wall, got)


@EXAMPLES
@given(st.sampled_from(ZONES), st.one_of(st.text(max_size=40), st.lists(st.sampled_from(ODD_WORDS), max_size=6).map(" ".join)))
def test_a_poll_option_reads_as_the_time_when_would_or_as_no_time(tz: ZoneInfo, text: str) -> None:
    """A poll option that reads as a time is the moment `when=` gives the same words (so
    `when=poll:<id>` means what the card showed); anything else stays text."""
    option = read_time(text, tz, START)
    if option is not None:
        assert read(text, tz) == option, text


@EXAMPLES
@given(st.sampled_from(ZONES), st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.sampled_from([0, 30]),
       st.sampled_from(["tomorrow {a}-{b}", "saturday {a}-{b}", "{a}-{b} on dec 24", "2027-01-15 {a}-{b}",
                        "dec 24 {a}-{b}", "{a}-{b}"]), st.booleans())
def test_a_span_of_clock_times_is_refused_not_read_as_an_offset(
        tz: ZoneInfo, h: int, m: int, h2: int, m2: int, shape: str, short_end: bool) -> None:
    """"10:00-12:00" is from 10 to 12 as often as 10:00 at UTC-12: refused (only ISO's T form,
    "2027-01-15T10:00-05:00", is an offset), never a moment half a day off."""
    end = f"{h2}" if short_end else f"{h2:02d}:{m2:02d}"
    text = shape.format(a=f"{h:02d}:{m:02d}", b=end)
    got = read(text, tz)
    assert isinstance(got, str) and f"{h:02d}:{m:02d}-{end}" in got, (text, got)


@st.composite
def dated_phrases(draw: st.DrawFn) -> tuple[ZoneInfo, datetime, str]:
    """A date with its year and a clock time, written in the ways PRODUCT.md lists, in either
    order: "2027-01-15 18:00", "6pm on 15 jan 2027", "jan 15, 2027 at 6:30pm"..."""
    tz = draw(st.sampled_from(ZONES))
    wall = draw(moments(tz)).astimezone(tz).replace(tzinfo=None)
    day = draw(st.sampled_from([f"{wall:%Y-%m-%d}", f"{wall.day} {wall:%b %Y}", f"{wall.day} {wall:%B %Y}",
                                f"{wall:%b} {wall.day}, {wall.year}", f"{wall:%a} {wall.day} {wall:%b %Y}"]))
    twelve = f"{wall.hour % 12 or 12}:{wall:%M}"
    clock = draw(st.sampled_from([f"{wall:%H:%M}", f"{twelve}{wall:%p}".lower(), f"{twelve} {wall:%p}"]))
    shape = draw(st.sampled_from(["{d} {c}", "{c} {d}", "{c} on {d}", "{d} at {c}", "{d}, {c}", "at {c} on {d}"]))
    return tz, wall, shape.format(d=day, c=clock)


@EXAMPLES
@given(dated_phrases())
def test_a_date_and_a_clock_time_in_either_order_is_that_wall_time(case: tuple[ZoneInfo, datetime, str]) -> None:
    tz, wall, text = case
    meant = wall_reading(wall, tz)
    got = read(text, tz)
    if meant is None:
        assert isinstance(got, str) and ("does not exist" in got or "happens twice" in got), (text, got)
    else:
        assert got == meant, (text, tz.key, got)


# -- (d) nothing escapes, whatever the text -------------------------------------------------------------

ODD = ["\u200b", "\u200f", "\u202e", "\ufeff", "\u3000", "７", "１２", "٣", "🎉", "🧑‍🤝‍🧑", "e\u0301",
       "pm", "am", "at", "in", "noon", "midnight", "tomorrow", "today", "tonight", "next", "this", "friday",
       "dec", "24", "12", "03/04", "2026-12-24", "T18:00", "+01:00", "utc", "cst", "pst", "Europe/Berlin",
       "new york", ":", ".", "/", "-", "+", "h", "hours", "minutes", "days", "2", "30", "0", "99999999",
       " ", "  "]


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(st.one_of(st.text(max_size=120), st.lists(st.sampled_from(ODD), max_size=14).map("".join),
                 st.lists(st.sampled_from(ODD), max_size=8).map(" ".join)),
       st.sampled_from(ZONES))
def test_no_text_makes_the_reader_raise_anything_but_a_refusal(text: str, tz: ZoneInfo) -> None:
    for parse in (parse_when, parse_when_or_duration):
        try:
            at = parse(text, tz, START)
        except TimeParseError as e:
            assert str(e)
        else:
            assert START < at <= FAR + timedelta(days=1)
    option = read_time(text, tz, START)
    assert option is None or START < option


@settings(max_examples=20, deadline=None, database=None, derandomize=True)
@given(st.sampled_from(["tomorrow 7pm", "2026-12-24 18:00", "in 2 hours", "friday 10am"]),
       st.integers(90, 5000), st.sampled_from(["7", "x", "\u200b", "🎉", " ", "pm"]))
def test_very_long_text_is_refused_not_read_in_part(text: str, pad: int, filler: str) -> None:
    long = text + " " + filler * pad
    assume(len(" ".join(long.split())) > 100)
    got = read(long, ZoneInfo("Europe/Berlin"))
    assert isinstance(got, str) and "too long" in got


# -- (e) relative times against the bot's clock, across clock changes --------------------------------

@st.composite
def clock_near_a_change(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    tz = draw(st.sampled_from(WITH_CHANGES))
    change = draw(st.sampled_from(changes(tz)))
    now = change + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)), seconds=draw(st.integers(0, 59)))
    return tz, now


@EXAMPLES
@given(clock_near_a_change(), st.integers(1, 72 * 60), st.sampled_from(["minutes", "m", "min"]))
def test_in_n_minutes_is_that_much_time_from_now_across_a_change(
        case: tuple[ZoneInfo, datetime], n: int, unit: str) -> None:
    tz, now = case
    assert read(f"in {n} {unit}", tz, now) == now + timedelta(minutes=n)
    if n % 60 == 0:
        assert read(f"in {n // 60} hours", tz, now) == now + timedelta(hours=n // 60)


@EXAMPLES
@given(clock_near_a_change(), st.integers(0, 23), st.integers(0, 59), st.integers(1, 3))
def test_a_day_and_a_clock_time_is_that_wall_time_across_a_change(
        case: tuple[ZoneInfo, datetime], hour: int, minute: int, days: int) -> None:
    """Days count on the calendar, the clock time is the wall's (a meetup "tomorrow at 7pm"
    is at 7pm after the clocks change too); a wall time skipped or shown twice is refused."""
    tz, now = case
    day = now.astimezone(tz).date() + timedelta(days=days)
    wall = datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute)
    text = ("tomorrow" if days == 1 else f"in {days} days at") + f" {hour:02d}:{minute:02d}"
    meant = wall_reading(wall, tz)
    got = read(text, tz, now)
    if meant is None:
        assert isinstance(got, str) and ("does not exist" in got or "happens twice" in got), (text, got)
    else:
        assert got == meant, (text, tz.key, now, got)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@EXAMPLES
@given(clock_near_a_change(), st.integers(0, 6), st.integers(0, 23), st.integers(0, 59),
       st.sampled_from(["{wd} {t}", "{wd3} at {t}", "on {wd} {t}", "{t} {wd}", "next {wd} {t}"]))
def test_a_weekday_and_a_clock_time_is_the_next_such_wall_time(
        case: tuple[ZoneInfo, datetime], wd: int, hour: int, minute: int, shape: str) -> None:
    tz, now = case
    text = shape.format(wd=WEEKDAYS[wd], wd3=WEEKDAYS[wd][:3], t=f"{hour:02d}:{minute:02d}")
    local_now = now.astimezone(tz)
    ahead = (wd - local_now.weekday()) % 7
    wall = datetime.combine(local_now.date() + timedelta(days=ahead), datetime.min.time()).replace(
        hour=hour, minute=minute)
    if wall <= local_now.replace(tzinfo=None) or (ahead == 0 and shape.startswith("next")):
        wall += timedelta(days=7)
    meant = wall_reading(wall, tz)
    got = read(text, tz, now)
    if meant is None:
        assert isinstance(got, str) and ("does not exist" in got or "happens twice" in got), (text, got)
    elif meant <= now:  # this week's was in the hour the clocks repeat and has gone
        assert isinstance(got, str), (text, got)
    else:
        assert got == meant, (text, tz.key, now, got)


@EXAMPLES
@given(st.sampled_from(ZONES), st.integers(0, 47), st.integers(0, 59), st.sampled_from(["{h}h{m}m", "{h}h {m}m", "{h} hours {m} minutes"]))
def test_a_length_of_time_where_a_moment_may_go_is_that_long_from_now(
        tz: ZoneInfo, hours: int, minutes: int, shape: str) -> None:
    assume(hours or minutes)
    text = shape.format(h=hours, m=minutes)
    assert parse_when_or_duration(text, tz, START) == START + timedelta(hours=hours, minutes=minutes), text


@EXAMPLES
@given(st.sampled_from(ZONES), st.integers(0, 23), st.integers(0, 59))
def test_hours_h_minutes_where_a_moment_may_go_is_refused_with_both_readings(
        tz: ZoneInfo, hours: int, minutes: int) -> None:
    """"2h30" is 2 hours 30 minutes, and it is 02:30 as "19h30" is 19:30: neither is picked."""
    assume(hours or minutes)
    text = f"{hours}h{minutes:02d}"
    with pytest.raises(TimeParseError) as e:
        parse_when_or_duration(text, tz, START)
    said = str(e.value)
    length = timedelta(hours=hours, minutes=minutes)
    assert f'"{format_duration(length)}"' in said, said
    assert parse_when_or_duration(format_duration(length), tz, START) == START + length
    for clock in re.findall(r'"(\d{2}:\d{2})"', said):
        got = parse_when(clock, tz, START).astimezone(tz)
        assert (got.hour, got.minute) == (hours, minutes), (said, got)


# -- (f) twelve-hour times, noon and midnight ------------------------------------------------------------

@EXAMPLES
@given(st.integers(1, 12), st.integers(0, 59), st.sampled_from(["am", "pm", " am", " PM", "a.m.", "p.m."]),
       st.sampled_from(ZONES))
def test_twelve_hour_times_are_the_hour_meant(hour: int, minute: int, half: str, tz: ZoneInfo) -> None:
    clock = f"{hour}{half}" if minute == 0 else f"{hour}:{minute:02d}{half}"
    h24 = hour % 12 + (12 if half.strip().lower().startswith("p") else 0)
    wall = datetime.combine(START.astimezone(tz).date() + timedelta(days=1), datetime.min.time())
    got = read(f"tomorrow {clock}", tz)
    if h24 == 0 and minute == 0:  # 12am is midnight: which end of the day? (as "midnight")
        assert isinstance(got, str) and "is midnight" in got, got
        return
    assert isinstance(got, datetime), got
    assert got == wall_reading(wall.replace(hour=h24, minute=minute), tz), (clock, got)


@pytest.mark.parametrize("text, hour", [("tomorrow noon", 12), ("tomorrow at noon", 12), ("tomorrow 12pm", 12),
                                        ("tomorrow 12:30am", 0), ("tomorrow midday", 12)])
def test_noon_and_twelve_o_clock(text: str, hour: int) -> None:
    got = read(text, ZoneInfo("UTC"))
    assert isinstance(got, datetime) and got.hour == hour and got.date() == date(2026, 11, 24), (text, got)


@pytest.mark.parametrize("text", ["tomorrow midnight", "midnight", "tomorrow 12am", "tomorrow 0am", "tomorrow 13pm",
                                  "tomorrow at 5", "tomorrow 00:30am", "tomorrow 24:00"])
def test_twelve_hour_edges_with_no_one_reading_are_refused(text: str) -> None:
    assert isinstance(read(text, ZoneInfo("UTC")), str)


# -- (g) numeric dates ------------------------------------------------------------------------------------------

@EXAMPLES
@given(st.integers(1, 31), st.integers(1, 31), st.sampled_from(["/", ".", "-"]), st.sampled_from(ZONES))
def test_a_numeric_date_with_two_readings_is_refused_and_one_with_one_is_that_day(
        a: int, b: int, sep: str, tz: ZoneInfo) -> None:
    text = f"{a:02d}{sep}{b:02d} 18:00"
    got = read(text, tz)
    if a <= 12 and b <= 12 and a != b:
        assert isinstance(got, str) and "could be" in got, (text, got)
        return
    if isinstance(got, str):  # not on the calendar, or passed: refused
        return
    day, month = (a, b) if a > 12 or a == b else (b, a)
    local = got.astimezone(tz)
    assert (local.day, local.month, local.hour, local.minute) == (day, month, 18, 0), (text, local)


# -- end to end: the card's time, typed back; refusals change nothing ------------------------------------

SHOWN = re.compile(r"[A-Z][a-z]{2} \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} \S+")


@dataclass
class Chat:
    runner: asyncio.Runner
    bot: Bot
    fake: FakeAdapter
    spaces: int = 0

    def space(self, tz: ZoneInfo) -> ChannelRef:
        self.spaces += 1
        where = ChannelRef("fake", "general", f"space{self.spaces}")
        said = self.say(f"!config set timezone {tz.key}", where, mod=True)
        assert not said.startswith("⚠️"), said
        return where

    def say(self, line: str, where: ChannelRef, *, mod: bool = False) -> str:
        async def go() -> str:
            replies = await self.fake.invoke(line, "mod" if mod else "alice", mod=mod, channel=where)
            assert len(replies) == 1, [r.text for r in replies]
            return replies[0].text
        return self.runner.run(go())

    def events(self) -> int:
        async def go() -> int:
            row = await self.bot.db.fetchone("SELECT count(*) FROM events")
            assert row is not None
            return int(row[0])
        return self.runner.run(go())


@pytest.fixture
def chat() -> Iterator[Chat]:
    with asyncio.Runner() as runner:
        async def setup() -> tuple[Bot, FakeAdapter]:
            bot = await build_bot(":memory:", clock=ManualClock(START), rate_limit=False)
            fake = FakeAdapter()
            bot.add_adapter(fake)
            await bot.start()
            return bot, fake

        bot, fake = runner.run(setup())
        yield Chat(runner, bot, fake)
        runner.run(bot.stop())


def test_a_card_time_typed_back_makes_a_card_with_the_same_time(chat: Chat) -> None:
    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(ZONES).flatmap(lambda tz: st.tuples(st.just(tz), moments(tz))))
    def check(case: tuple[ZoneInfo, datetime]) -> None:
        tz, at = case
        where = chat.space(tz)
        first = chat.say(f'!event create First when="{at:%Y-%m-%dT%H:%M}+00:00"', where)
        shown = SHOWN.findall(first)[0]
        assert shown == format_time(at, tz), first
        again = chat.say(f'!event create Again when="{shown}"', where)
        assert SHOWN.findall(again)[0] == shown, again

    check()


def test_a_refused_time_is_a_warning_and_writes_no_event(chat: Chat) -> None:
    @settings(max_examples=40, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(ZONES),
           st.lists(st.sampled_from([o for o in ODD if o.strip()]), min_size=1, max_size=6).map(" ".join))
    def check(tz: ZoneInfo, text: str) -> None:
        where = chat.space(tz)
        before = chat.events()
        said = chat.say(f'!event create Thing when="{text}"', where)
        expected = read(text, tz)
        if isinstance(expected, str):
            assert said.startswith("⚠️"), (text, said)
            assert chat.events() == before, text
        else:
            assert not said.startswith("⚠️"), (text, said)
            assert SHOWN.findall(said)[:1] == [format_time(expected, tz)], (text, said)
            assert chat.events() == before + 1

    check()


# -- regressions: what the properties found -------------------------------------------------------------


async def test_a_spaces_own_zone_letters_mean_its_own_clocks(fake: FakeAdapter) -> None:
    """Manila's cards say PST for UTC+8; typed back, "PST" was read as the Pacific's UTC-8 and
    the meetup moved 16 hours while its card still said PST."""
    await fake.invoke("!config set timezone Asia/Manila", "mod", mod=True)
    [card] = await fake.invoke('!event create Merienda when="Fri 11 Jun 2027 17:17 PST"')
    assert "Fri 11 Jun 2027 17:17 PST" in card.text, card.text
    [poll] = await fake.invoke("!poll create When? tomorrow 7pm PST | Blue Cafe")
    assert "Tue 24 Nov 2026 19:00 PST" in poll.text, poll.text


@pytest.mark.parametrize("space, text, utc", [
    ("America/Havana", "2027-06-11 05:17 CDT", datetime(2027, 6, 11, 9, 17, tzinfo=UTC)),  # not the US's UTC-5
    ("Asia/Kolkata", "dec 24 7pm IST", datetime(2026, 12, 24, 13, 30, tzinfo=UTC)),  # refused as ambiguous before
    ("Europe/London", "2027-06-11 18:00 BST", datetime(2027, 6, 11, 17, 0, tzinfo=UTC)),
    ("America/Chicago", "dec 24 7pm CST", datetime(2026, 12, 25, 1, 0, tzinfo=UTC)),
    ("Europe/Berlin", "dec 24 7pm PST", datetime(2026, 12, 25, 3, 0, tzinfo=UTC)),  # elsewhere, the Pacific's
])
def test_zone_letters_are_read_as_the_space_means_them(space: str, text: str, utc: datetime) -> None:
    assert read(text, ZoneInfo(space)) == utc


def test_letters_elsewhere_with_several_meanings_are_still_refused() -> None:
    assert "several timezones" in str(read("dec 24 7pm IST", ZoneInfo("Europe/Berlin")))


async def test_a_span_of_clock_times_is_refused_and_makes_no_event(fake: FakeAdapter, bot: Bot) -> None:
    """"tomorrow 10:00-12:00" was read as 10:00 at UTC-12: an event today at 22:00 UTC."""
    [said] = await fake.invoke('!event create Brunch when="tomorrow 10:00-12:00"')
    assert said.text.startswith("⚠️") and "from 10:00 to 12:00" in said.text and "UTC-12:00" in said.text, said.text
    assert not fake.cards()
    row = await bot.db.fetchone("SELECT count(*) FROM events")
    assert row is not None and row[0] == 0
    # the offset is still honoured where it can only be one: ISO's T form, a space or UTC before it;
    # and a date's own dash is not an offset ("6pm 2026-12-24" was refused as "-24 is not an offset")
    for text in ("2026-11-24T10:00-05:00", "tomorrow 10:00 -05:00", "tomorrow 10:00 UTC-5"):
        assert read(text, ZoneInfo("UTC")) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC), text
    for text in ("6pm 2026-11-24", "18:00 on 2026-11-24", "6 pm 24-11"):
        assert read(text, ZoneInfo("UTC")) == datetime(2026, 11, 24, 18, 0, tzinfo=UTC), text


async def test_poll_closes_2h30_is_refused_with_both_readings(fake: FakeAdapter, bot: Bot) -> None:
    """closes=2h30 was read as the clock time 02:30 (tomorrow, 17½ hours on), not 2h30m."""
    [said] = await fake.invoke("!poll create Where? Park | Cafe closes=2h30")
    assert said.text.startswith("⚠️") and '"2h30m"' in said.text and '"02:30"' in said.text, said.text
    row = await bot.db.fetchone("SELECT count(*) FROM polls")
    assert row is not None and row[0] == 0
    [poll] = await fake.invoke("!poll create Where? Park | Cafe closes=2h30m")
    assert "Mon 23 Nov 2026 11:30 UTC" in poll.text, poll.text


@pytest.mark.parametrize("text, utc", [
    ("2026-12-24 18:00:00-05:00", datetime(2026, 12, 24, 23, 0, tzinfo=UTC)),  # str(datetime)'s form
    ("2026-12-24 18:30:00-0500", datetime(2026, 12, 24, 23, 30, tzinfo=UTC)),
])
def test_a_time_with_seconds_and_an_offset_is_that_instant(text: str, utc: datetime) -> None:
    """Minutes and seconds are no span of time: the offset is read."""
    assert parse_when(text, ZoneInfo("UTC"), START) == utc


def test_a_time_with_seconds_other_than_zero_and_an_offset_is_refused_keeping_the_offset() -> None:
    """Times are kept to the minute (tests/unit/test_time_seconds.py): the minutes to write
    keep the offset, spaced so that they do not read as a span."""
    with pytest.raises(TimeParseError) as refused:
        parse_when("2026-12-24 18:30:15-0500", ZoneInfo("UTC"), START)
    assert "2026-12-24 18:30 -0500 or 2026-12-24 18:31 -0500" in str(refused.value), refused.value
    assert parse_when("2026-12-24 18:30 -0500", ZoneInfo("UTC"), START) == datetime(2026, 12, 24, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize("text, offset", [("tomorrow 10:00-930", True), ("tomorrow 10:00-12:00", True),
                                          ("tomorrow 18:00-14:30", False), ("tomorrow 10:00-1260", False)])
def test_a_span_is_offered_as_an_offset_only_when_a_clock_can_be_that_far_behind(text: str, offset: bool) -> None:
    with pytest.raises(TimeParseError) as refused:
        parse_when(text, ZoneInfo("UTC"), START)
    assert ("could be" in str(refused.value)) is offset, str(refused.value)
