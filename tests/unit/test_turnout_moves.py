"""Turnout when an event moves: check-ins belong to the time they were made for."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Bot
from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'  # a Thursday; the fake's clock starts on Monday 23 Nov 09:00 UTC
TO_WINDOW = timedelta(days=3, hours=8, minutes=30)  # to 17:30, when check-in opens (30m)


async def test_check_ins_go_when_the_event_moves_to_a_time_not_open_yet(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await fake.react(card, "✅", "bob")
    await bot.advance(TO_WINDOW)
    await fake.invoke("!checkin 1", "bob")
    await fake.react(card, "📍", "carol")
    assert "Here (2)" in fake.messages[card.id]
    [ok] = await fake.invoke('!event edit 1 when="2026-12-03 18:00"')
    assert ok.text.startswith("✅")
    assert "Here (" not in fake.messages[card.id]
    await bot.advance(timedelta(days=7))  # the new check-in has opened: nobody is here yet
    assert "Here (0)" in fake.messages[card.id], fake.messages[card.id].text
    [mine] = await fake.invoke("!checkin 1", "bob")
    assert "You're checked in" in mine.text and "Here (1)\n  bob" in fake.messages[card.id]


async def test_check_ins_stay_when_the_event_moves_a_little(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    await bot.advance(TO_WINDOW)
    await fake.invoke("!checkin 1", "bob")
    [ok] = await fake.invoke('!event edit 1 when="2026-11-26 18:15"')  # starting a little late
    assert ok.text.startswith("✅")
    await bot.advance(timedelta(minutes=15))  # its check-in has opened again
    assert "Here (1)\n  bob" in fake.messages[card.id]


async def test_check_ins_go_when_a_series_moves_to_later_that_day(fake: FakeAdapter, bot: Bot) -> None:
    [card, _] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly count=2")
    await bot.advance(TO_WINDOW)
    await fake.invoke("!checkin 1", "bob")
    [ok] = await fake.invoke('!event edit 1 when="23:00" series')
    assert ok.text.startswith("✅"), ok.text
    await bot.advance(timedelta(hours=5))  # its check-in opens at 22:30
    assert "Here (0)" in fake.messages[card.id], fake.messages[card.id].text
