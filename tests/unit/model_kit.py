"""A small reference model of RSVPs, capacity, the waitlist and check-in, written from
PRODUCT.md ("Reactions", "Capacity and waitlist", "Turnout"), and what the bot shows read
back as plain text: the model-based tests (test_model_*.py) compare the two after each step.

The model knows nothing of the bot's tables: a person's answer is their most recent RSVP
still present (a reaction they have not taken back, or their last `rsvp` command); the going
queue is the order in which people last became going; the first `capacity` of it are in."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, seed, settings

from bot.testing import FakeAdapter, Sent

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
EMOJI = {"✅": "going", "🤔": "maybe", "❌": "no"}
# Set, the derandomized tests draw other examples (tests/reliability/test_fuzz.py does the same).
SEED = os.environ.get("RELIABILITY_SEED")


def model_settings(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A fixed, modest run: the same examples every time unless RELIABILITY_SEED says otherwise."""
    def wrap(test: Callable[..., None]) -> Callable[..., None]:
        # No "explain" phase: on a failure it replays the history many times over, for little.
        test = settings(max_examples=examples, deadline=None, database=None, derandomize=SEED is None,
                        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])(test)
        return seed(int(SEED))(test) if SEED else test
    return wrap


def in_fresh_dir(scenario: Callable[[str], Coroutine[Any, Any, None]]) -> None:
    """Run one example's scenario on its own database file, in a loop of its own."""
    # In memory where the system has it: the examples commit often, and a disk's syncs are
    # what they would wait for (the files are the same SQLite files either way).
    shm = "/dev/shm"
    with tempfile.TemporaryDirectory(dir=shm if os.path.isdir(shm) else None) as where:
        asyncio.run(scenario(where))


@dataclass
class Person:
    """One person's RSVP marks, oldest first: (how, status), how being 'text' (`rsvp` or a
    button) or 'reaction <card>' (the same reaction on two cards of the event is two marks)."""

    marks: list[tuple[str, str]] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.marks[-1][1] if self.marks else None


@dataclass
class EventModel:
    capacity: int | None
    people: dict[str, Person] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)  # the going, in the order they became going
    here: dict[str, tuple[int, str]] = field(default_factory=dict)  # who: (when, 'reaction'|'command')
    pins: set[tuple[str, str]] = field(default_factory=set)  # (who, card): a 📍 reaction on it
    cancelled: bool = False

    def status(self, who: str) -> str | None:
        return self.people[who].status if who in self.people else None

    def going_in(self) -> list[str]:
        return self.queue if self.capacity is None else self.queue[:self.capacity]

    def waitlist(self) -> list[str]:
        return [] if self.capacity is None else self.queue[self.capacity:]

    def _set(self, who: str, change: Callable[[Person], None]) -> None:
        person = self.people.setdefault(who, Person())
        before = person.status
        change(person)
        after = person.status
        if before != "going" and after == "going":
            self.queue.append(who)
        elif before == "going" and after != "going":
            self.queue.remove(who)

    def react(self, who: str, status: str, added: bool, card: str = "") -> None:
        def change(p: Person) -> None:
            mark = (f"reaction {card}", status)
            if added and mark not in p.marks:
                p.marks.append(mark)
            elif not added and mark in p.marks:
                p.marks.remove(mark)
        self._set(who, change)

    def say(self, who: str, status: str) -> None:
        """`rsvp`: replaces the person's earlier `rsvp` and is their latest answer."""
        def change(p: Person) -> None:
            p.marks[:] = [m for m in p.marks if m[0] != "text"] + [("text", status)]
        self._set(who, change)

    def of(self, status: str) -> list[str]:
        return sorted(w for w, p in self.people.items() if p.status == status)

    def pin(self, who: str, added: bool, at: int, card: str = "") -> None:
        """A 📍 on a card, or taken off it: a check-in by reaction lasts while a card carries one."""
        if added:
            self.pins.add((who, card))
            self.here.setdefault(who, (at, "reaction"))
        else:
            self.pins.discard((who, card))
            if self.here.get(who, (0, ""))[1] == "reaction" and not any(w == who for w, _ in self.pins):
                del self.here[who]

    def check_in(self, who: str, at: int) -> bool:
        """`checkin`: False when the person was checked in already (a 📍 one now stands)."""
        if who in self.here:
            self.here[who] = (self.here[who][0], "command")
            return False
        self.here[who] = (at, "command")
        return True

    def here_in_order(self) -> list[str]:
        return [w for w, _ in sorted(self.here.items(), key=lambda kv: (kv[1][0], kv[0]))]


