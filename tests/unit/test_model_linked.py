"""Model-based, linked spaces (PRODUCT.md "Linked spaces"): two spaces on two platforms linked
with `link`/`link <code>`, one event made in either, random RSVPs (reactions on each side's own
card, `rsvp` in either, and while the bot is away), capacity edits and a cancel; after each step both cards and
`event attendees` on both sides show the one tally, capacity and waitlist of the reference model
(model_kit.py), the people of the other platform named with it, and promotions and waitlist
places are told to each person where they are. The same for a poll's votes: one tally on both
cards and in `poll results` on both sides."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.adapter import Capabilities
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link
from tests.unit.model_kit import (
    EMOJI,
    START,
    EventModel,
    expect_here,
    expect_lists,
    in_fresh_dir,
    mentioned,
    model_settings,
    new_since,
    read_lists,
)
from tests.unit.test_model_polls import NUMBERS as POLL_NUMBERS
from tests.unit.test_model_polls import PollModel
from tests.unit.test_model_polls import expect as expect_poll

LABELS = {"alpha": "Alpha", "beta": "Beta"}
# "sam" is on both platforms: two people, each named with their platform on the other's card.
PEOPLE = ("alpha:ann", "alpha:sam", "alpha:amy", "beta:bea", "beta:sam", "beta:bob")
WHEN = '"2026-11-26 18:00"'
SAID = {"going": "You're going to", "maybe": "You're a maybe for", "no": "You're not going to"}
STEPS = ("react", "react", "react", "unreact", "unreact", "rsvp", "rsvp", "capacity", "cancel", "restart",
         "open", "pin", "unpin", "checkin")
TO_WINDOW = timedelta(days=3, hours=8, minutes=30)  # check-in opens 30m before the start
# While the bot is away: one change per person (the platforms keep no order of reactions), on
# either platform or both, half of them taking back a reaction the person has (what frees a place
# or leaves the waitlist). The bot reads each platform's cards in turn, in the order its adapters
# start (Alpha's, then Beta's), so the people who became going meanwhile queue in that order; a
# place freed on the first goes to someone on the second only as the second's reading has it.
AWAY = st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(sorted(EMOJI)), st.booleans()),
                min_size=1, max_size=4, unique_by=lambda change: change[0])


def away(data: st.DataObject, model: EventModel, label: str) -> list[tuple[str, str, bool]]:
    """The changes made while the bot is away: (person, emoji, added)."""
    changes = []
    for person, emoji, added in data.draw(AWAY, label=label):
        has = [e for e, status in sorted(EMOJI.items())
               if person in model.people and ("reaction ", status) in model.people[person].marks]
        takes_back: bool = data.draw(st.booleans(), label=f"{label}: {person} takes one back") if has else False
        if takes_back:
            emoji, added = data.draw(st.sampled_from(has), label=f"{label}: {person} takes back"), False
        changes.append((person, emoji, added))
    return changes


def pair() -> tuple[FakeAdapter, FakeAdapter]:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(buttons=True, ephemeral=True, edits_per_window=0,
                                              direct_messages=True, label="Alpha"))
    b = FakeAdapter("beta", space="room", channel="room",
                    capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Beta"))
    return a, b


def label_on(platform: str, *, everyone: bool = False):  # type: ignore[no-untyped-def]
    """How `platform`'s lists name a person: with their platform where it is not that one
    (`everyone`: the full lists name every platform)."""
    def label(who: str) -> str:
        home, _, name = who.partition(":")
        return f"{name} ({LABELS[home]})" if everyone or home != platform else name
    return label


async def linked_bot(path: str, clock: ManualClock, *sides: FakeAdapter) -> Bot:
    """A bot on `path` serving both sides, started (again, after a restart)."""
    bot = await build_bot(path, clock=clock, rate_limit=False)
    for side in sides:
        bot.add_adapter(side)
    await bot.start()
    return bot


async def history(where: str, data: st.DataObject) -> None:
    clock = ManualClock(START)
    a, b = pair()
    sides = {"alpha": a, "beta": b}
    bot = await linked_bot(f"{where}/l.db", clock, a, b)
    try:
        await link(a, b)
        made_on = data.draw(st.sampled_from(sorted(sides)), label="made on")
        capacity = data.draw(st.sampled_from([None, 1, 2, 3]), label="capacity")
        made = f"!event create Picnic when={WHEN}" + (f" capacity={capacity}" if capacity else "")
        replies = await sides[made_on].invoke(made, "maker")
        await bot.settle()
        cards: dict[str, Sent] = {p: next(s for s in f.cards() if "#1" in s.text) for p, f in sides.items()}
        assert cards[made_on] is replies[0]
        model = EventModel(capacity)
        is_open, pinned, minute = False, False, 0
        for step in range(data.draw(st.integers(3, 30), label="steps")):
            kind = data.draw(st.sampled_from(STEPS), label=f"{step}: kind")
            who = data.draw(st.sampled_from(PEOPLE), label=f"{step}: who")
            home, _, name = who.partition(":")
            fake = sides[home]
            user = fake.user(name)
            marks = {p: len(f.log) for p, f in sides.items()}
            in_before, wait_before, queue_before = model.going_in(), model.waitlist(), list(model.queue)
            told: list[str] = []
            if kind in ("react", "unreact"):
                emoji = data.draw(st.sampled_from(sorted(EMOJI)), label=f"{step}: emoji")
                await fake.react(cards[home], emoji, user, added=kind == "react")
                if not model.cancelled:
                    model.react(who, EMOJI[emoji], kind == "react")
                    if who in model.waitlist() and who not in queue_before:
                        told = [who]
            elif kind == "rsvp":
                status = data.draw(st.sampled_from(["going", "maybe", "no"]), label=f"{step}: status")
                [reply] = await fake.invoke(f"!rsvp 1 {status}", user)
                if model.cancelled:
                    assert reply.text.startswith("⚠️"), reply.text
                else:
                    model.say(who, status)
                    if who in model.waitlist():
                        assert f"(number {model.waitlist().index(who) + 1})" in reply.text, reply.text
                    else:
                        assert SAID[status] in reply.text, reply.text
            elif kind == "capacity":
                new = data.draw(st.integers(0, 4), label=f"{step}: new capacity")
                [reply, *_] = await fake.invoke(f"!event edit 1 capacity={new}", f"mod{home}", mod=True)
                if model.cancelled:
                    assert reply.text.startswith("⚠️"), reply.text
                else:
                    assert reply.text.startswith("✅ Updated"), reply.text
                    model.capacity = new or None
            elif kind == "restart":
                await bot.stop()
                changes = away(data, model, f"{step}: while away")
                for person, emoji, added in changes:
                    side = sides[person.partition(":")[0]]
                    await side.react(cards[side.platform], emoji, side.user(person.partition(":")[2]),
                                     added=added, dispatch=False)
                bot = await linked_bot(f"{where}/l.db", clock, a, b)
                if not model.cancelled:  # each platform's cards read in turn, their people in order
                    for person, emoji, added in sorted(changes):
                        model.react(person, EMOJI[emoji], added)
            elif kind == "open":
                if is_open:
                    continue
                await bot.advance(TO_WINDOW)
                is_open, pinned = True, not model.cancelled
            elif kind in ("pin", "unpin", "checkin"):
                if not is_open:
                    continue
                minute += 1
                await bot.advance(timedelta(minutes=1))
                if kind == "checkin":
                    [reply] = await fake.invoke("!checkin 1", user)
                    assert reply.text.startswith("⚠️") == model.cancelled, reply.text
                    if not model.cancelled:
                        model.check_in(who, minute)
                else:
                    await fake.react(cards[home], "📍", user, added=kind == "pin")
                    if not model.cancelled:
                        model.pin(who, kind == "pin", minute)
            elif kind == "cancel":
                if model.cancelled:
                    continue
                [reply, *_] = await fake.invoke("!event cancel 1", f"mod{home}", mod=True)
                assert reply.text.startswith("✅ Cancelled"), reply.text
                model.cancelled = True
            await bot.settle()
            at = f"step {step} ({kind} by {who})"

            for platform, side in sides.items():
                shown = side.messages[cards[platform].id].text
                expect_lists(read_lists(shown), model, f"{at}, {platform}'s card:\n{shown}", card=True,
                             label=label_on(platform))
                expect_here(read_lists(shown), model, f"{at}, {platform}'s card:\n{shown}", even_empty=pinned,
                            label=label_on(platform), card=True)
                [full] = await side.invoke("!event attendees 1", "viewer")
                expect_lists(read_lists(full.text), model, f"{at}, attendees on {platform}:\n{full.text}",
                             card=False, label=label_on(platform, everyone=True))
                expect_here(read_lists(full.text), model, f"{at}, attendees on {platform}:\n{full.text}",
                            even_empty=False, label=label_on(platform, everyone=True))

            in_after = model.going_in()
            promoted = [w for w in in_after if w in wait_before]
            demoted = [w for w in in_before if w not in in_after] if kind == "capacity" else []
            for platform, side in sides.items():
                said = new_since(side, marks[platform])
                texts = [s.text for s in said]
                mine = [w.partition(":")[2] for w in promoted if w.startswith(platform)]
                assert sorted(mentioned(said, "a spot opened up")) == sorted(mine), f"{at}, {platform}: {texts}"
                mine = [w.partition(":")[2] for w in demoted if w.startswith(platform)]
                assert sorted(mentioned(said, "moved to the waitlist")) == sorted(mine), f"{at}, {platform}: {texts}"
                mine = [w.partition(":")[2] for w in told if w.startswith(platform)]
                assert kind == "restart" or mentioned(said, "on the waitlist; I'll tell you") == mine, f"{at}, {platform}: {texts}"
    finally:
        await bot.stop()


@model_settings(examples=50)
@given(st.data())
def test_linked_rsvps_show_one_tally_on_both_sides(data: st.DataObject) -> None:
    in_fresh_dir(lambda where: history(where, data))


POLL_STEPS = ("react", "react", "unreact", "vote", "vote", "restart")
VOTES_AWAY = st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 3), st.booleans()),
                      min_size=1, max_size=4, unique_by=lambda change: change[0])


async def poll_history(where: str, data: st.DataObject) -> None:
    clock = ManualClock(START)
    a, b = pair()
    sides = {"alpha": a, "beta": b}
    bot = await linked_bot(f"{where}/p.db", clock, a, b)
    try:
        await link(a, b)
        made_on = data.draw(st.sampled_from(sorted(sides)), label="made on")
        options = data.draw(st.integers(2, 4), label="options")
        multi = data.draw(st.booleans(), label="multi")
        line = "!poll create Where " + " | ".join("ABCD"[:options]) + (" multi=yes" if multi else "")
        await sides[made_on].invoke(line, "maker")
        await bot.settle()
        cards = {p: next(s for s in f.cards() if "#1" in s.text) for p, f in sides.items()}
        model = PollModel(options, multi)
        steps = data.draw(st.integers(3, 25), label="steps")
        closing = data.draw(st.integers(steps // 2, steps), label="closed at")  # late: votes first
        for step in range(steps):
            kind = "close" if step == closing else data.draw(st.sampled_from(POLL_STEPS), label=f"{step}: kind")
            who = data.draw(st.sampled_from(PEOPLE), label=f"{step}: who")
            option = data.draw(st.integers(0, options - 1), label=f"{step}: option")
            home, _, name = who.partition(":")
            fake = sides[home]
            if kind in ("react", "unreact"):
                await fake.react(cards[home], POLL_NUMBERS[option], fake.user(name), added=kind == "react")
                if not model.closed:
                    model.react(who, option, kind == "react")
            elif kind == "vote":
                [reply] = await fake.invoke(f"!poll vote 1 {option + 1}", name)
                assert reply.text.startswith("⚠️") == model.closed, reply.text
                if not model.closed:
                    model.vote(who, option)
            elif kind == "close":
                if model.closed:
                    continue
                await fake.invoke("!poll close 1", f"mod{home}", mod=True)
                model.closed = True
            elif kind == "restart":
                await bot.stop()
                away = data.draw(VOTES_AWAY, label=f"{step}: while away")
                for person, n, added in away:
                    side = sides[person.partition(":")[0]]
                    await side.react(cards[side.platform], POLL_NUMBERS[n % options],
                                     side.user(person.partition(":")[2]), added=added, dispatch=False)
                bot = await linked_bot(f"{where}/p.db", clock, a, b)
                if not model.closed:
                    for person, n, added in sorted(away):
                        model.react(person, n % options, added)
            await bot.settle()
            for platform, side in sides.items():
                [results] = await side.invoke("!poll results 1", "viewer")
                expect_poll(side.messages[cards[platform].id], results, model,
                            f"step {step} ({kind} {option + 1} by {who}), {platform}")
    finally:
        await bot.stop()


@model_settings(examples=50)
@given(st.data())
def test_linked_votes_show_one_tally_on_both_sides(data: st.DataObject) -> None:
    in_fresh_dir(lambda where: poll_history(where, data))
