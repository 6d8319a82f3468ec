"""A direct message re-sent after a crash lands once on a real Synapse: the DM room it needs
is opened once (dms.py: the alias kept before the room is asked for), and the message goes
with its key as the txn id, which Synapse answers with the first event."""

from __future__ import annotations

import nio
import pytest

from adapters.matrix import MatrixAdapter
from bot.adapter import DeliveryFailed
from bot.clock import ManualClock
from bot.model import UserRef
from bot.render import text
from tests.conftest import ENGINES
from tests.matrix_harness import (
    BotRunner,
    Human,
    HumanFactory,
    dm_reminder_due,
    eventually,
    room_with,
)
from tests.matrix_harness.faulty import FaultyProxy


async def invited_rooms(human: Human) -> list[str]:
    resp = await human.client.sync(timeout=0, full_state=True)
    assert isinstance(resp, nio.SyncResponse), resp
    return list(resp.rooms.invite)


async def bodies(human: Human, room: str, sender: str) -> list[str]:
    return [e["content"]["body"] for e in await human.raw_events(room)
            if e.get("type") == "m.room.message" and e.get("sender") == sender]


async def test_a_reminder_re_sent_after_a_crash_is_one_dm(runner: BotRunner, humans: HumanFactory) -> None:
    bot, _ = await runner.start(clock=ManualClock())
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await dm_reminder_due(runner, room, alice, bob)
    [dm] = await eventually(lambda: invited_rooms(bob), what="the bot's invite to a direct room")
    await bob.join(dm)
    await bob.wait_bot_message(dm, runner.user_id, "Reminder")
    # The crash came after the DM and before the job was marked done: the re-run sends it
    # again, with the same txn id.
    await bot.db.execute("UPDATE jobs SET state='sending' WHERE kind='event.reminder'")
    await bot.scheduler.recover()
    [(state,)] = await bot.db.fetchall("SELECT state FROM jobs WHERE kind='event.reminder'")
    assert state == "sent"
    assert len([b for b in await bodies(bob, dm, runner.user_id) if "Reminder" in b]) == 1
    assert len([b for b in await bodies(alice, room, runner.user_id) if "Reminder" in b]) == 1


