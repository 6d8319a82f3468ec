"""Numbers people type are read in the digits 0-9 only, as ids, ports and link codes are: a
number in other digits (full-width "９", Arabic-Indic "٣", a superscript "²") is refused with
`⚠️`, saying what it reads as and what to type, and changes nothing. Both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import changed_tables, snapshot

from .test_turnout_stats import meetup


@pytest.mark.parametrize("typed, reads", [("９", "9"), ("٣٠", "30"), ("１２0", "120")])
async def test_stats_days_in_other_digits_are_refused_saying_what_they_read_as(
        fake: FakeAdapter, bot: Bot, typed: str, reads: str) -> None:
    await meetup(fake, bot, "Picnic", ("bob",), ("bob",))
    replies = await fake.invoke(f"!stats {typed}", "bob")
    assert len(replies) == 1, [r.text for r in replies]  # no summary, no chart
    [refused] = replies
    assert refused.text.startswith("⚠️"), refused.text
    assert f"'{typed}' reads as {reads}" in refused.text and f"type {reads}" in refused.text, refused.text
    summary, _ = await fake.invoke(f"!stats {reads}", "bob")
    assert f"last {reads} days" in summary.text


async def test_a_superscript_number_is_refused_without_a_reading(fake: FakeAdapter, bot: Bot) -> None:
    [refused] = await fake.invoke("!stats 9²", "bob")
    assert refused.text.startswith("⚠️") and "digits 0-9" in refused.text and "reads as" not in refused.text


@pytest.mark.parametrize("line", ["!checkin １", "!rsvp #１ going", "!event edit 1 capacity=５"])
async def test_ids_and_counts_in_other_digits_change_nothing(fake: FakeAdapter, bot: Bot, line: str) -> None:
    [card] = await fake.invoke('!event create Picnic when="tomorrow 18:00"')
    await bot.advance(timedelta(hours=32, minutes=45))  # check-in has opened
    before = await snapshot(bot)
    [refused] = await fake.invoke(line)
    assert refused.text.startswith("⚠️") and "digits 0-9" in refused.text, refused.text
    assert not changed_tables(before, await snapshot(bot))
    assert "Going (0)" in fake.messages[card.id] and "Here (0)" in fake.messages[card.id]
