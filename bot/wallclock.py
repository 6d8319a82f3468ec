"""A wall-clock time in a zone -> the moment it names, refusing the two kinds of wall time
that do not name exactly one moment: those the clocks skip when they go forward, and
those they show twice when they go back.

Each refusal says what the clocks do that night and gives times that work: for a skipped
time one just before and one just after the change; for a repeated one the same time
with the abbreviation (or offset) of each reading, which the parser honours as stated.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from .timezones import ZoneError, abbreviation

UTC = ZoneInfo("UTC")


class WallTimeRefused(ValueError):
    """A wall time that is skipped or repeated; the message says which and what to write."""


def localize(naive: datetime, tz: tzinfo, *, zone_word: str = "", now: datetime | None = None) -> datetime:
    """Wall time in `tz` -> aware UTC. `zone_word` is how the text named the zone, if it
    did, so the examples in a refusal name it too. With `now`, a refusal offers only times
    still ahead (asked at 01:45 on the change night, "01:30" would be refused in turn); when
    no reading is ahead the latest is returned, for the caller to refuse as past."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    latest = max(first.astimezone(UTC), second.astimezone(UTC))
    if now is not None and latest <= now:  # every reading has passed: the caller says so
        return latest
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise WallTimeRefused(_skipped(naive, tz, first, second, zone_word, now))
    raise WallTimeRefused(_twice(naive, tz, first, second, now))


def settle(naive: datetime, tz: tzinfo) -> datetime:
    """Wall time in `tz` -> aware UTC without refusing: for a meetup a rule already fixed, whose
    occurrence lands on a change night. A skipped time is the moment the clocks jumped past it
    (02:30 -> 03:30), as calendar apps read it; a repeated one is its first reading."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _change(a: datetime, b: datetime, tz: tzinfo) -> datetime:
    """The first minute (UTC) between a and b whose offset in tz is no longer a's."""
    lo, hi = sorted((a.astimezone(UTC), b.astimezone(UTC)))
    before = lo.astimezone(tz).utcoffset()
    at = lo
    while at < hi and at.astimezone(tz).utcoffset() == before:
        at += timedelta(minutes=1)
    return at


def _name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def _skipped(naive: datetime, tz: tzinfo, first: datetime, second: datetime, zone_word: str,
             now: datetime | None) -> str:
    # fold=0 reads a skipped time with the offset from before the change, fold=1 with the one after
    old, new = first.utcoffset(), second.utcoffset()
    assert old is not None and new is not None
    change = _change(first, second, tz)
    gap = new - old
    jump_from, jump_to = change + old, change + new
    suffix = f" {zone_word}" if zone_word else ""
    before, after = naive - gap, naive + gap
    head = (f"{naive:%H:%M} does not exist on {naive:%a %d %b %Y} in {_name(tz)}: clocks jump from "
            f"{jump_from:%H:%M} to {jump_to:%H:%M} that night; write e.g. ")
    later = f"\"{after:%Y-%m-%d %H:%M}{suffix}\""
    if now is not None and before.replace(tzinfo=tz, fold=0).astimezone(UTC) <= now:
        return head + later + " (after the change)"
    return head + f"\"{before:%Y-%m-%d %H:%M}{suffix}\" (before the change) or {later} (after it)"


def _twice(naive: datetime, tz: tzinfo, first: datetime, second: datetime, now: datetime | None) -> str:
    old, new = first.utcoffset(), second.utcoffset()
    assert old is not None and new is not None
    change = _change(first, second, tz)
    back_from, back_to = change + old, change + new
    one, two = _written(naive, first), _written(naive, second)
    head = (f"{naive:%H:%M} happens twice on {naive:%a %d %b %Y} in {_name(tz)}: clocks go back from "
            f"{back_from:%H:%M} to {back_to:%H:%M} that night; ")
    if now is not None and first.astimezone(UTC) <= now:
        return head + f"the first has passed, so write \"{two}\" for the second (UTC{_offset(new)})"
    return head + (f"say which, \"{one}\" (the first, UTC{_offset(old)}) or \"{two}\" (the second, "
                   f"UTC{_offset(new)})")


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _written(naive: datetime, reading: datetime) -> str:
    """The wall time with what picks this reading: the zone's abbreviation when the parser
    reads it as exactly this offset, else the offset itself."""
    wall = f"{naive:%Y-%m-%d %H:%M}"
    abbr = reading.tzname() or ""
    try:
        named = abbreviation(abbr) if abbr.isalpha() else None
    except ZoneError:  # an abbreviation that means several zones (BST)
        named = None
    offset = reading.utcoffset()
    if named is not None and named.utcoffset(None) == offset:
        return f"{wall} {abbr}"
    assert offset is not None
    return f"{wall} {_offset(offset)}"


def five_years_on(now: datetime) -> datetime:
    """The furthest moment `when=` takes: the same date and time five years on (the 28th for
    29 February), so a refusal that says "more than five years away" is true."""
    try:
        return now.replace(year=now.year + 5)
    except ValueError:
        return now.replace(year=now.year + 5, day=28)
