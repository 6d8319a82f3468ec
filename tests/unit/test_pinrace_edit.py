"""A card edit rendered while check-in was open (asking for 📍) is still on its way when an edit
or a cancel closes check-in. Were the bot's 📍 taken off at once, the edit landing after would
put it back (the platforms add a reaction a card asks for that they do not remember adding), and
no later edit takes it off: it would stay for good (PRODUCT.md "Turnout": check-in closes, the
card stops asking for 📍). It comes off once an edit rendered after the change is on the card."""
from __future__ import annotations

import asyncio
import io

import pytest

from adapters.console import ConsoleAdapter
from bot.app import Bot
from bot.model import MessageRef
from bot.render import Out
from cogs.events.cog import EventsCog
from tests.unit.console_kit import typed


def held_edits(adapter: ConsoleAdapter) -> tuple[asyncio.Event, asyncio.Event]:
    """The next edit waits at the gate (the platform's PATCH on its way); `entered` once it does."""
    gate, entered = asyncio.Event(), asyncio.Event()
    real_edit = adapter.edit

    async def slow_edit(message: MessageRef, out: Out) -> None:
        if not gate.is_set():
            entered.set()
            await gate.wait()
        await real_edit(message, out)

    adapter.edit = slow_edit  # type: ignore[method-assign]
    return gate, entered


def printed(adapter: ConsoleAdapter) -> str:
    assert isinstance(adapter.out, io.StringIO)
    return adapter.out.getvalue()


def refresh(bot: Bot, event_id: int) -> None:
    """An edit of the event's cards, as an RSVP sets off."""
    events = bot.cogs["events"]
    assert isinstance(events, EventsCog)
    events.refresh(event_id)


async def until_said(adapter: ConsoleAdapter, text: str, since: int) -> None:
    """Lets the command run until its reply is printed (it is then done with the card but its edit).
    Counted in the loop's turns, a busy machine's slower database thread would fail it: only a
    command that never replies (one waiting on the held edit) does."""
    async def said() -> None:
        # The console prints to a plain buffer, which signals nothing: look again each turn.
        while text not in printed(adapter)[since:]:  # noqa: ASYNC110
            await asyncio.sleep(0)

    try:
        await asyncio.wait_for(said(), 10)
    except TimeoutError:
        raise AssertionError(printed(adapter)[since:]) from None


@pytest.mark.parametrize(("command", "said"), [('!event edit 1 when="2026-12-03 18:00"', "✅ Updated"),
                                              ("!event cancel 1", "✅ Cancelled")])
async def test_an_edit_in_flight_does_not_leave_the_bots_pin_on_the_card(
        console: tuple[Bot, ConsoleAdapter], command: str, said: str) -> None:
    bot, adapter = console
    out = await typed(adapter, '!event create Picnic when="2026-11-26 18:00"', ":wait 3d8h35m")
    assert adapter.me in adapter.reactions["m1"]["📍"], out
    gate, entered = held_edits(adapter)
    refresh(bot, 1)  # e.g. an RSVP a moment before: rendered with check-in open
    await asyncio.wait_for(entered.wait(), 5)
    since = len(printed(adapter))
    task = asyncio.create_task(typed(adapter, command))
    await until_said(adapter, said, since)
    gate.set()
    out = await asyncio.wait_for(task, 10)
    await bot.settle()
    assert adapter.me not in adapter.reactions["m1"].get("📍", []), out
