"""Model-based, linked spaces (PRODUCT.md "Linked spaces"): two spaces on two platforms linked
with `link`/`link <code>`, one event made in either, random RSVPs (reactions on each side's own
card, `rsvp` in either), capacity edits and a cancel; after each step both cards and
`event attendees` on both sides show the one tally, capacity and waitlist of the reference model
(model_kit.py), the people of the other platform named with it, and promotions and waitlist
places are told to each person where they are."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.adapter import Capabilities
from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link
from tests.unit.model_kit import (
    EMOJI,
    START,
    EventModel,
    expect_lists,
    in_fresh_dir,
    mentioned,
    model_settings,
    new_since,
    read_lists,
)

LABELS = {"alpha": "Alpha", "beta": "Beta"}
# "sam" is on both platforms: two people, each named with their platform on the other's card.
PEOPLE = ("alpha:ann", "alpha:sam", "alpha:amy", "beta:bea", "beta:sam", "beta:bob")
WHEN = '"2026-11-26 18:00"'
SAID = {"going": "You're going to", "maybe": "You're a maybe for", "no": "You're not going to"}
STEPS = ("react", "react", "react", "unreact", "unreact", "rsvp", "rsvp", "capacity", "cancel")


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


async def history(where: str, data: st.DataObject) -> None:
    bot = await build_bot(f"{where}/l.db", clock=ManualClock(START), rate_limit=False)
    a, b = pair()
    sides = {"alpha": a, "beta": b}
    for fake in (a, b):
        bot.add_adapter(fake)
    await bot.start()
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
        for step in range(data.draw(st.integers(3, 30), label="steps")):
            kind = data.draw(st.sampled_from(STEPS), label=f"{step}: kind")
            who = data.draw(st.sampled_from(PEOPLE), label=f"{step}: who")
            home, _, name = who.partition(":")
            fake = sides[home]
            user = fake.user(name)
            marks = {p: len(f.log) for p, f in sides.items()}
            in_before, queue_before = model.going_in(), list(model.queue)
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
                [full] = await side.invoke("!event attendees 1", "viewer")
                expect_lists(read_lists(full.text), model, f"{at}, attendees on {platform}:\n{full.text}",
                             card=False, label=label_on(platform, everyone=True))

            in_after = model.going_in()
            actor = () if kind == "capacity" else (who,)
            promoted = [w for w in in_after if w not in in_before and w not in actor]
            demoted = [w for w in in_before if w not in in_after] if kind == "capacity" else []
            for platform, side in sides.items():
                said = new_since(side, marks[platform])
                texts = [s.text for s in said]
                mine = [w.partition(":")[2] for w in promoted if w.startswith(platform)]
                assert sorted(mentioned(said, "a spot opened up")) == sorted(mine), f"{at}, {platform}: {texts}"
                mine = [w.partition(":")[2] for w in demoted if w.startswith(platform)]
                assert sorted(mentioned(said, "moved to the waitlist")) == sorted(mine), f"{at}, {platform}: {texts}"
                mine = [w.partition(":")[2] for w in told if w.startswith(platform)]
                assert mentioned(said, "on the waitlist; I'll tell you") == mine, f"{at}, {platform}: {texts}"
    finally:
        await bot.stop()


@model_settings(examples=25)
@given(st.data())
def test_linked_rsvps_show_one_tally_on_both_sides(data: st.DataObject) -> None:
    in_fresh_dir(lambda where: history(where, data))
