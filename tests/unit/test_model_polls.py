"""Model-based: random histories of votes on one poll (number reactions and their removal, also
while the bot is away, `poll vote`, in single-choice and `multi=yes` polls, then maybe a close),
and after each step
the card's counts and voters, and `poll results`, are exactly the reference model's: a
single-choice poll counts each person's latest vote still present (taking a reaction back falls
back to the one before, as for RSVPs), a multi-choice one every option each person chose; a
closed poll is frozen (PRODUCT.md "Reactions", "Commands")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter, Sent
from tests.unit.model_kit import START, in_fresh_dir, model_settings

NUMBERS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣")
PEOPLE = ("alice", "bob", "cat", "dan")  # alice made the poll
OPTION = re.compile(r"^(\S+) (\S+) — (\d+) [█░]+( 🏆)?$")
# "close" here is by someone who may not (refused); its maker or a moderator closes it late, after
# votes that the close then freezes (`closing`).
STEPS = ("react", "react", "unreact", "unreact", "vote", "vote", "close", "restart")
# While the bot is away, one change per person: the platforms keep no order of reactions.
AWAY = st.lists(st.tuples(st.sampled_from(PEOPLE), st.integers(0, 3), st.booleans()),
                min_size=1, max_size=4, unique_by=lambda change: change[0])


@dataclass
class PollModel:
    options: int
    multi: bool
    marks: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # who: [(source, option)], oldest first
    closed: bool = False

    def react(self, who: str, option: int, added: bool) -> None:
        mine = self.marks.setdefault(who, [])
        if added and ("reaction", option) not in mine:
            mine.append(("reaction", option))
        elif not added and ("reaction", option) in mine:
            mine.remove(("reaction", option))

    def vote(self, who: str, option: int) -> None:
        mine = self.marks.setdefault(who, [])
        if self.multi:  # text votes add up
            if ("text", option) not in mine:
                mine.append(("text", option))
        else:  # the latest vote; an earlier `poll vote` is replaced
            mine[:] = [m for m in mine if m[0] != "text"] + [("text", option)]

    def counts(self) -> list[int]:
        counts = [0] * self.options
        for mine in self.marks.values():
            chosen = {o for _, o in mine} if self.multi else {mine[-1][1]} if mine else set()
            for o in chosen:
                counts[o] += 1
        return counts

    def voters(self) -> int:
        return sum(1 for mine in self.marks.values() if mine)

    def leaders(self) -> list[int]:
        counts = self.counts()
        top = max(counts)
        return [i for i, n in enumerate(counts) if n == top] if top else []


def shown_counts(text: str) -> tuple[list[int], list[int]]:
    """The count on each option's line, and which lines carry the 🏆."""
    counts: list[int] = []
    won: list[int] = []
    for raw in text.splitlines():
        m = OPTION.match(raw.strip())
        if m and m.group(1) in NUMBERS:
            if m.group(4):
                won.append(len(counts))
            counts.append(int(m.group(3)))
    return counts, won


def expect(card: Sent, results: Sent, model: PollModel, at: str) -> None:
    counts, won = shown_counts(card.text)
    assert counts == model.counts(), f"{at}: card {counts}, model {model.counts()}\n{card.text}"
    voters = model.voters()
    footer = f"{voters} voter{'s' if voters != 1 else ''}" + ("" if model.closed else " so far")
    assert card.card.footer == footer, f"{at}: {card.card.footer!r}, model {footer!r}"
    assert won == (model.leaders() if model.closed else []), f"{at}: 🏆 on {won}\n{card.text}"
    assert ("(closed)" in card.card.title) == model.closed, at
    assert card.card.reactions == (() if model.closed else NUMBERS[:model.options]), at
    said, said_won = shown_counts(results.text)
    assert said == model.counts() and said_won == won, f"{at}: results {said}, model {model.counts()}\n{results.text}"


async def history(where: str, data: st.DataObject) -> None:
    clock = ManualClock(START)
    bot = await build_bot(f"{where}/p.db", clock=clock, rate_limit=False)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        options = data.draw(st.integers(2, 4), label="options")
        multi = data.draw(st.booleans(), label="multi")
        line = "!poll create Where " + " | ".join("ABCD"[:options]) + (" multi=yes" if multi else "")
        [card] = await fake.invoke(line, "alice")
        model = PollModel(options, multi)
        steps = data.draw(st.integers(3, 30), label="steps")
        closing = data.draw(st.integers(steps // 2, steps), label="closed at")
        for step in range(steps):
            kind = "close" if step == closing else data.draw(st.sampled_from(STEPS), label=f"{step}: kind")
            who = data.draw(st.sampled_from(("alice", "dan") if step == closing else PEOPLE), label=f"{step}: who")
            if kind == "close" and step != closing:
                who = "bob"  # neither its maker nor a moderator
            # one past the last option: the bot ignores that reaction and refuses that vote
            option = data.draw(st.integers(0, options), label=f"{step}: option")
            if kind in ("react", "unreact"):
                await fake.react(card, NUMBERS[option], who, added=kind == "react")
                if not model.closed and option < options:
                    model.react(who, option, kind == "react")
            elif kind == "vote":
                [reply] = await fake.invoke(f"!poll vote 1 {option + 1}", who)
                if model.closed or option >= options:
                    assert reply.text.startswith("⚠️"), reply.text
                else:
                    assert "counts" in reply.text, reply.text
                    model.vote(who, option)
            elif kind == "close":
                replies = await fake.invoke("!poll close 1", who, mod=who == "dan")
                if model.closed or who not in ("alice", "dan"):
                    assert [r.text[:2] for r in replies] == ["⚠️"], [r.text for r in replies]
                else:
                    model.closed = True
                    shown_counts(replies[0].text)  # the results, said when it closes
                    assert shown_counts(replies[0].text)[0] == model.counts(), replies[0].text
            elif kind == "restart":
                await bot.stop()
                away = data.draw(AWAY, label=f"{step}: while away")
                for person, n, added in away:
                    await fake.react(card, NUMBERS[n % options], person, added=added, dispatch=False)
                bot = await build_bot(f"{where}/p.db", clock=clock, rate_limit=False)
                bot.add_adapter(fake)
                await bot.start()
                if not model.closed:  # what was added comes after what was there: option by option
                    for person, n, added in sorted(away, key=lambda c: (c[1] % options, c[0])):
                        model.react(person, n % options, added)
            await bot.settle()
            [results] = await fake.invoke("!poll results 1", "cat")
            expect(fake.messages[card.id], results, model, f"step {step} ({kind} {option + 1} by {who})")
    finally:
        await bot.stop()


@model_settings(examples=60)
@given(st.data())
def test_poll_tallies_match_the_model(data: st.DataObject) -> None:
    in_fresh_dir(lambda where: history(where, data))
