"""The "next one?" poll after an event (PRODUCT.md "Turnout") for an event whose start is not a
whole minute, as "in 3 hours" is on a real clock: the slots are the same weekday and time of day
(to the minute, as the poll shows them), not none at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter


async def test_an_event_made_in_three_hours_gets_its_next_one_poll(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bot = await build_bot(str(tmp_path / "poll.db"),
                          clock=ManualClock(datetime(2026, 11, 23, 9, 0, 27, 512000, tzinfo=UTC)))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        await fake.invoke('!event create Clean-up when="in 3 hours"')
        await fake.invoke("!rsvp 1 going", "bob")
        await bot.advance(timedelta(hours=6))
        [thanks] = fake.containing("Thanks for coming")
        assert "when=poll:1" in thanks.text, thanks.text
        [poll] = fake.containing("Next Clean-up?")
        for day in ("Mon 30 Nov 2026 12:00 UTC", "Mon 07 Dec 2026 12:00 UTC", "Mon 14 Dec 2026 12:00 UTC"):
            assert day in poll.text, poll.text
    finally:
        await bot.stop()
