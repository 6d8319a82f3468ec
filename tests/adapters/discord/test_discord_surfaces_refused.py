"""Each native surface with its permission taken from logoff's role in the fake Discord (issue 19):
the refusal is said once in the channel (⚠️ with the sentence that names the permission), not
once per event; `config show` shows it; the card, RSVPs by reaction, reminders and the other
surfaces go on; once the permission is back, the next event clears the note."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.discord import listings as lst
from adapters.discord import surfaces as srf
from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surfaces import help_still_answers, listed
from tests.adapters.discord.test_discord_surfaces_cog import (
    ALL,
    card_text,
    config_set,
    new_event,
    warnings_about,
)
from tests.discord_fake import (
    CREATE_PUBLIC_THREADS,
    MANAGE_EVENTS,
    MANAGE_ROLES,
    FakeDiscord,
    message_text,
)
from tests.discord_fake.harness import Harness, World, delivered


def take(fake: FakeDiscord, world: World, surface: str) -> None:
    """A moderator takes the permission from logoff's role (threads: denied in the event's
    channel, since @everyone may start threads server-wide)."""
    if surface == "listing":
        fake.roles.revoke_bot(world.guild, MANAGE_EVENTS)
    elif surface == "role":
        fake.roles.revoke_bot(world.guild, MANAGE_ROLES)
    else:
        fake.set_overwrite(world.channel, fake.roles.bot_role_id(world.guild), deny=CREATE_PUBLIC_THREADS)


def give_back(fake: FakeDiscord, world: World, surface: str) -> None:
    if surface == "listing":
        fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    elif surface == "role":
        fake.roles.grant_bot(world.guild, MANAGE_ROLES)
    else:
        fake.set_overwrite(world.channel, fake.roles.bot_role_id(world.guild))


def surfaces_of(world: World, card: int, title: str) -> dict[str, bool]:
    """Which surfaces the event with this card got in the fake."""
    fake = world.fake
    return {"listing": any(ev["name"] == title for ev in listed(world)),
            "thread": fake.channels.get(card, {}).get("type") == 11,
            "role": any(r["name"].startswith(f"{title} #") for r in fake.guilds[world.guild]["roles"])}


@pytest.mark.parametrize("surface, permission, sentence, label", [
    ("listing", "Manage Events", lst.NO_MANAGE_EVENTS, "Event list"),
    ("thread", "Create Public Threads", srf.NO_THREADS, "Threads"),
    ("role", "Manage Roles", srf.NO_ROLES, "Roles"),
], ids=["listing", "thread", "role"])
async def test_a_missing_permission_is_said_once_and_the_rest_goes_on(harness: Harness, world: World, surface: str,
                                                                      permission: str, sentence: str,
                                                                      label: str) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    take(fake, world, surface)
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    for key, value in (("events.thread", "on"), ("events.role", "on"), ("reminders", "1h")):
        await config_set(world, key, value)
    picnic, _ = await new_event(world, bot, "Picnic", "in 3 hours")
    movies, _ = await new_event(world, bot, "Movies", "in 5 hours")
    await delivered(fake, bot, adapter)
    assert warnings_about(world, "") == ["⚠️ " + sentence], "said once, not once per event"
    assert f"lacks the {permission} permission" in sentence
    others = {s: True for s in ("listing", "thread", "role") if s != surface}
    for card, title in ((picnic, "Picnic"), (movies, "Movies")):
        assert surfaces_of(world, card, title) == {**others, surface: False}
    shown = await fake.send_interaction("config show", user=u["mod"], channel=ch)
    assert f"{label}: {sentence}" in shown.text

    # The rest of the bot goes on: RSVPs by reaction on the card, the reminder, help.
    fake.add_reaction(picnic, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in card_text(world, picnic), what="bob going")
    await bot.scheduler.advance(timedelta(hours=2, minutes=1))
    await delivered(fake, bot, adapter)
    [reminder] = [m for m in fake.channel_messages(ch) if "Reminder" in message_text(m)]
    assert "Picnic" in message_text(reminder)
    assert fake.pings(reminder["content"], reminder["_allowed_mentions"]) == ([u["bob"]], False)
    await help_still_answers(world)
    assert len(warnings_about(world, "")) == 1

    give_back(fake, world, surface)
    quiz, _ = await new_event(world, bot, "Quiz", "in 7 hours")
    await delivered(fake, bot, adapter)
    assert surfaces_of(world, quiz, "Quiz") == {"listing": True, "thread": True, "role": True}
    shown = await fake.send_interaction("config show", user=u["mod"], channel=ch)
    assert sentence not in shown.text and f"{label}:" not in shown.text, "the note is gone"
    assert len(warnings_about(world, "")) == 1


async def test_all_three_missing_are_each_said_once(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    take(fake, world, "thread")  # and logoff has neither Manage Events nor Manage Roles
    bot, adapter = await harness.start(ALL)
    for key in ("events.thread", "events.role"):
        await config_set(world, key, "on")
    for title in ("Picnic", "Movies", "Quiz"):
        await new_event(world, bot, title)
    await delivered(fake, bot, adapter)
    assert sorted(warnings_about(world, "")) == sorted("⚠️ " + s for s in (lst.NO_MANAGE_EVENTS, srf.NO_THREADS,
                                                                          srf.NO_ROLES))
    shown = await fake.send_interaction("config show", user=u["mod"], channel=world.channel)
    for note in (lst.NO_MANAGE_EVENTS, srf.NO_THREADS, srf.NO_ROLES):
        assert note in shown.text

    # A restart retries the listings (reconcile) without saying it all again.
    await harness.stop(bot)
    bot, adapter = await harness.start(ALL)
    await delivered(fake, bot, adapter)
    assert len(warnings_about(world, "")) == 3
