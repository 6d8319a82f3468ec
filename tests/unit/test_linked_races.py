"""Codes and unlinking at their edges (PRODUCT.md "Linked spaces"): a code lives ten minutes
to the second, is used once when two channels race for it, and two moderators unlinking both
sides at once are each told the channels are unlinked (or, by then, not linked)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import code_in, link


def side(platform: str, space: str, channel: str) -> FakeAdapter:
    return FakeAdapter(platform, space=space, channel=channel,
                       capabilities=Capabilities(edits_per_window=0, label=platform.title()))


@pytest.fixture
async def trio(bot: Bot) -> tuple[FakeAdapter, FakeAdapter, FakeAdapter]:
    fakes = side("alpha", "guild", "general"), side("beta", "room", "room"), side("gamma", "g", "gc")
    for fake in fakes:
        bot.add_adapter(fake)
    await bot.start()
    return fakes


async def groups(bot: Bot) -> list[tuple[str, int]]:
    return [(str(r[0]), int(r[1])) for r in await bot.db.fetchall("SELECT channel, grp FROM link_members ORDER BY channel")]


async def test_a_code_is_valid_for_ten_minutes_and_not_at_the_tenth(
        trio: tuple[FakeAdapter, FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b, c = trio
    [first] = await a.invoke("!link", "moda", mod=True)
    bot.clock.advance(timedelta(minutes=10) - timedelta(microseconds=1))  # type: ignore[attr-defined]
    [done] = await b.invoke(f"!link {code_in(first)}", "modb", mod=True)
    assert done.text.startswith("🔗 Linked with"), done.text
    [second] = await a.invoke("!link", "moda", mod=True)
    bot.clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    [late] = await c.invoke(f"!link {code_in(second)}", "modc", mod=True)
    assert late.text.startswith("⚠️") and "expired" in late.text, late.text
    assert await groups(bot) == [("alpha:general", 1), ("beta:room", 1)]


async def test_two_channels_racing_for_one_code_link_one(
        trio: tuple[FakeAdapter, FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b, c = trio
    [code_reply] = await a.invoke("!link", "moda", mod=True)
    code = code_in(code_reply)
    [by_b], [by_c] = await asyncio.gather(b.invoke(f"!link {code}", "modb", mod=True),
                                          c.invoke(f"!link {code}", "modc", mod=True))
    won = [r for r in (by_b, by_c) if r.text.startswith("🔗 Linked with Alpha")]
    lost = [r for r in (by_b, by_c) if r.text.startswith("⚠️") and "used already" in r.text]
    assert len(won) == 1 and len(lost) == 1, (by_b.text, by_c.text)
    assert len(await groups(bot)) == 2
    [refused] = await b.invoke("!link", "someone")  # asking for a code is a moderator's too
    assert refused.text.startswith("⚠️")


async def test_three_platforms_in_one_group_one_list(trio: tuple[FakeAdapter, FakeAdapter, FakeAdapter],
                                                     bot: Bot) -> None:
    a, b, c = trio
    await link(a, b)
    await link(c, a)  # a third platform joins the group through either member
    assert {g for _, g in await groups(bot)} == {1} and len(await groups(bot)) == 3
    [card_c] = await c.invoke('!event create Quiz when="2026-11-26 18:00" capacity=1')
    [card_a] = [s for s in a.cards() if "#1" in s.text]
    [card_b] = [s for s in b.cards() if "#1" in s.text]
    await asyncio.gather(a.react(card_a, "✅", "ann"), b.react(card_b, "✅", "bob"))
    await bot.settle()
    texts = [fake.messages[card.id].text for fake, card in ((a, card_a), (b, card_b), (c, card_c))]
    assert all("Going (1/1)" in t and "Waitlist (1)" in t for t in texts), texts
    first = "ann" if "ann (Alpha)" in texts[2].split("Waitlist")[0] else "bob"
    waiting, where = ("bob", b) if first == "ann" else ("ann", a)
    [told] = where.containing("is full")
    assert [u.id for u in told.out.mentions] == [waiting]


async def test_both_sides_unlinking_at_once_are_both_told_it_is_done(
        trio: tuple[FakeAdapter, FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b, _ = trio
    await link(a, b)
    [by_a], [by_b] = await asyncio.gather(a.invoke("!unlink", "moda", mod=True),
                                          b.invoke("!unlink", "modb", mod=True))
    # Each is told it is done, or, when the other's unlink was in before this one looked,
    # that there is nothing left to unlink; never an error of the bot's.
    said = sorted(r.text.split(";")[0].split(".")[0] for r in (by_a, by_b))
    assert said in (["🔗 Unlinked", "🔗 Unlinked"],
                    ["⚠️ this channel is not linked with another, so there is nothing to unlink", "🔗 Unlinked"]), said
    assert await groups(bot) == []
