"""Reminders said once (PRODUCT.md "Reminders", "Times", "Message markers"): an outage that
made several of an event's reminders too late says so once for the event; a late one says how
long is really left; and only a reminder carries the reminder's
marker (the title and the word `starts`), so a note of a change or of a missed reminder is
never taken for one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter

from .console_kit import typed

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # the clock of the shared fixtures


def reminders(fake: FakeAdapter, title: str) -> list[str]:
    return [s.text for s in fake.log if "Reminder" in s.text and title in s.text]


async def _outage(tmp_path, back: datetime, offsets: str = "") -> tuple[FakeAdapter, list[Bot]]:  # type: ignore[no-untyped-def]
    """Party (Thu 26 Nov 18:00-20:00, bob going) made on Monday (with `reminders` set to
    `offsets` if given); the bot is down from then until `back`, and is started there twice."""
    path = str(tmp_path / "o.db")
    bot = await build_bot(path, clock=ManualClock(START))
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    if offsets:
        await fake.invoke(f"!config set reminders {offsets}", mod=True)
    [card] = await fake.invoke('!event create Party when="2026-11-26 18:00"')
    await fake.react(card, "✅", "bob")
    await bot.stop()
    bots = []
    for _ in range(2):
        again = await build_bot(path, clock=ManualClock(back))
        again.add_adapter(fake)
        await again.start()
        await again.advance(timedelta(minutes=1))
        await again.stop()
        bots.append(again)
    return fake, bots


async def test_reminders_an_outage_made_too_late_are_said_once_for_the_event(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Back half an hour into the party: the 24h and the 1h reminders are both past their grace.
    fake, _ = await _outage(tmp_path, datetime(2026, 11, 26, 18, 30, tzinfo=UTC))
    assert reminders(fake, "Party") == []
    [missed] = fake.containing("Missed while offline")
    assert "Party #1 was due Thu 26 Nov 2026 17:00 UTC" in missed.text, missed.text
    assert "it began Thu 26 Nov 2026 18:00 UTC (30 minutes ago)" in missed.text, missed.text
    assert "starts" not in missed.text  # not a reminder: none was posted


async def test_a_reminder_late_within_its_grace_says_how_long_is_left(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Back at 17:40: the 24h reminder is a day late (skipped, said once), the 1h one 40 minutes.
    fake, _ = await _outage(tmp_path, datetime(2026, 11, 26, 17, 40, tzinfo=UTC))
    [late] = reminders(fake, "Party")
    assert "Party #1 starts in 20 minutes, Thu 26 Nov 2026 18:00 UTC" in late and "in 1 hour" not in late
    [missed] = fake.containing("Missed while offline")
    assert "was due Wed 25 Nov 2026 18:00 UTC" in missed.text and "starts" not in missed.text


async def test_two_reminders_both_late_within_their_grace_are_said_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Back at 17:50 with reminders 1h,15m: both are due and within the hour's grace; posted both,
    # they would say the same ("starts in 10 minutes") twice. The later one is said.
    fake, _ = await _outage(tmp_path, datetime(2026, 11, 26, 17, 50, tzinfo=UTC), "1h,15m")
    [late] = reminders(fake, "Party")
    assert "Party #1 starts in 10 minutes" in late, late
    assert not fake.containing("Missed while offline")


async def test_a_reminder_exactly_its_grace_late_is_skipped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # "Posted late if it is less than reminders.grace late": the 1h reminder (17:00), back at 18:00.
    fake, _ = await _outage(tmp_path, datetime(2026, 11, 26, 18, 0, tzinfo=UTC), "1h")
    assert reminders(fake, "Party") == []
    [missed] = fake.containing("Missed while offline")
    assert "was due Thu 26 Nov 2026 17:00 UTC" in missed.text, missed.text


async def test_only_reminders_carry_the_reminder_marker_when_an_event_moves(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, ":as ann mod", '!event create Hike when="2026-11-24 18:00"', ":react last ✅",
                ":as bob", ":react m1 🤔", ":as ann mod")
    first = await typed(adapter, ":wait 10h")  # Mon 19:00: the 24h reminder of Tue 18:00
    moved = await typed(adapter, '!event edit 1 when="2026-11-23 21:00"')  # two hours away now
    rest = await typed(adapter, ":wait 1d")
    marked = [ln for ln in (first + moved + rest).splitlines() if "Hike" in ln and "starts" in ln]
    # The 24h one for the old time, the 1h one for the new; the 24h offset of the new time had
    # passed, so it is not posted again.
    assert [re.search(r"starts in ([\w ]+),", ln).group(1) for ln in marked] == ["24 hours", "1 hour"], marked  # type: ignore[union-attr]
    assert "Hike #1: now Mon 23 Nov 2026 21:00 UTC (in 2 hours)" in moved, moved
    assert re.search(r"Hike #1 has a new time: Mon 23 Nov 2026 21:00 UTC \(in 2 hours\)\.\n\s+Heads up: @ann @bob",
                     moved), moved
