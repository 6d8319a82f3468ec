"""Turnout after a series' last held occurrence, a name that starts with @, and the thank-you's
suggested command (PRODUCT.md "Turnout")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Bot
from bot.model import UserRef
from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'
TO_WINDOW = timedelta(days=3, hours=8, minutes=30)


async def polls(bot: Bot) -> int:
    row = await bot.db.fetchone("SELECT COUNT(*) FROM polls")
    assert row is not None
    return int(row[0])


async def test_last_held_occurrence_whose_later_ones_are_cancelled_gets_next_poll(
        fake: FakeAdapter, bot: Bot) -> None:
    [card, _] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly count=2")
    await fake.react(card, "✅", "bob")
    await fake.invoke("!event cancel 2")
    before = await polls(bot)
    await bot.advance(timedelta(days=4))
    [thanks] = fake.containing("Thanks for coming to Run")
    assert "Vote on poll" in thanks.text and await polls(bot) == before + 1, thanks.text


async def test_a_series_with_a_later_occurrence_still_gets_no_poll(fake: FakeAdapter, bot: Bot) -> None:
    [card, _] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly count=3")
    await fake.react(card, "✅", "bob")
    await fake.invoke("!event cancel 2")
    await bot.advance(timedelta(days=4))
    [thanks] = fake.containing("Thanks for coming to Run")
    assert "poll" not in thanks.text and await polls(bot) == 0, thanks.text


async def test_next_one_poll_after_a_series_was_ended_leaves_out_the_cancelled_time(
        fake: FakeAdapter, bot: Bot) -> None:
    [card, _] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly")
    await fake.react(card, "✅", "bob")
    await fake.invoke("!event cancel 2 series")
    await bot.advance(timedelta(days=4))
    [poll] = [c for c in fake.cards() if c.text.startswith("📊")]
    assert "Thu 03 Dec 2026 18:00 UTC" not in poll.text, poll.text
    assert "Thu 10 Dec 2026 18:00 UTC" in poll.text, poll.text


async def test_a_name_starting_with_at_can_be_checked_in_as_the_list_shows_it(
        fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await fake.react(card, "✅", UserRef("fake", "u7", "@Sam"))
    await bot.advance(TO_WINDOW)
    [out] = await fake.invoke("!checkin 1 @Sam", "alice")  # the creator, the name as the card shows it
    assert "Checked in @Sam" in out.text, out.text


async def test_sam_and_at_sam_are_both_named_by_at_sam(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await fake.react(card, "✅", UserRef("fake", "u7", "@Sam"))
    await fake.react(card, "✅", UserRef("fake", "u8", "Sam"))
    await bot.advance(TO_WINDOW)
    [out] = await fake.invoke("!checkin 1 @Sam", "alice")
    assert out.text.startswith("⚠️") and "2 people" in out.text, out.text
    assert await bot.db.fetchall("SELECT user FROM event_checkins") == []


@pytest.mark.parametrize("title", ["Bob's party", 'Tea "special"', "Ratio 1=2 talk", "Tea | cake",
                                   "back\\slash \\\"x\\\"", "'90s night",
                                   "Two  spaces"])
async def test_the_suggested_command_makes_the_next_one(fake: FakeAdapter, bot: Bot, title: str) -> None:
    escaped = title.replace("\\", "\\\\").replace('"', '\\"').replace("|", "\\|")
    [card] = await fake.invoke(f'!event create "{escaped}" when={WHEN}')
    await fake.react(card, "✅", "bob")
    await bot.advance(timedelta(days=4))
    [thanks] = fake.containing("Thanks for coming")
    [poll] = [c for c in fake.cards() if c.text.startswith("📊")]
    await fake.react(poll, "2️⃣", "bob")
    said = thanks.text.split("then ", 1)[1].rsplit(" makes it", 1)[0]
    [out] = await fake.invoke(said, "alice")
    [first, made] = [e[0] for e in await bot.db.fetchall("SELECT title FROM events ORDER BY id")]
    assert first == title and made == title, (said, out.text)
    assert "Thu 10 Dec 2026 18:00 UTC" in out.text, out.text
