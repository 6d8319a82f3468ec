"""A direct-message room whose invite Synapse refused inside createRoom: the room is made
under the alias kept before asking, and the answer is a 403 (as when the invite is refused),
not a 500. The next step finds that room by its alias and invites the person, as after a lost
answer; it does not open a second room without an alias."""

from __future__ import annotations

import nio

from bot.model import UserRef
from bot.render import text
from tests.adapters.matrix.test_matrix_dm_once import bodies
from tests.matrix_harness import BotRunner, HumanFactory
from tests.matrix_harness.faulty import FaultyProxy


async def test_a_room_made_whose_invite_was_refused_is_found_by_its_alias(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    bot, adapter = await runner.start()
    bob = humans("bob")
    who = UserRef("matrix", bob.user_id, "bob")
    client = adapter.transport.client
    before = await client.joined_rooms()
    assert isinstance(before, nio.JoinedRoomsResponse), before
    # Synapse made the room under its alias, failed the invite and answered 403 M_FORBIDDEN.
    proxy.strip("POST", r"/createRoom$", "invite")
    proxy.lose("POST", r"/createRoom$", 403, "M_FORBIDDEN")
    ref = await adapter.send_dm(who, text("hello"), idempotency_key="job-1/dm/bob")
    proxy.heal()
    after = await client.joined_rooms()
    assert isinstance(after, nio.JoinedRoomsResponse), after
    made = set(after.rooms) - set(before.rooms)
    assert len(made) == 1, f"a second direct-message room was opened: {made}"
    assert ref is not None and {ref.channel_id} == made
    resp = await bob.client.sync(timeout=0, full_state=True)
    assert isinstance(resp, nio.SyncResponse), resp
    assert list(resp.rooms.invite) == [ref.channel_id]
    [invite] = [e for e in resp.rooms.invite[ref.channel_id].invite_state
                if isinstance(e, nio.InviteMemberEvent) and e.state_key == bob.user_id]
    assert invite.content.get("is_direct") is True
    await bob.join(ref.channel_id)
    assert await bodies(bob, ref.channel_id, runner.user_id) == ["hello"]
    assert [tuple(r) for r in await bot.db.fetchall("SELECT user_id, room_id FROM matrix_dm_rooms")] == \
        [(bob.user_id, ref.channel_id)]
    assert await bot.db.fetchall("SELECT alias FROM matrix_dm_opening") == []
