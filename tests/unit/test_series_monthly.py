"""`repeat=monthly` from a day that is both the fourth and the last of its weekday in the month
(Fri 25 Dec 2026). PRODUCT.md "Recurring meetups": monthly is "the same weekday of the month as
the first, e.g. the second Tuesday", which counts from the start: the fourth Friday. The card
states the rule, and `monthly on the last friday` asks for the other reading; the two part in
months with five Fridays (January 2027: the 22nd and the 29th)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.testing import FakeAdapter
from tests.unit.test_series import cards


@pytest.mark.parametrize("repeat, words", [
    ("monthly", "monthly on the fourth friday"),
    ('"every 2 months"', "every 2 months on the fourth friday"),
])
async def test_a_fourth_that_is_also_the_last_is_the_fourth_and_says_so(  # type: ignore[no-untyped-def]
        fake: FakeAdapter, bot, repeat: str, words: str) -> None:
    [card, said] = await fake.invoke(f'!event create Party when="2026-12-25 19:00" repeat={repeat} count=3')
    assert not said.text.startswith("⚠️"), said.text
    assert f"Repeats {words}" in card.text, card.text
    if repeat == "monthly":
        await bot.scheduler.advance(timedelta(days=55))  # to 17 Jan: the January one is posted
        [_, second] = cards(fake, "Party")
        assert "Fri 22 Jan 2027" in second.text, second.text


@pytest.mark.parametrize("nth, january", [("fourth", "Fri 22 Jan 2027"), ("last", "Fri 29 Jan 2027")])
async def test_the_reading_said_is_the_one_kept_and_shown(fake: FakeAdapter, bot, nth: str,  # type: ignore[no-untyped-def]
                                                           january: str) -> None:
    [card, said] = await fake.invoke(f'!event create Party when="2026-12-25 19:00" '
                                     f'repeat="monthly on the {nth} friday" count=3')
    assert f"Repeats monthly on the {nth} friday" in card.text, card.text
    assert f"repeats monthly on the {nth} friday, 3 times" in said.text, said.text
    await bot.scheduler.advance(timedelta(days=55))  # to 17 Jan: the January one is posted
    [_, second] = cards(fake, "Party")
    assert january in second.text, second.text


async def test_days_with_one_reading_are_not_asked(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    for when, words in (("2026-12-11 19:00", "the second friday"), ("2026-12-31 19:00", "the last thursday"),
                        ("2026-12-24 19:00", "the fourth thursday")):  # a fifth comes on the 31st
        [card, _] = await fake.invoke(f'!event create M when="{when}" repeat=monthly count=2')
        assert f"Repeats monthly on {words}" in card.text, (when, card.text)
    # A rule spelled out must fit the first day: the second Friday is not the 25th.
    [refused] = await fake.invoke('!event create P when="2026-12-25 19:00" repeat="monthly on the second friday"')
    assert refused.text.startswith("⚠️") and "start on Fri 08 Jan 2027" in refused.text, refused.text
