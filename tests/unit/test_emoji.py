"""Reaction keys as the core compares them: one spelling per emoji a person sees."""

from __future__ import annotations

import pytest

from bot.emoji import canonical
from bot.model import UserRef
from bot.testing import FakeAdapter


@pytest.mark.parametrize(("key", "expected"), [
    ("✅", "✅"),
    ("✅\ufe0f", "✅"),
    ("✅" + "\ufe0f" * 50, "✅"),
    ("✅\ufe0e", "✅"),
    ("1\u20e3", "1\ufe0f\u20e3"),
    ("1\ufe0f\u20e3", "1\ufe0f\u20e3"),
    ("#\ufe0f\u20e3", "#\ufe0f\u20e3"),
    ("🔟", "🔟"),
    ("👩\u200d👩\u200d👧\u200d👦", "👩\u200d👩\u200d👧\u200d👦"),  # a ZWJ family stays one key
    ("🇩🇪", "🇩🇪"),
    ("👍🏽", "👍🏽"),
])
def test_spellings_of_one_emoji_are_one_key(key: str, expected: str) -> None:
    assert canonical(key) == expected


@pytest.mark.parametrize("key", ["", "\ufe0f" * 50, "going", "ok ✅", "1", "12\u20e3", "\x00",
                                 " ", "✅" * 17, "\u200d"])
def test_keys_that_are_no_emoji_have_no_canonical_form(key: str) -> None:
    assert canonical(key) is None


async def test_a_reaction_in_another_spelling_counts_as_the_same_rsvp(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00"')
    await fake.react(card, "✅\ufe0f", "bob")
    assert "Going (1)" in card.text and "bob" in card.text
    await fake.react(card, "\ufe0f" * 50, "carol")  # no emoji: ignored, no error
    assert "Going (1)" in card.text and "carol" not in card.text


async def test_a_removal_without_a_name_keeps_the_known_name(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00"')
    cy = fake.user("Cy")
    await fake.react(card, "✅", cy)
    await fake.react(card, "🤔", cy)
    # Some platforms (Discord) say who took a reaction back by id only.
    await fake.react(card, "✅", UserRef(cy.platform, cy.id), added=False)
    assert "Maybe (1)" in card.text and "Cy" in card.text, card.text
    [listed] = await fake.invoke("!event attendees 1")
    assert "Cy" in listed.text
