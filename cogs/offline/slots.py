"""The time slots a "take it offline" prompt proposes, in the space's zone, and when the poll
on them closes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# Time enough to vote before the first slot, and to get there: the poll closes this long
# before its first slot, and the first slot is at least `_FIRST_SLOT_LEAD` away.
_VOTE_BEFORE = timedelta(hours=2)
_FIRST_SLOT_LEAD = timedelta(hours=18)
_POLL_OPEN = timedelta(days=1)


def time_slots(now: datetime, tz: ZoneInfo) -> list[datetime]:
    """Three sociable slots in the next days, in the space's zone, the first one far enough
    ahead that the poll on them closes before it."""
    local = now.astimezone(tz)
    slots: list[datetime] = []
    day = local.date() + timedelta(days=1)
    while len(slots) < 3:
        weekend = day.weekday() >= 5
        at = datetime(day.year, day.month, day.day, 11 if weekend else 18, 0 if weekend else 30,
                      tzinfo=tz)
        day += timedelta(days=1)
        if not slots and at - now < _FIRST_SLOT_LEAD:
            continue
        slots.append(at)
        if len(slots) == 2:
            day += timedelta(days=1)
    return slots


def slot_labels(slots: list[datetime]) -> list[str]:
    return [s.strftime("%Y-%m-%d %H:%M") for s in slots]


def slot_poll_closes(now: datetime, slots: list[datetime]) -> datetime:
    """A day from now, or earlier if that is needed to close before the first slot."""
    return min(now + _POLL_OPEN, slots[0] - _VOTE_BEFORE)
