"""Discord's system messages (a member joining, a pin, a boost, a thread started) are posted
under the name of the person who did it, but are no words of theirs: they reach the core as
nothing, so they neither make that person a writer in the exchange an offline prompt addresses
nor enter its heat as a wordless message; nor does their deletion."""

from __future__ import annotations

import pytest

from bot.model import MessageDeleted
from tests.adapters.discord import discord_probe_ext as probe
from tests.adapters.discord.test_discord_edits import PROBE, here
from tests.discord_fake.harness import Harness, World, delivered
from tests.discord_fake.people import BOOSTED, JOINED, PINNED, THREAD_CREATED

OFFLINE = ("cogs.admin", "cogs.polls", "cogs.offline")


async def test_notices_and_their_deletion_do_not_reach_the_core(harness: Harness, world: World) -> None:
    probe.SEEN.clear()
    probe.CHANGED.clear()
    bot, adapter = await harness.start(PROBE)
    fake, u = world.fake, world.users
    said = fake.user_message(world.channel, u["alice"], "look, pinned it")
    newcomer = fake.add_member(world.guild, "newcomer")
    joined = fake.people.notice(world.channel, newcomer, JOINED)
    pinned = fake.people.notice(world.channel, u["alice"], PINNED, about=int(said["id"]))
    fake.people.notice(world.channel, u["bob"], BOOSTED)
    fake.people.notice(world.channel, u["bob"], THREAD_CREATED, "the rules, again")
    last = fake.user_message(world.channel, u["bob"], "thanks", reply_to=int(said["id"]))
    # The notices were sent before bob's reply, so they are through when it is.
    await fake.wait_for(lambda: any(e.message_id == last["id"] for e in probe.SEEN), what="bob's reply")
    assert [(e.message_id, e.author.id) for e in probe.SEEN] == [(said["id"], str(u["alice"])),
                                                                 (last["id"], str(u["bob"]))]

    with pytest.raises(PermissionError, match="50021"):  # as Discord refuses it
        fake.people.edit(int(joined["id"]), "not joined", by=newcomer)
    owner = fake.owner_of(world.guild)
    fake.delete_message(int(joined["id"]), by=owner)
    fake.bulk_delete(world.channel, [int(pinned["id"]), int(said["id"])], by=owner)
    await fake.wait_for(lambda: any(e.message_id == said["id"] for e in probe.CHANGED),
                        what="alice's message deleted, after the notices")
    await delivered(fake, bot, adapter)
    assert probe.CHANGED == [MessageDeleted(here(world), said["id"])]


async def test_a_newcomer_who_only_joined_is_not_addressed_by_an_offline_prompt(
        harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(OFFLINE)
    fake, u = world.fake, world.users
    fake.user_message(world.channel, u["alice"], "you never read anything")
    fake.user_message(world.channel, u["bob"], "i did")
    newcomer = fake.add_member(world.guild, "newcomer")
    fake.people.notice(world.channel, newcomer, JOINED)
    last = fake.user_message(world.channel, u["bob"], "twice")
    state = lambda: bot.cogs["offline"]._channels.get(here(world).key)  # type: ignore[attr-defined]  # noqa: E731
    await fake.wait_for(lambda: state() is not None and any(
        m == last["id"] for a in state().recent.values() for m, _ in a.said), what="bob's last message")
    assert sorted(state().recent) == sorted(f"discord:{u[p]}" for p in ("alice", "bob"))

    answer = await fake.send_interaction("offline", {}, user=u["alice"], channel=world.channel)
    prompts = [m for m in fake.channel_messages(world.channel) if m["author"]["id"] == fake.bot_user["id"]]
    shown = answer.text + str(prompts)
    assert f"<@{u['bob']}>" in shown
    assert f"<@{newcomer}>" not in shown
    await delivered(fake, bot, adapter)


async def test_notices_do_not_enter_the_heat_window(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(OFFLINE)
    fake, u = world.fake, world.users
    channel = here(world)
    await bot.settings.set(channel.space, "offline.auto", "on")
    first = fake.user_message(world.channel, u["alice"], "")
    fake.people.notice(world.channel, u["bob"], PINNED, about=int(first["id"]))
    fake.people.notice(world.channel, u["bob"], BOOSTED)
    fake.user_message(world.channel, u["bob"], "")
    cog = bot.cogs["offline"]

    def window() -> int:
        state = cog._channels.get(channel.key)  # type: ignore[attr-defined]
        return len(state.heat) if state is not None and state.heat is not None else 0

    await fake.wait_for(lambda: window() >= 2, what="bob's message in the window")
    await delivered(fake, bot, adapter)
    assert window() == 2
