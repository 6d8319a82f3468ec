"""The bot's own 📍 comes off a card whose event leaves its check-in window (PRODUCT.md "Turnout"),
on a real Synapse: moved to another day, the bot redacts its annotation; moved back, the card's
edit adds a new one; cancelled while check-in is open, that one is redacted too."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import ManualClock
from bot.model import MessageRef
from bot.render import Out
from tests.matrix_harness import (
    BotRunner,
    HumanFactory,
    card_now,
    eventually,
    room_with,
    until_card,
)


async def test_the_bots_pin_leaves_a_card_moved_or_cancelled_out_of_check_in(runner: BotRunner,
                                                                              humans: HumanFactory) -> None:
    clock = ManualClock()
    bot, _ = await runner.start(clock=clock)
    alice = humans("alice")
    room = await room_with(runner, alice)
    await alice.say(room, '!event create "Clean-up" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")

    async def pinned_by_bot(want: bool, what: str) -> None:
        async def check() -> bool:
            c = await card_now(alice, room, runner.user_id, card.event_id)
            return c.reactions.get("📍", []) == ([runner.user_id] if want else [])
        await eventually(check, what=what)

    await bot.scheduler.advance(timedelta(hours=2, minutes=31))  # check-in opens at -30m
    await until_card(alice, room, runner, card.event_id, r"Here \(0\)")
    await pinned_by_bot(True, "the bot to add 📍 with the card's edit")

    await alice.say(room, '!event edit 1 when="in 48 hours"')
    await alice.wait_bot_message(room, runner.user_id, "Updated")
    await runner.idle()
    assert "Here (" not in (await card_now(alice, room, runner.user_id, card.event_id)).body
    await pinned_by_bot(False, "the bot's 📍 redacted")

    await alice.say(room, '!event edit 1 when="in 20 minutes"')
    await until_card(alice, room, runner, card.event_id, r"Here \(0\)")
    await pinned_by_bot(True, "the bot's 📍 back with the card's edit")

    await alice.say(room, "!event cancel 1")
    await alice.wait_bot_message(room, runner.user_id, "Cancelled")
    await pinned_by_bot(False, "the bot's 📍 redacted at the cancel")


async def test_a_stop_before_the_pin_came_off_leaves_it_to_the_next_starts_reading(
        runner: BotRunner, humans: HumanFactory) -> None:
    """The edit closing check-in is cut off by a stop, and the 📍 with it: the start's reading
    takes it back. It did not on Matrix, whose reading left the bot's own annotations out
    entirely, so the card showed no 📍 to take back (Discord's shows the emoji)."""
    clock = ManualClock()
    bot, adapter = await runner.start(clock=clock)
    alice = humans("alice")
    room = await room_with(runner, alice)
    await alice.say(room, '!event create "Clean-up" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")

    async def pins(want: list[str]) -> bool:
        return (await card_now(alice, room, runner.user_id, card.event_id)).reactions.get("📍", []) == want

    await bot.scheduler.advance(timedelta(hours=2, minutes=31))
    await until_card(alice, room, runner, card.event_id, r"Here \(0\)")
    await eventually(lambda: pins([runner.user_id]), what="the bot's 📍 added")
    editing = asyncio.Event()

    async def hang(message: MessageRef, out: Out) -> None:
        editing.set()
        await asyncio.Event().wait()

    adapter.edit = hang  # type: ignore[method-assign]
    await alice.say(room, '!event edit 1 when="in 48 hours"')
    await alice.wait_bot_message(room, runner.user_id, "Updated")
    await asyncio.wait_for(editing.wait(), 10)
    await runner.restart()  # the stop cuts the edit, and the 📍's take-back after it, off
    await runner.idle()
    await eventually(lambda: pins([]), what="the start's reading takes the bot's 📍 back")
