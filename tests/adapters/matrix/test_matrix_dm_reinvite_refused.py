"""A direct-message room made under its alias whose invite Synapse refused inside createRoom
(dms.py finds it by the alias and invites the person) and whose invite is refused again: the
DM is refused (the core then says once that the person's DMs are closed), and the bot does not
stay alone in that room, nor keep its alias or its opening for the next DM to walk into."""

from __future__ import annotations

import asyncio

import nio
import pytest

from adapters.matrix import MatrixAdapter
from bot.adapter import DeliveryFailed
from bot.model import MessageRef, UserRef
from bot.render import text
from tests.adapters.matrix.test_matrix_dm_once import bodies, decline, invited_rooms
from tests.matrix_harness import BotRunner, HumanFactory, eventually
from tests.matrix_harness.faulty import FaultyProxy


async def refused_twice(adapter: MatrixAdapter, proxy: FaultyProxy, who: UserRef,
                        key: str) -> tuple[MessageRef | None, str]:
    """A DM whose room is made without its invite, answered 403, and whose invite is then
    refused; and the alias it was opened under (read while createRoom is held)."""
    assert adapter.store is not None
    proxy.hold("POST", r"/createRoom$")
    proxy.strip("POST", r"/createRoom$", "invite")
    proxy.lose("POST", r"/createRoom$", 403, "M_FORBIDDEN")
    proxy.refuse("PUT", r"/state/m\.room\.member/", 403, "M_FORBIDDEN")
    held = len(proxy.held)
    sent = asyncio.create_task(adapter.send_dm(who, text("hello"), idempotency_key=key))
    await eventually(lambda: asyncio.sleep(0, len(proxy.held) > held), what="createRoom to be asked")
    alias = await adapter.store.dm_opening(who.id)
    assert alias is not None
    proxy.release()
    ref = await sent
    proxy.heal()
    assert not proxy.refusing, "the invite was not asked for again"
    return ref, alias


async def test_a_room_whose_invite_is_refused_again_is_left_with_its_alias(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    bot, adapter = await runner.start()
    bob = humans("bob")
    who = UserRef("matrix", bob.user_id, "bob")
    client = adapter.transport.client
    before = await client.joined_rooms()
    assert isinstance(before, nio.JoinedRoomsResponse), before
    for n in (1, 2):  # a later DM (an export, `notify dm` again) starts over, and leaves none either
        ref, alias = await refused_twice(adapter, proxy, who, f"job-{n}/dm/bob")
        assert ref is None
        after = await client.joined_rooms()
        assert isinstance(after, nio.JoinedRoomsResponse), after
        assert set(after.rooms) == set(before.rooms), "the bot stayed alone in the room it opened"
        gone = await bob.client.room_resolve_alias(alias)
        assert isinstance(gone, nio.RoomResolveAliasError) and gone.status_code == "M_NOT_FOUND", gone
        assert await bot.db.fetchall("SELECT alias FROM matrix_dm_opening") == []
        assert await bot.db.fetchall("SELECT room_id FROM matrix_dm_rooms") == []
        assert await invited_rooms(bob) == []
    # Once the homeserver lets bob be invited, a DM asked for gets a room of its own.
    ref = await adapter.send_dm(who, text("at last"), idempotency_key="job-3/dm/bob")
    assert ref is not None
    assert await invited_rooms(bob) == [ref.channel_id]
    await bob.join(ref.channel_id)
    assert await bodies(bob, ref.channel_id, runner.user_id) == ["at last"]


async def test_a_room_opened_before_and_declined_is_left_with_its_alias(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    bot, adapter = await runner.start()
    bob = humans("bob")
    who = UserRef("matrix", bob.user_id, "bob")
    proxy.lose("POST", r"/createRoom$")
    with pytest.raises(DeliveryFailed):
        await adapter.send_dm(who, text("first"), idempotency_key="job-1/dm/bob")
    proxy.heal()
    [(alias,)] = await bot.db.fetchall("SELECT alias FROM matrix_dm_opening")
    [dm] = await invited_rooms(bob)
    await decline(adapter, bob, dm)
    client = adapter.transport.client
    assert await adapter.send_dm(who, text("first"), idempotency_key="job-1/dm/bob") is None
    gone = await bob.client.room_resolve_alias(alias)
    assert isinstance(gone, nio.RoomResolveAliasError) and gone.status_code == "M_NOT_FOUND", gone
    joined = await client.joined_rooms()
    assert isinstance(joined, nio.JoinedRoomsResponse) and dm not in joined.rooms, joined
