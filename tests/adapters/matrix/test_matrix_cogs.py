"""Polls, events and reminders end to end: real users react and redact on a real Synapse,
and the assertions read what the bot really shows in the room."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import nio
import pytest

from bot.adapter import DeliveryFailed
from bot.clock import ManualClock
from bot.model import ChannelRef, UserRef
from bot.render import Card, text
from bot.scheduler import Job
from tests.conftest import ENGINES
from tests.matrix_harness import (
    BotRunner,
    Human,
    HumanFactory,
    card_now,
    dm_reminder_due,
    eventually,
    room_with,
    until_card,
)
from tests.matrix_harness.faulty import FaultyProxy

NUMBERS = ("1️⃣", "2️⃣", "3️⃣")


@pytest.mark.parametrize("engine", ENGINES)
async def test_poll_create_vote_by_reaction_and_close(runner: BotRunner,
                                                      humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    room = await room_with(runner, alice, bob, carol)
    await alice.say(room, '!poll create "Where should we meet?" Riverside Park | Blue Cafe | Library')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    assert "Where should we meet?" in card.body

    async def seeded() -> bool:
        c = await card_now(alice, room, runner.user_id, card.event_id)
        return all(c.reactions.get(n) == [runner.user_id] for n in NUMBERS)

    await eventually(seeded, what="the bot to seed 1️⃣ 2️⃣ 3️⃣")

    await alice.react(room, card.event_id, "2️⃣")
    await bob.react(room, card.event_id, "2\u20e3")  # a client that drops U+FE0F
    carol_vote = await carol.react(room, card.event_id, "1️⃣")
    # Single choice: carol's latest vote wins.
    await carol.react(room, card.event_id, "3️⃣")
    await until_card(alice, room, runner, card.event_id,
                      r"Riverside Park — 0\b", r"Blue Cafe — 2\b", r"Library — 1\b")
    # Withdrawing a superseded vote changes nothing.
    await carol.redact(room, carol_vote)
    edited = await until_card(alice, room, runner, card.event_id,
                               r"Riverside Park — 0\b", r"Blue Cafe — 2\b", r"Library — 1\b")
    assert edited.edits >= 1
    assert edited.content["msgtype"] == "m.notice"
    edit_events = [e for e in await alice.raw_events(room)
                   if (e.get("content") or {}).get("m.relates_to", {}).get("rel_type") == "m.replace"]
    assert edit_events and all(e["sender"] == runner.user_id for e in edit_events)
    assert all(e["content"]["m.mentions"] == {} and "m.new_content" in e["content"]
               for e in edit_events)

    await bob.say(room, "!poll close 1")
    await bob.wait_bot_message(room, runner.user_id, "⚠️")  # not the creator, not a moderator
    await alice.say(room, "!poll close 1")
    await until_card(alice, room, runner, card.event_id, r"\(closed\)", r"Blue Cafe — 2\b")
    await alice.wait_bot_message(room, runner.user_id, "Result: Blue Cafe")


@pytest.mark.parametrize("engine", ENGINES)
async def test_event_rsvp_by_reaction_waitlist_and_redaction(runner: BotRunner,
                                                             humans: HumanFactory) -> None:
    await runner.start()
    alice, bob, carol = humans("alice"), humans("bob"), humans("carol")
    room = await room_with(runner, alice, bob, carol)
    await alice.say(room, '!event create "Picnic" when="tomorrow 7pm" where="Riverside" capacity=1')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    assert "Going (0/1)" in card.body

    async def seeded() -> bool:
        c = await card_now(alice, room, runner.user_id, card.event_id)
        return all(c.reactions.get(k) == [runner.user_id] for k in ("✅", "🤔", "❌"))

    await eventually(seeded, what="the bot to seed ✅ 🤔 ❌")

    going = await bob.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Going \(1/1\)")
    await carol.react(room, card.event_id, "✅")
    await alice.react(room, card.event_id, "🤔")
    c = await until_card(alice, room, runner, card.event_id,
                          r"Going \(1/1\)", r"Waitlist \(1\)", r"Maybe \(1\)")
    bob_name, carol_name = bob.user_id[1:].split(":")[0], carol.user_id[1:].split(":")[0]
    assert re.search(rf"Going \(1/1\)\n\s+{bob_name}", c.body), c.body
    assert re.search(rf"Waitlist \(1\)\n\s+{carol_name}", c.body), c.body

    # Bob takes his ✅ back: carol is promoted and told with a real mention.
    await bob.redact(room, going)
    c = await until_card(alice, room, runner, card.event_id, r"Going \(1/1\)\n\s+" + carol_name)
    assert "Waitlist" not in c.body
    told = await alice.wait_bot_message(room, runner.user_id, "spot opened")
    assert told.content["m.mentions"] == {"user_ids": [carol.user_id]}
    assert f"https://matrix.to/#/{carol.user_id}" in told.html

    await bob.say(room, "!rsvp 1 maybe")
    await until_card(alice, room, runner, card.event_id, r"Maybe \(2\)")

    # The calendar file is a real upload and an m.file message.
    await bob.say(room, "!event ics 1")

    async def ics_message() -> dict[str, Any] | None:
        for ev in reversed(await alice.raw_events(room)):
            if ev.get("sender") == runner.user_id and ev["content"].get("msgtype") == "m.file":
                return dict(ev["content"])
        return None

    file = await eventually(ics_message, what="the .ics file message")
    assert file["filename"].endswith(".ics") and file["url"].startswith("mxc://")
    server_name, media_id = file["url"][len("mxc://"):].split("/", 1)
    resp = await alice.client.send(
        "GET", f"/_matrix/client/v1/media/download/{server_name}/{media_id}",
        headers={"Authorization": f"Bearer {alice.client.access_token}"})
    assert resp.status == 200
    assert "BEGIN:VCALENDAR" in await resp.text()


@pytest.mark.parametrize("engine", ENGINES)
async def test_reminder_is_posted_once_with_its_txn_id(runner: BotRunner,
                                                       humans: HumanFactory) -> None:
    clock = ManualClock()
    bot, adapter = await runner.start(clock=clock)
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, '!event create "Board games" when="in 3 hours" where="Library"')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    await bob.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Going \(1\)")

    fired = await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    assert fired == 1
    reminder = await alice.wait_bot_message(room, runner.user_id, "Reminder")
    assert "Board games" in reminder.body and "starts" in reminder.body
    assert reminder.content["m.mentions"] == {"user_ids": [bob.user_id]}

    row = await bot.db.fetchone(
        "SELECT id, kind, key, space, due_at, state, payload, attempts FROM jobs "
        "WHERE kind='event.reminder' AND state='sent'")
    assert row is not None
    key = Job.from_row(row).idempotency_key
    # Only the sending device sees its txn id: read the event as the bot.
    resp = await adapter.client.room_messages(room, limit=20)
    mine = [e.source for e in resp.chunk if e.event_id == reminder.event_id]
    assert mine and mine[0]["unsigned"].get("transaction_id") == key

    # A crash after sending but before marking `sent` re-sends with the same key: one message.
    again = await bot.send(ChannelRef("matrix", room, room), text("⏰ Reminder again"),
                           idempotency_key=key)
    assert again.id == reminder.event_id
    msgs = await alice.bot_messages(room, runner.user_id)
    assert [m.event_id for m in msgs if "Reminder" in m.body] == [reminder.event_id]


async def test_seeding_twice_is_harmless(runner: BotRunner, humans: HumanFactory,
                                         caplog: pytest.LogCaptureFixture) -> None:
    """A card re-posted with its key lands once; seeding again meets M_DUPLICATE_ANNOTATION,
    which is expected and logged at no error level."""
    bot, adapter = await runner.start(extensions=["cogs.admin"])
    alice = humans("alice")
    room = await runner.join(alice)
    channel = ChannelRef("matrix", room, room)
    card = Card("Seeded", ref="#9", reactions=("✅", "🤔", "❌"))
    first = await bot.send(channel, card, idempotency_key="seed-test-1")
    second = await bot.send(channel, card, idempotency_key="seed-test-1")
    assert first == second
    with caplog.at_level(logging.DEBUG, logger="adapters.matrix"):
        await adapter._seed(first, card.reactions, None)  # new txn ids: the server refuses them
    assert sum("already seeded" in r.getMessage() for r in caplog.records) == 3
    await alice.react(room, first.id, "✅")

    async def reactions() -> dict[str, list[str]] | None:
        c = await card_now(alice, room, runner.user_id, first.id)
        return c.reactions if len(c.reactions.get("✅", [])) == 2 else None

    seen = await eventually(reactions, what="alice's reaction next to the seeded ones")
    assert seen == {"✅": [runner.user_id, alice.user_id], "🤔": [runner.user_id],
                    "❌": [runner.user_id]}
    assert len(await alice.bot_messages(room, runner.user_id)) == 1


async def invited_rooms(human: Human) -> list[str]:
    resp = await human.client.sync(timeout=0, full_state=True)
    assert isinstance(resp, nio.SyncResponse), resp
    return list(resp.rooms.invite)


async def test_notify_dm_reminder_in_a_direct_room_the_bot_opens_and_reuses(
        runner: BotRunner, humans: HumanFactory) -> None:
    clock = ManualClock()
    bot, adapter = await runner.start(clock=clock)
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await dm_reminder_due(runner, room, alice, bob)
    await alice.wait_bot_message(room, runner.user_id, "Reminder")  # the room still has it

    async def an_invite() -> list[str]:
        return await invited_rooms(bob)

    [dm] = await eventually(an_invite, what="the bot's invite to a direct room")
    await bob.join(dm)
    first = await bob.wait_bot_message(dm, runner.user_id, "Reminder")
    assert "Board games #1 starts in 1 hour" in first.body
    # A second DM (a new time) goes to the same room, not a new one.
    await alice.say(room, '!event edit 1 when="in 4 hours"')
    await bob.wait_bot_message(dm, runner.user_id, "has a new time")
    assert await invited_rooms(bob) == []
    rows = await bot.db.fetchall("SELECT user_id, room_id FROM matrix_dm_rooms")
    assert [tuple(r) for r in rows] == [(bob.user_id, dm)]


async def test_a_dm_the_homeserver_fails_is_not_taken_for_closed_dms(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    bot, adapter = await runner.start()
    bob = humans("bob")
    who = UserRef("matrix", bob.user_id, "bob")
    proxy.fail("POST", r"/createRoom$")  # the homeserver's trouble: only this DM is lost
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(who, text("first"))
    assert proxy.failed and await bot.db.fetchall("SELECT room_id FROM matrix_dm_rooms") == []
    proxy.heal()
    assert await adapter.send_dm(who, text("second")) is not None
    [(dm,)] = [tuple(r) for r in await bot.db.fetchall("SELECT room_id FROM matrix_dm_rooms")]
    proxy.fail("PUT", r"/send/m\.room\.message/")
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(who, text("third"))
    proxy.heal()
    # The room is kept for the next one (a refused send would have dropped it).
    assert [tuple(r) for r in await bot.db.fetchall("SELECT room_id FROM matrix_dm_rooms")] == [(dm,)]
    # The homeserver refusing is what counts as closed: here the bot is no longer in the room.
    await adapter.transport.client.room_leave(dm)
    assert await adapter.send_dm(who, text("fourth")) is None
    assert await bot.db.fetchall("SELECT room_id FROM matrix_dm_rooms") == []
