"""`stats` show-up rates are whole percentages rounded as people do: a half goes up, whatever
the number below it (Python's round() takes 12.5 down to 12 and 37.5 up to 38)."""

from __future__ import annotations

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.test_turnout_stats import meetup

EIGHT = tuple(f"p{i}" for i in range(1, 9))


async def test_a_half_percent_rounds_up(fake: FakeAdapter, bot: Bot) -> None:
    await meetup(fake, bot, "One", EIGHT, EIGHT[:1])  # 1 of 8 going checked in: 12.5%
    await meetup(fake, bot, "Three", EIGHT, EIGHT[:3])  # 3 of 8: 37.5%
    [summary, _chart] = await fake.invoke("!stats")
    assert "2 events held, 16 going, 4 checked in, show-up rate 25%." in summary.text, summary.text
    assert "going 8, here 1, show-up 13%" in summary.text, summary.text
    assert "going 8, here 3, show-up 38%" in summary.text, summary.text