# --- what the bot shows ---------------------------------------------------------------------

HEADING = re.compile(r"^(Going|Maybe|Waitlist|Not going|Here) \((\d+)(?:/(\d+))?\):?$")


@dataclass(frozen=True)
class Shown:
    """A card's or `event attendees`' lists: heading -> (count, capacity or None, names)."""

    lists: dict[str, tuple[int, int | None, list[str]]]

    def names(self, heading: str) -> list[str]:
        return self.lists[heading][2] if heading in self.lists else []


def read_lists(text: str) -> Shown:
    """Each `Heading (n)` or `Heading (n/cap)` line and the names line after it."""
    lines = text.splitlines()
    found: dict[str, tuple[int, int | None, list[str]]] = {}
    for i, raw in enumerate(lines):
        m = HEADING.match(raw.strip())
        if m is None:
            continue
        assert m.group(1) not in found, f"{m.group(1)} twice:\n{text}"
        names_line = lines[i + 1].strip() if i + 1 < len(lines) else ""
        names = [] if names_line == "—" else names_line.split(", ")
        found[m.group(1)] = (int(m.group(2)), int(m.group(3)) if m.group(3) else None, names)
    return Shown(found)


def expect_lists(shown: Shown, model: EventModel, where: str, *, card: bool,
                 label: Callable[[str], str] = lambda who: who) -> None:
    """The lists shown are exactly the model's: counts, capacity, names and their order (the
    going and the waitlist in order; maybe and not going as sets: no order is promised)."""
    going, wait = model.going_in(), model.waitlist()
    want: dict[str, tuple[int, int | None, list[str]]] = {
        "Going": (len(going), model.capacity, [label(w) for w in going]),
        "Maybe": (len(model.of("maybe")), None, sorted(label(w) for w in model.of("maybe"))),
    }
    if wait:
        want["Waitlist"] = (len(wait), None, [label(w) for w in wait])
    no = model.of("no")
    if no or not card:  # the card leaves out an empty "Not going"; the full lists always say it
        want["Not going"] = (len(no), None, sorted(label(w) for w in no))
    got = {k: (n, cap, sorted(names) if k in ("Maybe", "Not going") else names)
           for k, (n, cap, names) in shown.lists.items() if k != "Here"}
    assert got == want, f"{where}: shown {got}, model {want}"


def expect_here(shown: Shown, model: EventModel, where: str, *, even_empty: bool,
                label: Callable[[str], str] = lambda who: who, card: bool = False) -> None:
    """`Here (n)` and the names by time of check-in (then by who); `even_empty`: the card
    while check-in is open shows the heading with nobody yet. A cancelled event's card shows
    no check-in at all: nobody checks in to it (the full lists still say who did)."""
    if card and model.cancelled:
        assert "Here" not in shown.lists, f"{where}: {shown.lists}"
        return
    if not even_empty and not model.here:
        assert "Here" not in shown.lists, f"{where}: {shown.lists}"
        return
    want = [label(w) for w in model.here_in_order()]
    assert shown.lists.get("Here") == (len(want), None, want), f"{where}: shown {shown.lists.get('Here')}, model {want}"


def mentioned(messages: Sequence[Sent], needle: str) -> list[str]:
    """The people mentioned by the messages that contain `needle`, in order."""
    return [m.id for s in messages if needle in s.text for m in s.out.mentions]


def new_since(fake: FakeAdapter, mark: int) -> list[Sent]:
    return [s for s in fake.log[mark:] if not s.ephemeral and s.to_user is None]
