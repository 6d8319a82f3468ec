"""A gap that cannot be back-filled has the room's cards re-read (/relations), and that fresh
reading is newer than every event queued before it: it takes effect in the room's lane after
them (the events left at a stop included), not ahead of them as the sync comes. Through the
proxy that holds the bot's sends to the room (so what came before waits in its lane) and
fails its /messages (the back-fill)."""

from __future__ import annotations

import asyncio
from typing import Any

from adapters.matrix.lanes import Lanes
from tests.adapters.matrix.test_matrix_lane_order import held
from tests.adapters.matrix.test_matrix_lanes import Inbox, queued_behind, sends_to
from tests.matrix_harness import (
    BotRunner,
    HumanFactory,
    card_now,
    eventually,
    room_with,
    until_card,
)
from tests.matrix_harness.faulty import FaultyProxy

GAP = 110  # more than a sync's timeline holds (the sync filter's limit)


async def test_a_fresh_reading_after_a_failed_back_fill_comes_after_the_reactions_queued_before(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """Before: the room was re-read as the sync came, and bob's ✅ queued before it (taken back in
    the gap the back-fill lost) was counted after the reading, for good."""
    bot, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, '!event create "Board games" when="in 3 hours"')
    card = (await alice.wait_bot_message(room, runner.user_id, "Board games")).event_id
    await alice.react(room, card, "✅")
    await until_card(alice, room, runner, card, r"Going \(1\)")

    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await held(proxy)
    going = await bob.react(room, card, "✅")
    await queued_behind(adapter, room, 2, "bob's ✅ to be queued behind the reply")
    syncer: Any = adapter.syncer
    async with adapter.paused():
        synced = syncer.sync_count
        await alice.say(room, "the sync in flight returns with this")

        async def returned() -> bool:
            return bool(syncer.sync_count > synced)

        await eventually(returned, what="the sync in flight to return")
        await bob.redact(room, going)
        for i in range(GAP):
            await alice.say(room, f"chat {i}")
        proxy.fail("GET", r"/messages$")
        limited, synced = syncer.limited_syncs, syncer.sync_count

    async def gap_handled() -> bool:
        return bool(syncer.limited_syncs > limited and syncer.sync_count > synced)

    await eventually(gap_handled, what="the limited sync to be handled")
    assert [f for f in proxy.failed if f.endswith("/messages")], "the back-fill did not fail"
    proxy.heal()
    proxy.release()
    await syncer.lanes.settled()
    await bot.cards.idle()
    shown = await card_now(alice, room, runner.user_id, card)
    assert "Going (1)" in shown.body and bob.user_id[1:].split(":")[0] not in shown.body, shown.body
    assert await bot.db.fetchall("SELECT event_id FROM matrix_reactions WHERE event_id=?", (going,)) == []


async def test_a_reading_put_while_a_room_spills_comes_after_its_spilled_events() -> None:
    """A lane past its bound reads its events back from the inbox; a reading queued then waits
    for them (a tick `run_in` queues would run first)."""
    inbox, seen = Inbox(), list[str]()
    gate = asyncio.Event()

    async def handle(room_id: str, events: Any) -> None:
        await gate.wait()
        seen.extend(e["id"] for e in events)

    async def reread() -> None:
        seen.append("reading")

    lanes = Lanes(handle, bound=2)
    lanes.inbox = inbox
    for ids in (["a"], ["b"], ["c", "d"]):  # the last spills
        events = [{"id": i} for i in ids]
        await lanes.put("!room", events, inbox.write("!room", events))
    lanes.put_tick("!room", reread)
    gate.set()
    async with asyncio.timeout(5):
        await lanes.settled()
    assert seen == ["a", "b", "c", "d", "reading"]
    await lanes.stop()
