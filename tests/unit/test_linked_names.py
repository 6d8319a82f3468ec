"""Names on a shared event's cards (PRODUCT.md "Linked spaces": names show their platform
where it is not obvious): a name that ends the way a platform's tag does cannot pass for
someone on that platform, on either side, and the card never pings through a name."""

from __future__ import annotations

import re

import pytest

from bot.adapter import Capabilities
from bot.app import Bot
from bot.model import UserRef
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link

WHEN = '"2026-11-26 18:00"'


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, label="Alpha"))
    b = FakeAdapter("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0, label="Beta"))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    return a, b


def going(fake: FakeAdapter, card: Sent) -> list[str]:
    text = fake.messages[card.id].text
    found = re.search(r"Going \(\d+\)\n {2}(.*)\n", text)
    assert found, text
    return found.group(1).split(", ")


async def shared_card(a: FakeAdapter, b: FakeAdapter) -> tuple[Sent, Sent]:
    await link(a, b)
    [card_a] = await a.invoke(f"!event create Quiz when={WHEN}")
    [card_b] = [s for s in b.cards() if "#1" in s.text]
    return card_a, card_b


async def test_a_name_ending_like_the_other_platforms_tag_is_tagged_with_its_own(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    card_a, card_b = await shared_card(a, b)
    await a.react(card_a, "✅", "alice")
    await b.react(card_b, "✅", UserRef("beta", "b1", "alice (Alpha)"))  # someone else, on Beta
    await b.react(card_b, "✅", UserRef("beta", "b2", "carol （alpha）\u200b"))  # full-width, lower case, hidden
    await b.react(card_b, "✅", UserRef("beta", "b3", "dave"))
    await bot.settle()
    shown_b = going(b, card_b)
    assert shown_b == ["alice (Alpha)", "alice (Alpha) (Beta)", "carol （alpha）\u200b (Beta)", "dave"], shown_b
    assert len(set(shown_b)) == len(shown_b)
    shown_a = going(a, card_a)  # on Alpha every Beta name carries its tag already
    assert shown_a == ["alice", "alice (Alpha) (Beta)", "carol （alpha）\u200b (Beta)", "dave (Beta)"], shown_a


async def test_the_same_name_on_both_sides_stays_two_people(pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    card_a, card_b = await shared_card(a, b)
    await a.react(card_a, "✅", "alice")
    await b.react(card_b, "✅", "alice")
    await bot.settle()
    assert going(a, card_a) == ["alice", "alice (Beta)"]
    assert going(b, card_b) == ["alice (Alpha)", "alice"]
    [listing] = await b.invoke("!event attendees 1")
    assert "alice (Alpha), alice (Beta)" in listing.text, listing.text


async def test_a_name_that_looks_like_a_ping_is_only_text_on_the_other_side(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    card_a, card_b = await shared_card(a, b)
    await b.react(card_b, "✅", UserRef("beta", "b1", "@room @everyone"))
    await bot.settle()
    assert going(a, card_a) == ["@room @everyone (Beta)"]
    # Only Mention parts can ping (bot/render.py); a name on a card is never one.
    assert a.messages[card_a.id].out.mentions == ()
