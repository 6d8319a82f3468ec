"""What follows an event (PRODUCT.md "Turnout"): whether its series goes on, and if not, the
time slots of the "next one?" poll at the same weekday and local time."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.timeparse import read_time

from . import series_repo
from .recurrence import aware_at
from .repo import Event

SLOTS = 3  # weeks offered by the "next one?" poll
SLOT_NOTICE = timedelta(days=1)  # the least time ahead a slot is offered, to vote on it


def next_slots(event: Event, tz: ZoneInfo, now: datetime,
               skip: Collection[datetime] = ()) -> list[tuple[str, datetime]]:
    """The next weeks at the event's weekday and local time, each as the poll will read it.
    A week whose wall time a DST change skips or repeats is left out (the poll would show it
    as bare text, and `when=poll:` would refuse it), and so is one less than a day ahead (the
    poll closes the day before its first slot), and a time in `skip`: its series' occurrence
    then was cancelled, so that time was said not to suit."""
    # To the minute, as the poll shows a slot and reads it back: a start with seconds ("in 3
    # hours" on a real clock) would otherwise never equal its own reading, leaving no slot.
    local = event.starts_at.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    out: list[tuple[str, datetime]] = []
    for weeks in range(1, 60):
        at = local + timedelta(weeks=weeks)
        said = at.strftime("%Y-%m-%d %H:%M")
        aware = aware_at(at, tz)
        if aware - SLOT_NOTICE > now and aware not in skip and read_time(said, tz, now) == aware:
            out.append((said, aware))
        if len(out) == SLOTS:
            break
    return out


def goes_on(conn: sqlite3.Connection, event: Event) -> bool:
    """Whether a later occurrence of the event's series will be held: its rule has one to come
    not made yet, or one made later is not cancelled, also of a series it went on as at a new time
    of day (`follows`). A rule's time whose occurrence was cancelled is no meetup to come."""
    if event.series_id is None:
        return False
    for sid in series_repo.chain(conn, event.series_id):
        s = series_repo.get(conn, sid)
        if s is not None and series_repo.to_come(conn, s, event.starts_at):
            return True
        if any(e.starts_at > event.starts_at and not e.cancelled for e in series_repo.occurrence_events(conn, sid)):
            return True
    return False
