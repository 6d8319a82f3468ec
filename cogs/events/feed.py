"""Calendar data (RFC 5545, with icalendar): one event, or a space's whole calendar where a
series is one VEVENT with its RRULE, EXDATE for occurrences cancelled one by one, and an
override (RECURRENCE-ID) for each occurrence edited on its own. Every time is written in the
space's zone with its VTIMEZONE (UTC too), so Google, Apple and Thunderbird place every
occurrence at its wall-clock time."""

from __future__ import annotations

import hashlib
import sqlite3
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, vDuration, vRecur, vText
from icalendar import Event as IEvent

from . import series_repo as srepo
from .feed_zones import add_timezones
from .recurrence import _horizon, aware_at
from .repo import _COLS, Event, _event
from .scope import Scope, shared_events, shared_version

PAST = timedelta(days=30)  # the feed keeps the last month, so a subscriber sees what just was
# How often a subscribed calendar should read the feed again: it changes when an event is made,
# moved or cancelled, and people act on a new time within the hour (a reminder comes an hour
# before by default). The web part sends `Cache-Control: no-store`, so each read is fresh.
REFRESH = timedelta(hours=1)
NAME_MAX = 80


def space_title(space_name: str | None) -> str:
    """A space's name as one line: control characters are no text in a calendar."""
    name = " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in space_name or "").split())
    return name if len(name) <= NAME_MAX else name[:NAME_MAX - 1].rstrip() + "…"


def feed_name(space_name: str | None, platform: str) -> str:
    """What a subscriber's calendar list calls the feed: the space's name, or, where its
    platform gives none in this process, the platform's."""
    return space_title(space_name) or f"Meetups on {platform}"


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//logoff//meetups//EN")
    cal.add("version", "2.0")
    if name:
        # icalendar escapes only the properties it knows as text: NAME (RFC 7986) and
        # X-WR-CALNAME would go out raw, a CR or a ";" in a space's name with them.
        cal.add("name", vText(name))
        cal.add("x-wr-calname", vText(name))
        cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(REFRESH))  # Apple's and Outlook's spelling of it
    return cal


def _tzid(tz: ZoneInfo) -> str:
    # icalendar writes a time whose TZID is "UTC" as a bare UTC time, with no VTIMEZONE.
    return "Etc/UTC" if tz.key.upper() == "UTC" else tz.key


def _second(at: datetime, tz: ZoneInfo) -> bool:
    """A moment in the hour the clocks show twice, the second time: its wall time would name
    the first (RFC 5545 3.3.5), so calendars would put it an hour early."""
    local = at.astimezone(tz)
    return bool(local.fold) and local.replace(fold=0).utcoffset() != local.utcoffset()


def _add_time(item: Component, name: str, at: datetime, tz: ZoneInfo, *, utc: bool = False) -> None:
    """`at` as its wall time in `tz`, named by TZID: given an aware time, icalendar would write
    one in a zone that keeps UTC's offset (UTC itself, Reykjavik) as UTC, with no VTIMEZONE.
    With `utc` (an event with a time in the second reading), in UTC."""
    if utc:
        item.add(name, at.astimezone(UTC))
        return
    item.add(name, at.astimezone(tz).replace(tzinfo=None, fold=0), parameters={"TZID": _tzid(tz)})


def _reach(at: datetime) -> date:
    """How far a VTIMEZONE's transitions must go to hold `at`: icalendar's own default stops
    in 2038, short of a series that starts years from now and runs five years."""
    return date(at.year + 1, 1, 1)


def _since(at: datetime) -> date:
    """Where a VTIMEZONE is checked from to hold `at` (the start of its year: the same for a
    year of feeds)."""
    return date(at.year, 1, 1)


def _uid(space: str, what: str) -> str:
    return hashlib.sha256(f"{space}/{what}".encode()).hexdigest()[:24] + f"-{what}@logoff"