@pytest.mark.parametrize("engine", ENGINES)
async def test_a_dm_whose_answers_were_lost_is_one_room_and_one_event(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    bot, adapter = await runner.start()
    bob = humans("bob")
    who = UserRef("matrix", bob.user_id, "bob")
    # The room is made and bob invited, but the bot never hears of it (as if it had
    # crashed then): the next try must find that room, not open a second one.
    proxy.lose("POST", r"/createRoom$")
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(who, text("first"), idempotency_key="job-1/dm/bob")
    assert proxy.lost and await bot.db.fetchall("SELECT room_id FROM matrix_dm_rooms") == []
    [(alias,)] = await bot.db.fetchall("SELECT alias FROM matrix_dm_opening")
    proxy.heal()
    first = await adapter.send_dm(who, text("first"), idempotency_key="job-1/dm/bob")
    assert first is not None
    invites = await invited_rooms(bob)
    assert len(invites) == 1, f"a second room was opened: {invites}"
    [dm] = invites
    assert first.channel_id == dm
    await bob.join(dm)
    # The message is sent and its answer lost: the same txn id again is the same event.
    proxy.lose("PUT", r"/send/m\.room\.message/")
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(who, text("second"), idempotency_key="job-2/dm/bob")
    proxy.heal()
    second = await adapter.send_dm(who, text("second"), idempotency_key="job-2/dm/bob")
    assert second is not None and second.channel_id == dm
    assert await adapter.send_dm(who, text("second"), idempotency_key="job-2/dm/bob") == second
    assert await bodies(bob, dm, runner.user_id) == ["first", "second"]
    # Stored, the room needs its alias no more; and the person's client names it after
    # the bot, not after an alias.
    assert await bot.db.fetchall("SELECT alias FROM matrix_dm_opening") == []
    gone = await bob.client.room_resolve_alias(alias)
    assert isinstance(gone, nio.RoomResolveAliasError) and gone.status_code == "M_NOT_FOUND", gone
    state = await bob.client.room_get_state(dm)
    assert isinstance(state, nio.RoomGetStateResponse)
    assert [e for e in state.events if e["type"] == "m.room.canonical_alias" and e["content"]] == []


async def test_a_homeserver_that_lets_the_bot_make_no_alias_still_gets_dms(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    bot, adapter = await runner.start()
    bob = humans("bob")
    # Synapse's answer where alias_creation_rules deny the bot.
    proxy.refuse("POST", r"/createRoom$", 403, "M_FORBIDDEN")
    ref = await adapter.send_dm(UserRef("matrix", bob.user_id, "bob"), text("hello"), idempotency_key="k")
    assert proxy.failed and ref is not None
    [dm] = await invited_rooms(bob)
    await bob.join(dm)
    assert await bodies(bob, dm, runner.user_id) == ["hello"]
    assert [tuple(r) for r in await bot.db.fetchall("SELECT user_id, room_id FROM matrix_dm_rooms")] == \
        [(bob.user_id, dm)]


async def test_a_room_opened_before_whose_invite_failed_invites_the_person(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    bot, adapter = await runner.start()
    bob = humans("bob")
    who = UserRef("matrix", bob.user_id, "bob")
    # The homeserver made the room under its alias, then failed to invite bob, and
    # answered an error: the next try finds that room, which bob was never invited to.
    proxy.strip("POST", r"/createRoom$", "invite")
    proxy.lose("POST", r"/createRoom$")
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(who, text("hello"), idempotency_key="job-1/dm/bob")
    assert proxy.lost and await invited_rooms(bob) == []
    proxy.heal()
    ref = await adapter.send_dm(who, text("hello"), idempotency_key="job-1/dm/bob")
    assert ref is not None
    resp = await bob.client.sync(timeout=0, full_state=True)
    assert isinstance(resp, nio.SyncResponse), resp
    assert list(resp.rooms.invite) == [ref.channel_id], "bob was not invited to the room the DM went to"
    # Invited as createRoom would have: marked direct, so bob's client shows a DM.
    [invite] = [e for e in resp.rooms.invite[ref.channel_id].invite_state
                if isinstance(e, nio.InviteMemberEvent) and e.state_key == bob.user_id]
    assert invite.membership == "invite" and invite.content.get("is_direct") is True
    await bob.join(ref.channel_id)
    assert await bodies(bob, ref.channel_id, runner.user_id) == ["hello"]
    # Stored: the next DM goes to the same room, with no second invite.
    again = await adapter.send_dm(who, text("again"), idempotency_key="job-2/dm/bob")
    assert again is not None and again.channel_id == ref.channel_id
    assert await bodies(bob, ref.channel_id, runner.user_id) == ["hello", "again"]


async def decline(adapter: MatrixAdapter, bob: Human, dm: str) -> None:
    """Bob declines the bot's invite to `dm`, and the bot's sync has seen it (it may lag the
    server by a sync, and a DM tried before that goes to the room as the bot last saw it)."""
    declined = await bob.client.room_leave(dm)
    assert isinstance(declined, nio.RoomLeaveResponse), declined
    client = adapter.transport.client

    async def bot_saw_it() -> bool:
        return dm not in client.rooms or bob.user_id not in client.rooms[dm].users
    await eventually(bot_saw_it, what="the bot's sync to see bob decline")


async def test_a_room_opened_before_whose_invite_was_declined_is_not_forced_again(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """The room made before a lost answer was declined: the next try does not invite the person
    to it again (nor open another); the DM is refused, as for someone who left a DM room."""
    bot, adapter = await runner.start()
    bob = humans("bob")
    who = UserRef("matrix", bob.user_id, "bob")
    proxy.lose("POST", r"/createRoom$")
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(who, text("first"), idempotency_key="job-1/dm/bob")
    proxy.heal()
    [dm] = await invited_rooms(bob)
    await decline(adapter, bob, dm)
    assert await adapter.send_dm(who, text("first"), idempotency_key="job-1/dm/bob") is None
    assert await invited_rooms(bob) == []
    assert await bot.db.fetchall("SELECT alias FROM matrix_dm_opening") == []
