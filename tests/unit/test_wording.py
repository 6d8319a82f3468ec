"""What the bot says, read as a person would (issue 14)."""

from __future__ import annotations

import pytest

from bot.testing import FakeAdapter


async def test_a_mistyped_command_gets_a_suggestion(fake: FakeAdapter) -> None:
    [reply] = await fake.invoke("!evnt list")
    assert reply.text.startswith("⚠️") and "did you mean !event?" in reply.text
    [sub] = await fake.invoke("!event lst")
    assert "did you mean !event list?" in sub.text


async def test_one_vote_is_one_vote_and_a_note_reads_naturally(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!poll create "Q?" A | B')
    await fake.react(card, "1️⃣", "bob")
    [closed] = await fake.invoke("!poll close 1", "alice")
    assert "Result: A with 1 vote" in closed.text and "1 votes" not in closed.text
    [prompt] = await fake.invoke("!offline let's talk", "you")
    assert "Note from you: let's talk" in prompt.text and "you adds" not in prompt.text


async def test_a_cancelled_card_says_it_once_and_no_longer_counts_down(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00"')
    await fake.invoke("!event cancel 1", "alice")
    assert card.text.lower().count("cancelled") <= 2 and "(in " not in card.text, card.text


@pytest.mark.parametrize("value, needle", [
    ("EST", "America/New_York"), ("IST", "several timezones"), ("UTC+5", "fixed offset"),
    ("Etc/GMT-3", "fixed offset"), ("Mars/Base", "not a timezone"),
])
async def test_timezones_that_would_be_wrong_half_the_year_are_refused(fake: FakeAdapter, value: str,
                                                                       needle: str) -> None:
    [reply] = await fake.invoke(f"!config set timezone {value}", "mod", mod=True)
    assert reply.text.startswith("⚠️") and needle in reply.text, reply.text


@pytest.mark.parametrize("value, stored", [("new york", "America/New_York"), ("Berlin", "Europe/Berlin"),
                                           ("europe/paris", "Europe/Paris"), ("UTC", "UTC")])
async def test_timezones_by_city_or_name(fake: FakeAdapter, value: str, stored: str) -> None:
    [reply] = await fake.invoke(f"!config set timezone {value}", "mod", mod=True)
    assert reply.text == f"✅ timezone is now {stored}", reply.text
