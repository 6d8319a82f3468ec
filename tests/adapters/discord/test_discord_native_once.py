"""What happens once and only once on Discord's native surfaces, end to end: a thread and a
role are cleaned up a day after the end exactly once, also when logoff was down at that time
and is restarted twice after it; RSVP buttons on a cancelled or finished event answer with a
private warning and change nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surfaces import help_still_answers, requests_to
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    card_text,
    config_set,
    new_event,
    warnings_about,
)
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES
from tests.discord_fake.harness import Harness, World, delivered


async def test_cleanup_after_the_end_happens_once_across_restarts(harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_ROLES | MANAGE_EVENTS)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    for key in ("events.thread", "events.role"):
        await config_set(world, key, "on")
    card, eid = await new_event(world, bot, "Picnic", "in 3 hours")
    await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["bob"], channel=ch)
    await delivered(fake, bot, adapter)
    [role] = [r for r in fake.guilds[world.guild]["roles"] if r["name"] == f"Picnic #{eid}"]
    await harness.stop(bot)

    clock.advance(timedelta(days=3))  # logoff was down when the cleanup was due
    for _ in range(2):
        bot, adapter = await harness.start(ALL, clock=clock)
        await bot.scheduler.advance(timedelta(seconds=1))
        await delivered(fake, bot, adapter)
        assert fake.roles.role(world.guild, role["id"]) is None
        assert fake.channels[card]["thread_metadata"]["archived"] is True
        await harness.stop(bot)
    assert requests_to(world, "DELETE", f"/roles/{role['id']}") == 1
    assert requests_to(world, "PATCH", f"/channels/{card}") == 1
    assert warnings_about(world, "") == []


async def test_buttons_of_a_cancelled_or_finished_event_answer_privately_and_change_nothing(
        harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "rsvp.buttons", "on")
    cancelled, first = await new_event(world, bot, "Picnic", "in 3 hours")
    finished, second = await new_event(world, bot, "Hike", "in 4 hours")
    buttons = {card: [dict(row) for row in fake.messages[card]["components"]] for card in (cancelled, finished)}
    await fake.send_interaction("event cancel", {"id": first}, user=u["alice"], channel=ch)
    await bot.scheduler.advance(timedelta(hours=7))
    await delivered(fake, bot, adapter)
    for card, eid, why in ((cancelled, first, "cancelled"), (finished, second, "ended")):
        # A client that still shows the card as it was (the edit not seen yet) lets one press.
        fake.messages[card]["components"] = buttons[card]
        pressed = await fake.press_button(card, f"rsvp:{eid}:going", user=u["bob"])
        assert pressed.ephemeral and pressed.text.startswith("⚠️") and why in pressed.text, pressed.text
        assert not pressed.interaction.errors, "acknowledged in time, once"
        assert "Going (0)" in card_text(world, card)
    await help_still_answers(world)
