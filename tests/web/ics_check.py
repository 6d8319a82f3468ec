"""What a calendar client makes of an .ics we serve, checked the way one reads it: the octets
(CRLF, folding at 75 octets without splitting a UTF-8 character), the parse (icalendar), the
instants of every series expanded (recurring-ical-events, and dateutil's rrule for the rule
alone), every EXDATE and RECURRENCE-ID an instance of its rule with the same value type and
TZID, and each VTIMEZONE giving the zone's own offset at every time it is used for."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

from cogs.events import series_repo as srepo
from cogs.events.repo import _COLS, _event

Instance = tuple[str, str, str, str]  # start UTC, end UTC, title, place


def octets(body: bytes) -> None:
    """RFC 5545 3.1: CRLF after every line, none longer than 75 octets, each a whole UTF-8 text."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    for raw in lines:
        assert b"\n" not in raw and b"\r" not in raw, raw
        assert len(raw) <= 75, (len(raw), raw)
        raw.decode("utf-8")  # a fold inside a character would not decode on its own


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def expanded(body: bytes, start: datetime, end: datetime) -> list[Instance]:
    cal = icalendar.Calendar.from_ical(body)
    # An instance of a rule lasts its master's exact duration (RFC 5545 3.8.5.3, as libical and
    # Google read it); recurring-ical-events adds it to the wall time, which is an hour off on a
    # night the clocks change. An override (RECURRENCE-ID) keeps its own DTEND.
    exact = {str(v["UID"]): v["DTEND"].dt.astimezone(UTC) - v["DTSTART"].dt.astimezone(UTC)
             for v in cal.walk("VEVENT") if "RRULE" in v}
    overrides = {(str(v["UID"]), _utc(v["DTSTART"].dt)) for v in cal.walk("VEVENT") if "RECURRENCE-ID" in v}
    out = []
    for e in recurring_ical_events.of(cal).between(start, end):
        if str(e.get("STATUS", "")) == "CANCELLED":
            continue
        uid, begins = str(e["UID"]), _utc(e["DTSTART"].dt)
        if uid in exact and (uid, begins) not in overrides:
            ends = _utc(e["DTSTART"].dt.astimezone(UTC) + exact[uid])
        else:
            ends = _utc(e["DTEND"].dt)
        out.append((begins, ends, str(e["SUMMARY"]), str(e.get("LOCATION", ""))))
    return sorted(out)


def _values(item: icalendar.Event, name: str) -> list[tuple[dict[str, str], datetime]]:
    got = item.get(name)
    props = got if isinstance(got, list) else [got] if got is not None else []
    out = []
    for prop in props:
        dts = prop.dts if hasattr(prop, "dts") else [prop]
        out.extend((dict(prop.params), d.dt) for d in dts)
    return out


def rules_and_zones(body: bytes) -> None:
    """Every EXDATE and RECURRENCE-ID names an instance of its series' rule as that rule writes it
    (a DATE-TIME with the master's TZID and the same wall time: a mismatch shows the occurrence
    twice in Google and Apple), and each VTIMEZONE gives the zone's offset at every time used."""
    cal = icalendar.Calendar.from_ical(body)
    vtz = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in cal.walk("VTIMEZONE")}
    masters = {str(v["UID"]): v for v in cal.walk("VEVENT") if "RRULE" in v}
    for item in cal.walk("VEVENT"):
        for name in ("DTSTART", "DTEND", "EXDATE", "RECURRENCE-ID"):
            for params, at in _values(item, name):
                assert isinstance(at, datetime) and at.tzinfo is not None, (name, at)
                tzid = params.get("TZID")
                if tzid is None:  # a UTC time (...Z), not a floating one
                    assert at.utcoffset() == timedelta(0) and name in ("DTSTART", "DTEND"), (name, at)
                    continue
                assert tzid in vtz, (name, tzid, list(vtz))  # a VTIMEZONE for each TZID named
                wall = at.replace(tzinfo=None)
                theirs = wall.replace(tzinfo=vtz[tzid]).utcoffset()
                ours = wall.replace(tzinfo=ZoneInfo(tzid)).utcoffset()
                assert theirs == ours, (tzid, wall, theirs, ours)
        if "RRULE" in item or "RECURRENCE-ID" not in item and "EXDATE" not in item:
            continue
        assert "EXDATE" not in item or "RRULE" in item
    for uid, master in masters.items():
        [(start_params, start)] = _values(master, "DTSTART")
        walls = {w.replace(tzinfo=None) for w in _rule(master, start)}
        marked = _values(master, "EXDATE") + [
            v for o in cal.walk("VEVENT") if str(o["UID"]) == uid and "RECURRENCE-ID" in o
            for v in _values(o, "RECURRENCE-ID")]
        for params, at in marked:
            assert params.get("TZID") == start_params.get("TZID"), (uid, params, start_params)
            assert params.get("VALUE", "DATE-TIME") == start_params.get("VALUE", "DATE-TIME")
            assert at.replace(tzinfo=None) in walls, (uid, at, "not an instance of", master["RRULE"])
    for tzid, tz in vtz.items():
        # Its transitions reach every time the calendar uses (not only up to a library's default).
        used = [at for item in cal.walk("VEVENT") for n in ("DTSTART", "DTEND")
                for params, at in _values(item, n) if params.get("TZID") == tzid]
        for master in masters.values():
            [(_, start)] = _values(master, "DTSTART")
            used.extend(_rule(master, start))
        for at in used:
            wall = at.replace(tzinfo=None)
            assert wall.replace(tzinfo=tz).utcoffset() == wall.replace(tzinfo=ZoneInfo(tzid)).utcoffset(), \
                (tzid, wall)


def _rule(master: icalendar.Event, start: datetime) -> list[datetime]:
    """The rule's times as dateutil writes them: wall times in DTSTART's zone."""
    return list(rrulestr(master["RRULE"].to_ical().decode(), dtstart=start))


def bot_instances(conn: sqlite3.Connection, space: str, since: datetime) -> list[Instance]:
    """What the bot has posted or will post in the space: its events not cancelled, and every
    time of its series not made yet, from `since` on."""
    out = []
    for row in conn.execute(f"SELECT {_COLS} FROM events WHERE space=? AND state='active'", (space,)):
        e = _event(row)
        assert e is not None
        if e.ends_at >= since:
            out.append((_utc(e.starts_at), _utc(e.ends_at), e.title, e.location))
    for (sid,) in conn.execute("SELECT id FROM event_series WHERE space=?", (space,)).fetchall():
        s = srepo.get(conn, sid)
        assert s is not None
        made = srepo.made(conn, sid)
        for local, aware in s.times():
            if local.isoformat() not in made:
                # As the series will make it (series.py): the length added to the time in its zone.
                out.append((_utc(aware), _utc(aware + s.length), s.title, s.location))
    return sorted(out)


def far(now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=30), datetime.combine(date(now.year + 7, 1, 1), datetime.min.time(), UTC)
