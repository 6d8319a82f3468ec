"""Turnout at its edges (PRODUCT.md "Turnout"): the "next one?" poll across DST changes and
for a long event, `stats` totals however many events there were, a check-in said in words
that a 📍 reaction made first, and `stats 1`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter


def next_poll(fake: FakeAdapter, title: str) -> str:
    [poll] = [c.text for c in fake.cards() if c.text.startswith(f"📊 Next {title}?")]
    return poll


def slots(poll: str) -> list[str]:
    return [ln.split(" ", 1)[1].split(" — ")[0] for ln in poll.splitlines() if "️⃣" in ln]


async def test_next_one_slots_keep_the_wall_time_and_skip_weeks_dst_makes_ambiguous(
        fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    for title, when in (("Eve", "2027-03-18 19:00"), ("Gap", "2027-03-21 02:30"), ("Fold", "2027-10-24 02:30")):
        [card] = await fake.invoke(f'!event create {title} when="{when}"')
        await fake.react(card, "✅", "bob")
    await bot.advance(timedelta(days=340))
    # Across the change, the same wall time in its new offset.
    assert slots(next_poll(fake, "Eve")) == [
        "Thu 25 Mar 2027 19:00 CET", "Thu 01 Apr 2027 19:00 CEST", "Thu 08 Apr 2027 19:00 CEST"]
    # 02:30 does not exist on 28 Mar and happens twice on 31 Oct: those weeks are not offered
    # (they were shown as bare "2027-03-28 02:30", and poll:N refused them).
    assert slots(next_poll(fake, "Gap")) == [
        "Sun 04 Apr 2027 02:30 CEST", "Sun 11 Apr 2027 02:30 CEST", "Sun 18 Apr 2027 02:30 CEST"]
    assert slots(next_poll(fake, "Fold")) == [
        "Sun 07 Nov 2027 02:30 CET", "Sun 14 Nov 2027 02:30 CET", "Sun 21 Nov 2027 02:30 CET"]


async def test_a_long_event_is_not_offered_a_slot_too_soon_to_vote_on(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke('!event create Camp when="2026-11-26 18:00" duration=6d23h')
    await fake.react(card, "✅", "bob")
    await bot.advance(timedelta(days=11))  # it ended Thu 03 Dec 17:00, an hour before the week's slot
    poll = next_poll(fake, "Camp")
    assert slots(poll) == ["Thu 10 Dec 2026 18:00 UTC", "Thu 17 Dec 2026 18:00 UTC", "Thu 24 Dec 2026 18:00 UTC"]
    assert "Closes Wed 09 Dec 2026 18:00 UTC" in poll, poll


async def test_a_check_in_said_in_words_stays_when_the_pin_goes(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke('!event create Walk when="2026-11-23 09:20"')  # check-in is open
    await fake.react(card, "📍", "bob")
    [again] = await fake.invoke("!checkin 1", "bob")
    assert "already checked in" in again.text
    await fake.react(card, "📍", "bob", added=False)
    assert "Here (1)\n  bob" in fake.messages[card.id]


async def test_stats_totals_every_event_held_and_says_one_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bot = await build_bot(str(tmp_path / "s.db"), clock=ManualClock(datetime(2026, 11, 23, 9, tzinfo=UTC)),
                          rate_limit=False)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        for key in ("reminders off", "events.followup off"):
            await fake.invoke(f"!config set {key}", "mod", mod=True)
        for i in range(520):
            await fake.invoke(f'!event create M{i} when="2026-11-23 12:00"', f"u{i}")
        await bot.advance(timedelta(hours=6))  # they ended at 14:00
        [summary, _] = await fake.invoke("!stats 1")
        assert summary.text.startswith("📊 Turnout in the last day: 520 events held, 0 going"), summary.text
    finally:
        await bot.stop()

