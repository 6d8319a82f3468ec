"""A room's events take effect in the order the homeserver gave them, its state included, and
a room flooded past its lane's bound holds up only itself. Through a proxy in front of the
real Synapse (tests/matrix_harness/faulty.py) that holds the bot's sends to one room, so what
comes after waits in that room's lane."""

from __future__ import annotations

from typing import Any

from tests.adapters.matrix.test_matrix_lanes import queued_behind, sends_to
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually, room_with, until_card
from tests.matrix_harness.faulty import FaultyProxy


async def held(proxy: FaultyProxy) -> None:
    async def some() -> bool:
        return bool(proxy.held)

    await eventually(some, what="a send to be held")


async def votes_behind_a_held_poll(alice: Human, room: str, adapter: Any, proxy: FaultyProxy) -> list[int]:
    """A poll whose card's send is held, and eight votes on it queued behind it, in order."""
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, '!poll create "Lunch?" Pizza | Sushi')
    await held(proxy)
    votes = [1 + i % 2 for i in range(8)]
    for vote in votes:
        await alice.say(room, f"!poll vote 1 {vote}")
    await queued_behind(adapter, room, 1 + len(votes), "every vote to be queued behind the card")
    return votes


async def test_a_flooded_room_does_not_hold_up_another_and_runs_each_event_once_in_order(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """Past the lane's bound the room's events wait in the inbox (they are there already)
    rather than the sync loop waiting for the lane (before: every room waited)."""
    bot, adapter = await runner.start()
    adapter.syncer.lanes.bound = 3  # the product's bound, small enough to reach here
    alice = humans("alice")
    flooded, quick = await runner.join(alice), await runner.join(alice)
    votes = await votes_behind_a_held_poll(alice, flooded, adapter, proxy)
    await alice.say(quick, "!help")
    await alice.wait_bot_message(quick, runner.user_id, "poll create")
    assert not await alice.bot_messages(flooded, runner.user_id)

    proxy.release()
    card = await alice.wait_bot_message(flooded, runner.user_id, "#1")
    await until_card(alice, flooded, runner, card.event_id, r"Sushi — 1\b", r"Pizza — 0\b")

    async def replies() -> list[str] | None:
        said = [m.body for m in await alice.bot_messages(flooded, runner.user_id) if "Your vote" in m.body]
        return said if len(said) >= len(votes) else None

    said = await eventually(replies, what="a reply to every vote") or []
    assert [("Pizza" if "Pizza" in r else "Sushi") for r in said] == [
        "Pizza" if v == 1 else "Sushi" for v in votes], said  # each once, in the order typed
    assert await bot.db.fetchall("SELECT seq FROM matrix_inbox") == []


async def test_power_levels_a_later_sync_brings_wait_for_the_commands_queued_before_them(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """A limited sync tells a gap's state changes in its state section; they take effect in
    the room's lane, after what was queued before (before: as the sync came, so a command
    queued before a promotion was judged as a moderator's)."""
    _, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await held(proxy)
    await bob.say(room, "!config set timezone Europe/Berlin")  # bob is no moderator yet
    await queued_behind(adapter, room, 2, "bob's command to be queued behind the reply")
    async with adapter.paused():
        # The sync in flight takes this line; the next waits until the gap is made.
        await alice.say(room, "taking the floor", msgtype="m.notice")
        await queued_behind(adapter, room, 3, "the sync in flight to be taken")
        levels = await alice.client.room_get_state_event(room, "m.room.power_levels")
        content: dict[str, Any] = dict(levels.content)
        content["users"] = {**content.get("users", {}), bob.user_id: 50}
        await alice.client.room_put_state(room, "m.room.power_levels", content)
        for i in range(101):  # past the sync's timeline limit: the promotion is in a gap
            await alice.say(room, f"filler {i}", msgtype="m.notice")
    await queued_behind(adapter, room, 100, "the limited sync to be taken")
    assert adapter.syncer.limited_syncs >= 1
    proxy.release()
    await alice.wait_bot_message(room, runner.user_id, "poll create")  # the help
    reply = await alice.wait_bot_message(room, runner.user_id, "", after=1)
    assert reply.body.startswith("⚠️") and "only moderators" in reply.body, reply.body


async def test_a_sender_is_named_as_they_were_when_their_command_came(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """A display name changed in a later sync takes effect after the commands queued before
    it (before: nio had taken it in already, and the RSVP carried the later name)."""
    # Here, not at the top: that module takes `held` from this one.
    from tests.adapters.matrix.test_matrix_restart_names import renamed

    _, adapter = await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await renamed(bob, room, "Bobby")
    await alice.say(room, '!event create "Board games" when="in 3 hours"')
    card = await alice.wait_bot_message(room, runner.user_id, "Board games")
    proxy.hold("PUT", sends_to(room))
    await alice.say(room, "!help")
    await held(proxy)
    await bob.say(room, "!rsvp 1 going")
    await queued_behind(adapter, room, 2, "the RSVP to be queued behind the reply")
    await renamed(bob, room, "Roberto")
    await queued_behind(adapter, room, 3, "the rename to be queued behind the RSVP")
    proxy.release()
    shown = await until_card(alice, room, runner, card.event_id, r"Going \(1\)", r"Bobby")
    assert "Roberto" not in shown.body, shown.body


async def test_a_command_in_the_gap_after_the_bots_join_is_answered(
        runner: BotRunner, humans: HumanFactory, proxy: FaultyProxy) -> None:
    """The bot joins a room and the next sync is cut short: its own join is in the sync's state
    section, and the command said after the join is in the gap (before: the join in the state
    section was taken for "joined in this timeline", the gap was not back-filled, and the
    command was lost)."""
    _, adapter = await runner.start()
    alice = humans("alice")
    proxy.hold("POST", r"/join")
    room = await alice.create_room(invite=[runner.user_id])
    await held(proxy)  # the sync that brought the invite waits for the join
    async with adapter.paused():  # that sync finishes; the next waits
        proxy.release()

        async def joined() -> bool:
            return (await alice.members(room)).get(runner.user_id) == "join"

        await eventually(joined, what="the bot to join")
        await alice.say(room, "!help")
        for i in range(101):  # past the sync's timeline limit: the command is in a gap
            await alice.say(room, f"filler {i}", msgtype="m.notice")
    await alice.wait_bot_message(room, runner.user_id, "poll create")
    assert adapter.syncer.limited_syncs >= 1
