"""An RSVP reaction made while the bot was down, before the event's end, counts once the bot
is back after the end (PRODUCT.md: "Reactions made while the bot was offline count once it is
back"), on a real Synapse: it is judged by the homeserver's stamp, not by when it arrives, and
its maker is not told it came too late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from tests.matrix_harness import BotRunner, HumanFactory, room_with


async def test_an_rsvp_made_while_down_before_the_end_counts_after_it(
        runner: BotRunner, humans: HumanFactory) -> None:
    # The bot's clock two hours behind the homeserver's: the event below ends an hour after
    # what the homeserver will stamp the reaction with.
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=2))
    await runner.start(clock=clock)
    owner, ann = humans("owner"), humans("ann")
    room = await room_with(runner, owner, ann)
    await owner.say(room, '!event create Picnic when="in 2h" duration=1h')
    card = (await owner.wait_bot_message(room, runner.user_id, "#1")).event_id
    await runner.idle()
    await runner.stop()
    await ann.react(room, card, "✅")  # the event open for another hour
    clock.advance(timedelta(hours=3, minutes=30))  # back after its end
    await runner.start()
    await owner.say(room, "!event attendees 1")
    listed = await owner.wait_bot_message(room, runner.user_id, "Going (1)")
    assert "ann" in listed.body, listed.body
    said = [m.body for m in await owner.bot_messages(room, runner.user_id)]
    assert not any("does not count" in s for s in said), said
