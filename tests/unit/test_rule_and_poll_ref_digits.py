"""`repeat=` rules and `when=poll:N` are typed with the digits 0-9 too (PRODUCT.md: a time
is never misread): "every ２ weeks" and "poll:１" are refused, saying what they read as, and
change nothing; typed in 0-9 they are taken. Both engines."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.reliability.reliability_kit import changed_tables, snapshot


@pytest.mark.parametrize("rule, reads", [
    ("every ２ weeks", "every 2 weeks"),
    ("monthly on the ２４th", "monthly on the 24th"),  # tomorrow is the 24th
    ("every ٣ days", "every 3 days"),
])
async def test_a_repeat_rule_in_other_digits_is_refused_saying_what_it_reads_as(
        fake: FakeAdapter, bot: Bot, rule: str, reads: str) -> None:
    before = await snapshot(bot)
    [refused] = await fake.invoke(f'!event create Quiz when="tomorrow 7pm" repeat="{rule}"')
    assert refused.text.startswith("⚠️ repeat:"), refused.text
    assert f'reads as {reads}; if that is what you meant, type "{reads}"' in refused.text, refused.text
    assert not changed_tables(before, await snapshot(bot))
    [card, *_] = await fake.invoke(f'!event create Quiz when="tomorrow 7pm" repeat="{reads}"')
    assert not card.text.startswith("⚠️"), card.text


async def test_a_poll_number_in_other_digits_is_not_taken_for_that_poll(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke('!poll create "When?" tomorrow 7pm | friday 8pm')
    await fake.invoke("!poll vote 1 1")
    before = await snapshot(bot)
    for line in ("!event create Picnic when=poll:１", "!event create Picnic when=\"friday 9pm\" where=poll:１"):
        [refused] = await fake.invoke(line)
        assert refused.text.startswith("⚠️"), refused.text
        assert 'reads as poll:1; if that is what you meant, type "poll:1"' in refused.text, refused.text
        assert not changed_tables(before, await snapshot(bot))
    [card, *_] = await fake.invoke("!event create Picnic when=poll:1")
    assert "Picnic" in card.text and not card.text.startswith("⚠️"), card.text
