"""An event's thread and role on Discord across a stop, and a thread a moderator locked, end to
end (the real cogs, adapter and discord.py against the fake Discord): a rename Discord held back
(429) when the bot stopped lands after the restart; a locked thread refuses each reminder's
copy (50083), said once in the log per lock and process, while the channel gets every one."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surface_repairs import reminders_in
from tests.adapters.discord.test_discord_surfaces import help_still_answers, requests_to
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    config_set,
    new_event,
    warnings_about,
)
from tests.conftest import ENGINES
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES
from tests.discord_fake.harness import Harness, World, delivered


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("surface", ["thread", "role"])
async def test_a_rename_held_back_when_the_bot_stops_lands_after_the_restart(
        harness: Harness, world: World, surface: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two renames in a row: the first lands, Discord holds the second back (429, its channel's
    renames used up) and the bot stops meanwhile. After the restart the thread (or role) gets
    the newest name, with no edit of the event to bring it back, and only once."""
    from adapters.discord import surfaces

    monkeypatch.setattr(surfaces, "RENAME_WAIT", 0.05)
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, f"events.{surface}", "on")
    card, eid = await new_event(world, bot, "Picnic")
    role = next((r["id"] for r in fake.guilds[world.guild]["roles"] if r["name"] == f"Picnic #{eid}"), "")
    path = f"/channels/{card}" if surface == "thread" else f"/roles/{role}"

    def name() -> str:
        got = fake.channels[card] if surface == "thread" else fake.roles.role(world.guild, role)
        assert got is not None
        return str(got["name"])

    for title in ("Lunch", "Supper"):
        if title == "Supper":  # Discord's answer to one rename too many: wait out the ten minutes
            fake.inject_429("PATCH", rf"{path}$", retry_after=600)
        edited = await fake.send_interaction("event edit", {"id": eid, "title": title}, user=u["alice"], channel=ch)
        assert "Updated" in edited.text, edited.text
    await fake.wait_for(lambda: requests_to(world, "PATCH", path) == 2, what="the second rename held back")
    assert name() == f"Lunch #{eid}"

    await harness.stop(bot)
    bot, adapter = await harness.start(ALL, clock=ManualClock(bot.clock.now()))
    await fake.wait_for(lambda: name() == f"Supper #{eid}", what=f"the {surface} renamed after the restart")
    await delivered(fake, bot, adapter)
    assert requests_to(world, "PATCH", path) == 3

    await harness.stop(bot)
    bot, adapter = await harness.start(ALL, clock=ManualClock(bot.clock.now()))
    await delivered(fake, bot, adapter)
    assert requests_to(world, "PATCH", path) == 3, "landed: not tried again at the next start"
    assert name() == f"Supper #{eid}"
    assert warnings_about(world, "") == []


async def test_reminders_in_a_thread_a_moderator_locked_are_refused_said_once(
        harness: Harness, world: World, caplog: pytest.LogCaptureFixture) -> None:
    """A moderator archived and locked the event's thread: the bot may not reopen it (Manage
    Threads), and Discord refuses each message there (400 50083). Each reminder's copy is tried
    there (the thread is kept: it may be unlocked), said in the log once per lock (once more
    after a restart, which forgets what it saw), and the channel gets every reminder, with no ⚠️
    to anyone: the moderator closed the discussion on purpose."""
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start(ALL, clock=ManualClock())
    await config_set(world, "events.thread", "on")
    await config_set(world, "reminders", "3h,2h,1h")
    card, eid = await new_event(world, bot, "Picnic", "in 4 hours")
    fake.threads.lock_by_hand(card)
    await delivered(fake, bot, adapter)

    def thread_warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records
                if r.levelno >= logging.WARNING and "thread" in r.getMessage()]

    await bot.scheduler.advance(timedelta(hours=1, minutes=1))  # the 3h reminder
    await delivered(fake, bot, adapter)
    assert len(reminders_in(world, world.channel)) == 1
    assert requests_to(world, "POST", f"/channels/{card}/messages") == 1
    [said] = thread_warnings()
    assert "locked" in said, said

    await bot.scheduler.advance(timedelta(hours=1))  # the 2h reminder
    await delivered(fake, bot, adapter)
    assert requests_to(world, "POST", f"/channels/{card}/messages") == 2
    assert len(thread_warnings()) == 1, "said once per lock"
    await harness.stop(bot)
    bot, adapter = await harness.start(ALL, clock=ManualClock(bot.clock.now()))
    await bot.scheduler.advance(timedelta(hours=1))  # the 1h reminder
    await delivered(fake, bot, adapter)
    assert len(reminders_in(world, world.channel)) == 3, "the channel has every one"
    assert requests_to(world, "POST", f"/channels/{card}/messages") == 3, "tried at each reminder"
    assert reminders_in(world, card) == []
    assert len(thread_warnings()) == 2, "once before the restart, once after"
    assert fake.channels[card]["thread_metadata"]["locked"] is True
    assert warnings_about(world, "") == []
    await help_still_answers(world)
