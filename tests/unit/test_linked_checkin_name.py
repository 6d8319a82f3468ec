"""Linked spaces (PRODUCT.md: "Names show their platform where it is not obvious"): a check-in by
name is answered with the name as the card where the reply appears shows it. On Alpha's card a
bare "Sam" is Alpha's Sam, so the reply about Beta's says "Sam (Beta)", and on Beta's the other
way round."""
from __future__ import annotations

import pytest

from bot.app import Bot
from bot.model import UserRef
from bot.testing import FakeAdapter
from tests.unit.linking import labelled_pair, link


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    return await labelled_pair(bot)


async def test_a_check_in_by_name_names_the_platform_where_it_is_not_obvious(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    bot.clock.set(bot.clock.now().replace(year=2026, month=11, day=26, hour=17, minute=40))  # type: ignore[attr-defined]
    [card_a] = await a.invoke('!event create Quiz when="in 20 minutes"')
    [card_b] = [s for s in b.cards() if "Quiz" in s.text]
    await a.react(card_a, "✅", UserRef("alpha", "a1", "Sam"))
    await b.react(card_b, "✅", UserRef("beta", "b1", "Sam"))
    await bot.settle()
    assert "Sam, Sam (Beta)" in a.messages[card_a.id].text  # on Alpha's card the bare Sam is Alpha's
    [reply] = await a.invoke("!checkin 1 Sam (Beta)", "moda", mod=True)
    assert reply.text == "📍 Checked in Sam (Beta) at Quiz #1.", reply.text
    [again] = await a.invoke("!checkin 1 Sam (Beta)", "moda", mod=True)
    assert again.text.startswith("Sam (Beta) was already"), again.text
    # Alpha's own Sam (a bare "Sam" matches both, as the full list tags everyone): untagged on Alpha.
    [own] = await a.invoke("!checkin 1 Sam (Alpha)", "moda", mod=True)
    assert own.text == "📍 Checked in Sam at Quiz #1.", own.text
    # On Beta, Beta's Sam is the bare one and Alpha's the tagged one.
    [there] = await b.invoke("!checkin 1 Sam (Alpha)", "modb", mod=True)
    assert there.text.startswith("Sam (Alpha) was already"), there.text
    [theirs] = await b.invoke("!checkin 1 Sam (Beta)", "modb", mod=True)
    assert theirs.text.startswith("Sam was already"), theirs.text
