"""A native poll's end (MSC3381) reaches the room exactly once, on a real Synapse: a poll
closed by its `closes=` deadline while the bot was down, an end the homeserver failed (sent
again at the next start, and while running), an end that landed though its answer was lost
(sent again with its txn id: Synapse answers with the first), a card whose closing edit
failed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from adapters.matrix.errors import MatrixError
from bot.clock import ManualClock
from bot.model import ChannelRef
from bot.render import Card, Choices
from tests.adapters.matrix.native_poll_events import (
    END,
    START,
    TEXT,
    bot_events,
    poll_card,
    respond,
)
from tests.matrix_harness import BotRunner, HumanFactory, eventually, room_with, until_card
from tests.matrix_harness.faulty import FaultyProxy

END_PATH = r"/send/org\.matrix\.msc3381\.poll\.end/"


async def ends_of(runner: BotRunner, human: Any, room: str, start: str) -> list[dict[str, Any]]:
    return [e for e in await bot_events(human, room, runner, END)
            if e["content"]["m.relates_to"]["event_id"] == start]


async def listed(requests: list[str]) -> list[str]:
    return requests


async def test_a_poll_end_lands_once_across_deadlines_failures_and_restarts(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    clock = ManualClock()
    await runner.start(clock=clock)
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    room = await room_with(runner, alice, bob, carol)

    # 1. Its deadline passes while the bot is down: a response made before it counts, and the
    # end goes out once, with the results, when the bot is back.
    card1, start1 = await poll_card(runner, alice, room, "!poll create Film? Alien | Brazil closes=1h")
    await respond(bob, room, start1, ["1"])
    await until_card(alice, room, runner, card1, r"Alien — 1\b")
    await runner.stop()
    await respond(carol, room, start1, ["2"])
    clock.advance(timedelta(hours=2))
    bot, _ = await runner.start()
    await bot.advance(timedelta(0))
    results = await alice.wait_bot_message(room, runner.user_id, "Results of poll #1")
    assert "Alien — 1" in results.body and "Brazil — 1" in results.body
    [end1] = await eventually(lambda: ends_of(runner, alice, room, start1), what="poll 1's end")
    assert "Alien — 1" in end1["content"][TEXT] and "Brazil — 1" in end1["content"][TEXT]

    # 2. The homeserver fails the end: it is sent at the next start.
    card2, start2 = await poll_card(runner, alice, room, "!poll create Day? Mon | Tue", "#2")
    await respond(bob, room, start2, ["2"])
    await until_card(alice, room, runner, card2, r"Tue — 1\b")
    proxy.fail("PUT", END_PATH)
    await alice.say(room, "!poll close 2")
    await until_card(alice, room, runner, card2, r"\(closed\)")
    await eventually(lambda: listed(proxy.failed), what="the end to fail")
    await runner.stop()
    proxy.heal()
    await runner.start()
    [end2] = await eventually(lambda: ends_of(runner, alice, room, start2), what="poll 2's end")
    # Its results text went with the process before; the results were posted with the close.
    assert end2["content"][TEXT] == "📊 Poll #2 has ended."

    # 3. The end lands but its answer is lost; then it fails outright for a while: sent again
    # while the bot runs, it is one event.
    card3, start3 = await poll_card(runner, alice, room, "!poll create Tea? Green | Black", "#3")
    proxy.lose("PUT", END_PATH)
    await alice.say(room, "!poll close 3")
    await until_card(alice, room, runner, card3, r"\(closed\)")
    await eventually(lambda: listed(proxy.lost), what="the end's answer to be lost")
    proxy.heal()
    failed = len(proxy.failed)
    proxy.fail("PUT", END_PATH)
    await eventually(lambda: listed(proxy.failed[failed:]), what="the end sent again, failing")
    proxy.heal()
    assert runner.bot is not None
    db = runner.bot.db

    async def ended() -> bool:
        row = await db.fetchone("SELECT state FROM matrix_polls WHERE start_id=?", (start3,))
        return row is not None and row[0] == "ended"

    await eventually(ended, what="poll 3's end to be taken")
    assert len(await ends_of(runner, alice, room, start3)) == 1

    # Nothing is sent twice at the next start, and late responses change nothing.
    await respond(carol, room, start2, ["1"])
    await runner.restart()
    await runner.idle()
    for start in (start1, start2, start3):
        assert len(await ends_of(runner, alice, room, start)) == 1
    seen = len(await alice.bot_messages(room, runner.user_id))
    await alice.say(room, "!poll results 2")
    after = await alice.wait_bot_message(room, runner.user_id, "(closed)", after=seen)
    assert "Mon — 0" in after.body and "Tue — 1" in after.body

    # 4. The card's closing edit fails: its native poll ends all the same (Element would
    # take votes that count nowhere).
    assert runner.adapter is not None
    channel = ChannelRef("matrix", room, room)
    choices = Choices("Lunch?", (("Soup",), ("Salad",)))
    ref = await runner.adapter.send(channel, Card("📊 Lunch?", ref="#9", choices=choices))
    [start4] = [e["event_id"] for e in await bot_events(alice, room, runner, START)][3:]
    proxy.fail("PUT", r"/send/m\.room\.message/")
    closed = Card("📊 Lunch? (closed)", ref="#9", body=(("Soup — 0",), ("Salad — 0",)),
                  choices=Choices("Lunch?", choices.options, closed=True))
    with pytest.raises(MatrixError):
        await runner.adapter.edit(ref, closed)
    proxy.heal()
    [end4] = await eventually(lambda: ends_of(runner, alice, room, start4), what="poll 4's end")
    assert "Salad — 0" in end4["content"][TEXT]