def vevent(event: Event, tz: ZoneInfo, now: datetime) -> IEvent:
    item = IEvent()
    item.add("uid", _uid(event.space, str(event.id)) if event.series_id is None
             else _uid(event.space, f"series-{event.series_id}"))
    item.add("summary", event.title)
    # Both in UTC if either is read twice: an app that keeps the length and adds it to the
    # start in its zone would otherwise shift the end too.
    utc = _second(event.starts_at, tz) or _second(event.ends_at, tz)
    _add_time(item, "dtstart", event.starts_at, tz, utc=utc)
    _add_time(item, "dtend", event.ends_at, tz, utc=utc)
    item.add("dtstamp", now)
    item.add("sequence", event.revision)
    if event.location:
        item.add("location", event.location)
    if event.details:
        item.add("description", event.details)
    if event.cancelled:
        item.add("status", "CANCELLED")
    return item


def _alone(event: Event, tz: ZoneInfo, now: datetime) -> IEvent:
    item = vevent(event, tz, now)
    if event.series_id is not None:  # alone, an occurrence is an event of its own
        item["uid"] = _uid(event.space, str(event.id))
    return item


def one_event(event: Event, tz: ZoneInfo, now: datetime) -> bytes:
    cal = _calendar()
    item = _alone(event, tz, now)
    cal.add_component(item)
    add_timezones(cal, tz, _since(event.starts_at), _reach(event.ends_at))
    return bytes(cal.to_ical())


def _series_vevent(s: srepo.Series, now: datetime) -> IEvent:
    item = IEvent()
    item.add("uid", _uid(s.space, f"series-{s.id}"))
    item.add("summary", s.title)
    start = s.first_local.replace(tzinfo=s.tz)
    _add_time(item, "dtstart", start, s.tz)
    # Every instance lasts DTEND - DTSTART as moments (RFC 5545 3.8.5.3). When the clocks change
    # within the first, its end's wall time would give another length: the end is in UTC then.
    end = start.astimezone(UTC) + s.length
    _add_time(item, "dtend", end, s.tz, utc=end.astimezone(s.tz).utcoffset() != start.utcoffset())
    item.add("dtstamp", now)
    item.add("sequence", s.revision)
    if s.location:
        item.add("location", s.location)
    if s.details:
        item.add("description", s.details)
    rule = vRecur.from_ical(s.rule)
    # With a zoned DTSTART, UNTIL is in UTC (RFC 5545 3.3.10). A series with no end of its own
    # still stops where the bot stops making it, five years on.
    ends = [_horizon(s.first_local).replace(tzinfo=s.tz)] if s.count is None else []
    if s.until is not None:
        ends.append(datetime.combine(s.until, datetime.max.time()).replace(microsecond=0, tzinfo=s.tz))
    if s.ends_before is not None:
        ends.append(s.ends_before.replace(tzinfo=s.tz) - timedelta(seconds=1))
    if ends:
        rule["UNTIL"] = min(ends).astimezone(UTC)
        rule.pop("COUNT", None)
    if s.count is not None and not ends:
        rule["COUNT"] = s.count
    item.add("rrule", rule)
    return item


def _differs(e: Event, s: srepo.Series) -> bool:
    assert e.occurrence is not None
    local = e.starts_at.astimezone(s.tz).replace(tzinfo=None).isoformat()
    # Its wall time alone would miss one moved to the second reading of a time shown twice.
    ruled = aware_at(datetime.fromisoformat(e.occurrence), s.tz).astimezone(UTC)
    return (e.title != s.title or e.location != s.location or e.details != s.details
            or local != e.occurrence or e.starts_at.astimezone(UTC) != ruled
            or e.ends_at - e.starts_at != s.length)


