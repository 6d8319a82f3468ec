"""People's edits and deletions of their messages on Discord, through the gateway's raw events
(MESSAGE_UPDATE, MESSAGE_DELETE, MESSAGE_DELETE_BULK, none of them cached by the bot): an edit
of the content reaches the core once, Discord's own updates (a link's preview) and the bot's
own edits do not; each deleted message reaches it, and the offline cog's window follows."""

from __future__ import annotations

from bot.model import ChannelRef, MessageDeleted, MessageEdited, UserRef
from bot.render import text
from tests.adapters.discord import discord_probe_ext as probe
from tests.discord_fake.harness import Harness, World, delivered

PROBE = ("cogs.admin", "tests.adapters.discord.discord_probe_ext")


def here(world: World) -> ChannelRef:
    return ChannelRef("discord", str(world.channel), str(world.guild))


async def test_edits_and_deletions_reach_the_core_as_discord_sends_them(harness: Harness, world: World) -> None:
    probe.SEEN.clear()
    probe.CHANGED.clear()
    bot, adapter = await harness.start(PROBE)
    fake, u = world.fake, world.users
    first = fake.user_message(world.channel, u["alice"], "look at https://example.org/rules")
    second = fake.user_message(world.channel, u["bob"], "you never read anything")
    third = fake.user_message(world.channel, u["alice"], "i did")
    await fake.wait_for(lambda: len(probe.SEEN) == 3, what="three messages seen")

    fake.people.unfurl(int(first["id"]), "https://example.org/rules")  # no edit: its time is null
    fake.people.edit(int(second["id"]), "fair enough, i missed that part", by=u["bob"])
    fake.people.unfurl(int(second["id"]), "https://example.org")  # the same edit time again
    mine = await adapter.send(here(world), text("a message of the bot"))
    await adapter.edit(mine, text("the bot's message, edited"))
    await fake.wait_for(lambda: len(probe.CHANGED) == 1, what="bob's edit")
    await delivered(fake, bot, adapter)
    bob = UserRef("discord", str(u["bob"]))
    # No text: logoff asks Discord for none (no message-content intent), in edits as in messages.
    assert probe.CHANGED == [MessageEdited(here(world), bob, second["id"], None)]

    fake.delete_message(int(second["id"]), by=fake.owner_of(world.guild))
    fake.bulk_delete(world.channel, [int(first["id"]), int(third["id"])], by=fake.owner_of(world.guild))
    await fake.wait_for(lambda: len(probe.CHANGED) == 4, what="three deletions")
    assert probe.CHANGED[1:] == [MessageDeleted(here(world), m["id"]) for m in (second, first, third)]


async def test_the_offline_window_follows_deletions_on_discord(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(("cogs.admin", "cogs.polls", "cogs.offline"))
    fake, u = world.fake, world.users
    channel = here(world)
    await bot.settings.set(channel.space, "offline.auto", "on")
    said = [fake.user_message(world.channel, u[who], "") for who in ("alice", "bob", "alice", "bob")]
    cog = bot.cogs["offline"]

    def window() -> int:
        state = cog._channels.get(channel.key)  # type: ignore[attr-defined]
        return len(state.heat) if state is not None and state.heat is not None else 0

    await fake.wait_for(lambda: window() == 4, what="four messages in the window")
    fake.people.edit(int(said[1]["id"]), "calmer now", by=u["bob"])
    fake.delete_message(int(said[0]["id"]), by=u["alice"])
    await fake.wait_for(lambda: window() == 3, what="alice's deleted message leaving the window")
    fake.bulk_delete(world.channel, [int(m["id"]) for m in said[2:]], by=fake.owner_of(world.guild))
    await fake.wait_for(lambda: window() == 1, what="the purged messages leaving the window")
    assert cog._channels[channel.key].heat.participants() == [f"discord:{u['bob']}"]  # type: ignore[attr-defined]
    await delivered(fake, bot, adapter)
