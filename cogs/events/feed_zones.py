"""A zone's VTIMEZONE for the calendar feed. icalendar builds it by searching for the changes in
large steps, and misses those only weeks apart (Morocco's Ramadan hours); a definition that
disagrees with zoneinfo anywhere up to the last meetup is built from zoneinfo's own changes
instead, one STANDARD or DAYLIGHT component each, so an app places every meetup where the bot does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

# No zone changes twice within a day, so a daily look finds every change; each is then
# narrowed down to its second.
_STEP = timedelta(days=1)
# Each stretch is checked this far inside its ends: a wall time within a jump of a change may
# name two moments or none, and no zone jumps by more.
_INSIDE = timedelta(hours=3)


def _state(at: datetime, tz: tzinfo) -> tuple[timedelta | None, timedelta | None, str | None]:
    local = at.astimezone(tz)
    return local.utcoffset(), local.dst(), local.tzname()


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def changes(tz: ZoneInfo, first: date, last: date) -> Iterator[datetime]:
    """The moments (UTC) the zone's offset, DST or name change, from `first` until `last`."""
    end = _utc(last)
    at = _utc(first)
    while at < end:
        nxt = min(at + _STEP, end)
        if _state(at, tz) != _state(nxt, tz):
            lo, hi = at, nxt  # lo in the old state, hi in the new
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0) if mid.microsecond else mid
                if _state(mid, tz) == _state(lo, tz):
                    lo = mid
                else:
                    hi = mid
            yield hi
        at = nxt


def agrees(vtimezone: Timezone, tz: ZoneInfo, first: date, last: date) -> bool:
    """Whether wall times read with the definition give zoneinfo's offsets, inside every
    stretch between two changes from `first` to `last`."""
    theirs = vtimezone.to_tz(lookup_tzid=False)
    bounds = [_utc(first), *changes(tz, first, last), _utc(last)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        for at in (start + _INSIDE, start + (end - start) / 2, end - _INSIDE):
            if not start < at < end:
                continue
            local = at.astimezone(tz)
            if local.replace(tzinfo=None).replace(tzinfo=theirs).utcoffset() != local.utcoffset():
                return False
    return True


def from_changes(tz: ZoneInfo, tzid: str, first: date, last: date) -> Timezone:
    """The definition from zoneinfo's changes: the state at `first`, then one component per
    change, each starting at its wall time before the change (RFC 5545 3.6.5)."""
    out = Timezone()
    out.add("TZID", tzid)
    out.add("COMMENT", f"This timezone only works from {first} to {last}.")  # as icalendar says it
    before = _utc(first).astimezone(tz).utcoffset()
    for at in [_utc(first), *changes(tz, first, last)]:
        local = at.astimezone(tz)
        offset = local.utcoffset()
        assert before is not None and offset is not None
        part = TimezoneDaylight() if local.dst() else TimezoneStandard()
        part.TZOFFSETFROM = before
        part.TZOFFSETTO = offset
        part.add("TZNAME", local.tzname() or "")
        part.DTSTART = (at + before).replace(tzinfo=None)
        out.add_component(part)
        before = offset
    return out


def add_timezones(cal: Calendar, tz: ZoneInfo, first: date, last: date) -> None:
    """The calendar's missing VTIMEZONEs, icalendar's where `tz`'s agrees with zoneinfo from
    `first` (the earliest meetup it holds, or before) to `last`. Earlier changes are not
    checked: icalendar's definitions miss some decades back, and a zone whose definition
    serves every meetup keeps it."""
    cal.add_missing_timezones(last_date=last)
    for i, z in enumerate(cal.subcomponents):
        if isinstance(z, Timezone) and z.tz_name == tz.key and not agrees(z, tz, first, last):
            cal.subcomponents[i] = from_changes(tz, z.tz_name, first, last)
