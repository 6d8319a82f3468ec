"""Event cards, notices and the .ics file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.bidi import isolate
from bot.durations import span_text
from bot.model import user_from_key
from bot.render import (
    Action,
    Attachment,
    Card,
    Field,
    Inline,
    Line,
    Link,
    Mention,
    Text,
    Time,
    line,
    list_line,
)

# OWN, looks and _named are read from here by the rest of the cog too.
from .names import OWN as OWN
from .names import _named as _named
from .names import looks as looks
from .names import told_apart_parts
from .repo import Attendee, Event, Roster
from .turnout_render import HERE, Presence, goal_field, here_field
from .upcoming import Entry, Next

EMOJI = {"✅": "going", "🤔": "maybe", "❌": "no"}
CARD_NAMES = 40  # names per list on a card; `event attendees` shows everyone


def names_line(people: tuple[Attendee, ...], total: int | None = None, limit: int = CARD_NAMES,
               labels: Mapping[str, str] | None = None) -> Line:
    """Names, at most `limit` entries, the last one saying how many more there are of
    `total` (people may hold only the first few of them). `labels` (platform -> its name)
    says where people are from, for an event shared between linked spaces."""
    total = len(people) if total is None else total
    if not total:
        return line("—")
    # The count and the names may come from reads a write fell between: the count (in the
    # field's heading too) rules, and the next refresh of the card shows both anew.
    shown = people[:min(limit if total <= limit else limit - 1, total)]
    # The name and what the bot adds after it (a platform, an ID) as parts of their own, so a
    # name's bidi isolate holds only the name (bot/bidi.py).
    return list_line(told_apart_parts(shown, labels), total - len(shown))


def going_label(event: Event, roster: Roster) -> str:
    n = roster.counts()[0]
    return f"Going ({n}/{event.capacity})" if event.capacity is not None else f"Going ({n})"


def event_card(event: Event, roster: Roster, *, prefix: str = "!", buttons: bool = False,
               now: datetime | None = None, page: str | None = None, interested: int = 0,
               labels: Mapping[str, str] | None = None, presence: Presence | None = None,
               repeats: str | None = None) -> Card:
    body: list[Line] = [line("🕒 ", Time(event.starts_at, relative=not event.cancelled)),
                        line("   until ", Time(event.ends_at))]
    if repeats:
        body.append(line("🔁 Repeats ", repeats))
    if event.location:
        body.append(line("📍 ", event.location))
    if event.details:
        body.append(line(event.details))
    if page:
        body.append(line("🔗 ", Link(page)))
    going_n, wait_n, maybe_n, no_n = roster.counts()
    fields = [Field(going_label(event, roster), (names_line(roster.going, going_n, labels=labels),), inline=True)]
    if presence is not None and presence.open:  # check-in has opened (turnout.py)
        fields.append(here_field(presence, names_line(presence.here, presence.count, labels=labels),
                                 f"{prefix}checkin {event.id}"))
    fields.append(Field(f"Maybe ({maybe_n})", (names_line(roster.maybe, maybe_n, labels=labels),), inline=True))
    if wait_n:
        fields.append(Field(f"Waitlist ({wait_n})", (names_line(roster.waitlist, wait_n, labels=labels),),
                            inline=True))
    if no_n:
        fields.append(Field(f"Not going ({no_n})", (names_line(roster.no, no_n, labels=labels),), inline=True))
    if interested:
        # Marked on the platform's own event list: a count only, the RSVPs stay the truth.
        fields.append(Field(f"Interested ({interested})", (line("in the event list"),), inline=True))
    if event.goal:
        fields.append(goal_field(going_n, event.goal))
    ended = now is not None and event.over(now)
    live = not event.cancelled and not ended
    checkin = live and presence is not None and presence.open
    actions = (Action(f"rsvp:{event.id}:going", "Going", "success", "✅"),
               Action(f"rsvp:{event.id}:maybe", "Maybe", "secondary", "🤔"),
               Action(f"rsvp:{event.id}:no", "Not going", "danger", "❌")) if live and buttons else ()
    return Card(
        title=f"📅 {isolate(event.title)}" + (" (cancelled)" if event.cancelled else ""),
        ref=f"#{event.id}",
        body=tuple(body),
        fields=tuple(fields),
        footer=(f"React ✅ going · 🤔 maybe · ❌ not going, or {prefix}rsvp {event.id} going" if live else
                "It has ended." if ended else "It takes no more RSVPs.")
        + (f" · Here? React {HERE} or {prefix}checkin {event.id}" if checkin else ""),
        actions=actions,
        reactions=(*EMOJI, *((HERE,) if checkin else ())) if live else (),  # over: nothing to answer
        color=0x57F287 if live else 0xED4245,
    )


MENTIONED = 50  # people mentioned in one message: a platform may take no more in one


def mentions(people: tuple[Attendee, ...], platform: str, limit: int = MENTIONED) -> Line:
    parts: list[Inline] = []
    for i, p in enumerate(people[:limit]):
        parts.extend([" " if i else "", Mention(user_from_key(p.user, p.name))])
    if len(people) > limit:
        parts.append(f" and {len(people) - limit} more")
    return line(*parts)


def _reminder_head(event: Event, now: datetime) -> list[Inline]:
    if event.starts_at <= now:  # posted late, after the start (within `reminders.grace`)
        return ["⏰ Reminder: ", event.title, f" #{event.id} is on now: it starts ", Time(event.starts_at),
                f", {span_text(now - event.starts_at)} ago, and ends ", Time(event.ends_at)]
    return ["⏰ Reminder: ", event.title, f" #{event.id} starts in {span_text(event.starts_at - now)}, ",
            Time(event.starts_at)]


def reminder_text(event: Event, roster: Roster, now: datetime) -> Text:
    head = _reminder_head(event, now)
    if event.location:
        head += [" at ", event.location]
    lines = [line(*head, ".")]
    if roster.going:  # those beyond one message's mentions are mentioned next (going_too)
        lines.append(line("Going: ", *mentions(roster.going[:MENTIONED], event.platform)))
    return Text(tuple(lines))


def going_too(event: Event, roster: Roster, part: int) -> Text | None:
    """The `part`-th (from 1) further message of a reminder, mentioning the next of those going
    whom its first message had no room to mention; None when there are no more."""
    people = roster.going[part * MENTIONED:(part + 1) * MENTIONED]
    if not people:
        return None
    return Text((line("👥 Also going to ", event.title, f" #{event.id}: ", *mentions(people, event.platform)),))


def parts(going: int) -> int:
    """How many messages a reminder takes to mention `going` people."""
    return max(1, -(-going // MENTIONED))


def missed_text(event: Event, due: datetime, now: datetime) -> Text:
    when = (("it began ", Time(event.starts_at, relative=True), " and ends ", Time(event.ends_at))
            if event.starts_at <= now else ("it is on ", Time(event.starts_at, relative=True)))  # not "starts":
    return Text((line("⏰ Missed while offline: the reminder for ", event.title, f" #{event.id} was due ", Time(due),
                      " and was not posted; ", *when, "."),))  # that word marks a reminder


def reminder_dm_text(event: Event, now: datetime) -> Text:
    """The reminder as a direct message: the same news, for one person."""
    where = (" at ", event.location) if event.location else ()
    return Text((line(*_reminder_head(event, now), *where, "."),))


def promoted_text(event: Event, person: Attendee) -> Text:
    return Text((line("🎉 ", Mention(user_from_key(person.user, person.name)),
                      " a spot opened up: you're in for ", event.title, f" #{event.id}."),))


def moved_text(event: Event, roster: Roster) -> Text:
    # Not "starts", the word that marks a reminder: this is news of a change.
    lines = [line("🕒 ", event.title, f" #{event.id} has a new time: ", Time(event.starts_at, relative=True), ".")]
    people = roster.going + roster.waitlist + roster.maybe
    if people:
        lines.append(line("Heads up: ", *mentions(people, event.platform)))
    return Text(tuple(lines))


def placed_text(event: Event, roster: Roster) -> Text:
    lines = [line("📍 ", event.title, f" #{event.id} has moved: it is now at ", event.location or "a place to be told", ".")]
    people = roster.going + roster.waitlist + roster.maybe
    if people:
        lines.append(line("Heads up: ", *mentions(people, event.platform)))
    return Text(tuple(lines))


def demoted_text(event: Event, people: tuple[Attendee, ...]) -> Text:
    cap = event.capacity or 0
    return Text((line("⏳ ", event.title, f" #{event.id} now takes {cap} "
                      f"{'person' if cap == 1 else 'people'}, so ", *mentions(people, event.platform),
                      " moved to the waitlist (in the order you answered); I'll tell you when a spot opens."),))


def waitlisted_text(event: Event, person: Attendee, place: int) -> Text:
    return Text((line("⏳ ", Mention(user_from_key(person.user, person.name)), " ", event.title,
                      f" #{event.id} is full: you're number {place} on the waitlist; I'll tell you "
                      "when a spot opens."),))


def closed_reaction_text(event: Event, name: str, emoji: str) -> Text:
    """An RSVP reaction on the card of an event past answering: the name is plain text, as this
    is a warning to the one who clicked, not news for them."""
    why = " is cancelled, so it takes no RSVPs" if event.cancelled else " has ended, so it takes no more RSVPs"
    return Text((line("⚠️ ", name, ": " if name else "", event.title, f" #{event.id}{why}; your {emoji} "
                      "on its card does not count."),))


def cancelled_text(event: Event, roster: Roster) -> Text:
    lines = [line("❌ ", event.title, f" #{event.id} is cancelled.")]
    people = roster.going + roster.waitlist + roster.maybe
    if people:
        lines.append(line("Heads up: ", *mentions(people, event.platform)))
    return Text(tuple(lines))


def attendees_text(event: Event, roster: Roster, labels: Mapping[str, str] | None = None,
                   here: tuple[Attendee, ...] = ()) -> Text:
    big = 10_000
    # Each heading is a line of its own, the names the line after it: a platform may split a
    # long reply only between lines or names (bot/render.py, ListLine).
    lists = [(going_label(event, roster), roster.going), (f"Maybe ({len(roster.maybe)})", roster.maybe)]
    if roster.waitlist:
        lists.append((f"Waitlist ({len(roster.waitlist)})", roster.waitlist))
    lists.append((f"Not going ({len(roster.no)})", roster.no))
    if here:
        lists.append((f"Here ({len(here)})", here))
    lines = [line("📅 ", event.title, f" #{event.id}")]
    for heading, people in lists:
        lines += [line(f"{heading}:"), names_line(people, limit=big, labels=labels)]
    return Text(tuple(lines))


def list_text(entries: list[Entry], total: int, prefix: str, series: dict[int, str] | None = None) -> Text:
    if not entries:
        return Text((line(f"No upcoming events here. Start one with {prefix}event create."),))
    lines = [line(f"Upcoming events ({total}):" if total > len(entries) else "Upcoming events:")]
    for entry in entries:
        if isinstance(entry, Next):  # no id yet: nothing to RSVP to until it is posted
            s = entry.series
            lines.append(line(s.title, f" (🔁 {(series or {}).get(s.id, s.words)}, next: ", Time(entry.starts_at), ", not posted yet)",
                              *((" — ", s.location) if s.location else ())))
            continue
        event, roster = entry
        words = (series or {}).get(event.series_id or 0)
        when: tuple[Inline, ...] = ((f" (🔁 {words}, next: ", Time(event.starts_at), ")") if words
                                    else (" — ", Time(event.starts_at)))
        lines.append(line(f"#{event.id} ", event.title, *when,
                          *((" — ", event.location) if event.location else ()), f" — {going_label(event, roster)}"))
    if total > len(entries):
        lines.append(line(f"and {total - len(entries)} more later; {prefix}event show <id> shows any of them"))
    return Text(tuple(lines))


def ics(event: Event, tz: ZoneInfo, now: datetime) -> Attachment:
    from .feed import one_event

    return Attachment(f"event-{event.id}.ics", one_event(event, tz, now), "text/calendar",
                      caption=f"📅 {isolate(event.title)} #{event.id}: add it to your calendar")