class _Parts:
    """Serialised pieces of feeds, keyed by what they are made from (so never stale): building
    hundreds of VEVENTs with icalendar takes a tenth of a second, and a change touches one."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._parts: OrderedDict[tuple[object, ...], bytes] = OrderedDict()

    def get(self, key: tuple[object, ...], build: Callable[[], bytes]) -> bytes:
        hit = self._parts.get(key)
        if hit is None:
            hit = self._parts[key] = build()
            if len(self._parts) > self.size:
                self._parts.popitem(last=False)
        else:
            self._parts.move_to_end(key)
        return hit


_PARTS = _Parts()


def _component(item: IEvent) -> bytes:
    return bytes(item.to_ical())


def _builder(event: Event, tz: ZoneInfo, now: datetime) -> Callable[[], bytes]:
    return lambda: _component(_alone(event, tz, now))


def _vtimezone(tz: ZoneInfo, first: date, last: date) -> bytes:
    def build() -> bytes:
        cal = _calendar()
        probe = IEvent()
        _add_time(probe, "dtstart", datetime(2026, 1, 1, tzinfo=tz), tz)
        cal.add_component(probe)
        add_timezones(cal, tz, first, last)
        return b"".join(bytes(c.to_ical()) for c in cal.walk("VTIMEZONE"))
    return _PARTS.get(("tz", tz.key, first, last), build)


def _series_block(conn: sqlite3.Connection, s: srepo.Series, now: datetime) -> bytes:
    made = srepo.occurrence_events(conn, s.id)
    key = ("series", s, tuple((e.id, e.revision, e.state) for e in made))

    def build() -> bytes:
        master = _series_vevent(s, now)
        overrides = []
        for e in made:
            assert e.occurrence is not None
            local = datetime.fromisoformat(e.occurrence)
            if s.ends_before is not None and local >= s.ends_before:
                continue
            when = local.replace(tzinfo=s.tz)
            if e.cancelled:
                _add_time(master, "exdate", when, s.tz)
            elif _differs(e, s):
                override = vevent(e, s.tz, now)
                _add_time(override, "recurrence-id", when, s.tz)
                overrides.append(override)
        return _component(master) + b"".join(map(_component, overrides))
    return _PARTS.get(key, build)


def space_calendar(conn: sqlite3.Connection, scope: Scope, tz: ZoneInfo, now: datetime,
                   name: str | None = None) -> bytes:
    """The whole feed of the space and what is shared into it, assembled from pieces (each as
    icalendar writes it) with a VTIMEZONE for every zone the pieces name."""
    since = (now - PAST).timestamp()
    alive = "state='active' AND COALESCE(ends_at, starts_at) >= ?"
    rows = conn.execute(f"SELECT {_COLS} FROM events WHERE space=? AND series_id IS NULL AND {alive} "
                        f"ORDER BY starts_at", (scope.space, since)).fetchall()
    # An occurrence of a series no longer linked here is shared alone: the series' later ones won't be.
    alone = [e for e in shared_events(conn, scope, alive, (since,)) if e.series_id not in scope.series]
    zones = {tz.key: tz}
    events = sorted([*filter(None, map(_event, rows)), *alone], key=lambda e: e.starts_at)
    reach = {tz.key: max([now, *(e.ends_at for e in events)])}
    pieces = [_PARTS.get(("event", e, tz.key), _builder(e, tz, now)) for e in events]
    own = [r[0] for r in conn.execute("SELECT id FROM event_series WHERE space=?", (scope.space,)).fetchall()]
    for sid in [*own, *scope.series]:
        s = srepo.get(conn, sid)
        if s is None or (s.ends_before is not None and s.ends_before <= s.first_local):
            continue
        zones[s.tz.key] = s.tz
        # The last time a series can reach; its UNTIL or COUNT end it earlier.
        last = _horizon(s.first_local).replace(tzinfo=s.tz) + s.length
        reach[s.tz.key] = max(reach.get(s.tz.key, last), last)
        pieces.append(_series_block(conn, s, now))
    head = bytes(_calendar(name).to_ical()).replace(b"END:VCALENDAR\r\n", b"")
    first = _since(now - PAST)
    return (head + b"".join(_vtimezone(z, first, _reach(reach[k])) for k, z in zones.items()) + b"".join(pieces)
            + b"END:VCALENDAR\r\n")


def version(conn: sqlite3.Connection, scope: Scope) -> tuple[object, ...]:
    """What the space's feed is made from, in a few numbers: any change to an event bumps its
    revision (so the sum), a new one the count and the largest id; series rows are compared
    whole. Equal versions on the same day give the same feed."""
    events = conn.execute("SELECT COUNT(*), COALESCE(SUM(revision), 0), COALESCE(MAX(id), 0) "
                          "FROM events WHERE space=?", (scope.space,)).fetchone()
    marks = ",".join("?" * len(scope.series))
    series = conn.execute(
        "SELECT COUNT(*), group_concat(id || '|' || title || '|' || location || '|' || details || '|' "
        "|| length || '|' || COALESCE(ends_before, '') || '|' || revision, ';') FROM event_series WHERE space=?"
        + (f" OR id IN ({marks})" if marks else ""), (scope.space, *scope.series)).fetchone()
    return (*events, *series, *shared_version(conn, scope))
