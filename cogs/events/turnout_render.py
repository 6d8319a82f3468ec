"""What turnout says: the card's goal and check-in fields, check-in replies and notes, the
thank-you after an event, and the `stats` summary. Counts and names of the event's own
people only; never anything anyone wrote in the chat."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from bot.model import user_from_key
from bot.render import Field, Line, Mention, Text, Time, line

from .chart import MAX_BARS
from .checkin_repo import Turnout
from .names import shown_name
from .repo import Attendee, Event

HERE = "📍"
BAR = 10
SHOWN = 15  # events listed by `stats`; the chart has its own limit


@dataclass(frozen=True, slots=True)
class Presence:
    """Check-in on a card: whether it has opened, and who is here (the first of them)."""

    open: bool
    here: tuple[Attendee, ...] = ()
    count: int = 0
    early: int = 0  # people whose 📍 on a card is from before check-in opened: it does not count


def bar(n: int, total: int) -> str:
    filled = min(BAR, round(BAR * n / total)) if total else 0
    return "█" * filled + "░" * (BAR - filled)


def goal_field(going: int, goal: int) -> Field:
    left = goal - going
    said = "🎉 goal reached" if left <= 0 else f"{left} more to go"
    return Field(f"Goal ({going}/{goal})", (line(f"{bar(going, goal)} {said}"),), inline=True)


def here_field(presence: Presence, names: Line, checkin: str) -> Field:
    """`checkin`: the command that checks one in, as typed here ("!checkin 4")."""
    if not presence.early:
        return Field(f"Here ({presence.count})", (names,), inline=True)
    n = presence.early
    # The command, not "react again": a 📍 put back while the bot was away reads just like the
    # old one, so only the command is sure to count.
    note = line(f"({n} {HERE} from before check-in opened {'does' if n == 1 else 'do'} not count: "
                f"say {checkin} to check in)")
    return Field(f"Here ({presence.count})", (names, note), inline=True)


def last(days: int) -> str:
    return "last day" if days == 1 else f"last {days} days"


NOBODY_GOING = "none (nobody was going)"


def percent(rate: Fraction | None) -> str:
    """A whole percentage, a half rounded up (Python's round() would take 12.5 to 12 but 37.5 to 38);
    where nobody was going there is no share to give, and that is said rather than a number."""
    return NOBODY_GOING if rate is None else f"{math.floor(rate * 100 + Fraction(1, 2))}%"


def checked_in_text(event: Event, who: Attendee | None, labels: Mapping[str, str] | None = None) -> Text:
    """The reply to `checkin`: `who` is someone checked in by the creator or a moderator, named
    as the card where the reply appears shows them (`labels`, that card's: `Audience.labels`)."""
    if who is None:
        return Text((line(f"{HERE} You're checked in at ", event.title, f" #{event.id}. Welcome!"),))
    return Text((line(f"{HERE} Checked in ", shown_name(who, labels), " at ", event.title,
                      f" #{event.id}."),))


def already_text(event: Event, who: Attendee | None, labels: Mapping[str, str] | None = None) -> Text:
    whom = "You were" if who is None else f"{shown_name(who, labels)} was"
    return Text((line(f"{whom} already checked in at ", event.title, f" #{event.id}."),))


def not_open_text(event: Event, person: Attendee, opens: datetime | None, prefix: str) -> Text:
    """A 📍 reaction before check-in opened or after the event: said to that person. The way in
    offered is the command: a 📍 taken off and put back while the bot is away cannot be told
    from the early one."""
    who = Mention(user_from_key(person.user, person.name))
    if opens is not None:
        return Text((line("⚠️ ", who, " check-in for ", event.title, f" #{event.id} opens ", Time(opens),
                          f"; a {HERE} from before then does not count: once it opens, say "
                          f"{prefix}checkin {event.id} to check in."),))
    return Text((line("⚠️ ", who, " ", event.title, f" #{event.id} ended ", Time(event.ends_at),
                      "; check-in closed then."),))


def thanks_text(event: Event, *, going: int, here: int, poll_id: int | None, prefix: str) -> Text:
    """After the event: how many came (checked in, or said they'd go when nobody checked in)."""
    if here:
        came = f"{here} {'person' if here == 1 else 'people'} checked in"
        if going:
            came += f" ({going} said they'd go)"
    else:
        came = f"{going} {'person' if going == 1 else 'people'} said they'd go"
    lines = [line("🙏 Thanks for coming to ", event.title, f" #{event.id}: {came}.")]
    if poll_id is not None:
        lines.append(line(f"Next one? Vote on poll #{poll_id} for a week at the same time; then "
                          f"{prefix}event create ", typed_title(event.title), f" when=poll:{poll_id} makes it."))
    return Text(tuple(lines))


_SPECIAL = set('"\\|=“”„‘’')  # what the command parser reads as more than a character of the text
_ESCAPED = re.compile('([\\\\"|“”„‘’])')


def typed_title(title: str) -> str:
    """The title as a command line reads it back the same: as it is when the parser would take
    each word as typed, else double-quoted with a backslash before what ends or escapes a quoted
    part (a smart quote, read as a plain one, too). The parser groups a quote opening a word, takes
    a backslash as an escape and `name=` as an option, and collapses spaces."""
    words = title.split(" ")
    if all(w and not _SPECIAL & set(w) and not w.startswith("'") and not any(c.isspace() for c in w)
           and any(unicodedata.category(c) != "Cf" for c in w) for w in words):
        return title
    return '"' + _ESCAPED.sub(r"\\\1", title) + '"'


def stats_text(rows: list[Turnout], days: int) -> Text:
    """Events held in the last `days`, each with going, checked in and show-up rate, then overall."""
    if not rows:
        return Text((line(f"📊 No events ended here in the {last(days)}, so there is no "
                          "turnout to show yet."),))
    going = sum(r.going for r in rows)
    here = sum(r.here for r in rows)
    rate = Fraction(sum(r.came for r in rows), going) if going else None
    lines = [line(f"📊 Turnout in the {last(days)}: {len(rows)} event{'s' if len(rows) != 1 else ''} "
                  f"held, {going} going, {here} checked in, show-up rate {percent(rate)}.")]
    for r in rows[-SHOWN:]:
        lines.append(line(f"#{r.event.id} ", r.event.title, " — ", Time(r.event.starts_at),
                          f" — going {r.going}, here {r.here}, show-up {percent(r.rate)}"))
    if len(rows) > SHOWN:
        lines.append(line(earlier_text(len(rows))))
    lines.append(line("Show-up rate: of those going, the share who checked in."))
    return Text(tuple(lines))


def earlier_text(held: int) -> str:
    """The events `stats` does not list: the chart carries only the latest MAX_BARS, so the
    earliest beyond those are in the totals alone, and that is said."""
    earlier = held - SHOWN
    ones = "one" if earlier == 1 else "ones"
    left = max(0, held - MAX_BARS)
    if not left:
        return f"and {earlier} earlier {ones} (in the chart)"
    charted = earlier - left
    earliest = "the earliest" if left == 1 else f"the {left} earliest"
    if not charted:
        return f"and {earlier} earlier {ones}, only in the totals"
    return f"and {earlier} earlier {ones}: {charted} in the chart, {earliest} only in the totals"
