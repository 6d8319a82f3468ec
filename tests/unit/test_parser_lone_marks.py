"""A word made only of marks that draw nothing (a right-to-left mark an RTL keyboard puts between
words, a stray zero-width space) is no word: it took the id's place and shifted every word after
it ("I don't know what to do with 'going'"), or was quoted back as '​', which the reader cannot
see. Quoted, it is kept as typed: quotes say "this is a value"."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.test_converter_lookalikes import rows


@pytest.mark.parametrize("line", ["!rsvp 1 going \u200b", "!rsvp \u200f 1 going", "!rsvp 1 \u200e going",
                                  "!rsvp \u2066\u2069 1 going"])
async def test_a_word_of_invisible_marks_is_no_word(fake: FakeAdapter, bot: Bot, line: str) -> None:
    await fake.invoke('!event create Party when="tomorrow 7pm"')
    [reply] = await fake.invoke(line)
    assert not reply.text.startswith("⚠️"), reply.text
    assert await rows(bot, "SELECT status FROM rsvps WHERE event_id = 1") == [("going",)]


async def test_a_quoted_mark_is_still_a_value(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke('!event create Party when="tomorrow 7pm"')
    [reply] = await fake.invoke('!rsvp 1 "\u200b"')
    assert reply.text.startswith("⚠️"), reply.text
    assert await rows(bot, "SELECT status FROM rsvps WHERE event_id = 1") == []
