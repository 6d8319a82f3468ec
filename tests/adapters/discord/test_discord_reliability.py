"""Rate limits, reconnects, reaction storms, slow handlers and missing permissions."""

from __future__ import annotations

import asyncio
import random

import pytest

from adapters.discord import DiscordPermissionError
from bot.model import ChannelRef, UserRef
from bot.render import Card, text
from tests.adapters.discord import discord_probe_ext as probe
from tests.discord_fake import ADD_REACTIONS, EPHEMERAL, SEND_MESSAGES, message_text
from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline")
NUMBERS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣")


def channel_ref(world: World, channel: int | None = None) -> ChannelRef:
    return ChannelRef("discord", str(channel or world.channel), str(world.guild))


async def new_poll(world: World, options: str = "A | B | C | D", multi: bool = False) -> int:
    created = await world.fake.send_interaction(
        "poll create", {"question": "Pick one", "options": options, "multi": multi},
        user=world.users["alice"], channel=world.channel)
    [card] = [m for m in created.public if m["embeds"]]
    return int(card["id"])


async def test_429_with_via_is_retried_and_nothing_is_lost(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake = world.fake
    fake.inject_429("POST", r"^/channels/\d+/messages$", times=2)
    fake.inject_429("PUT", r"/reactions/", times=3)
    fake.inject_429("PATCH", r"^/channels/\d+/messages/\d+$", times=1)
    ref = await bot.send(channel_ref(world), Card("Rate limited", ref="#9", reactions=("✅", "🤔", "❌")))
    mid = int(ref.id)
    assert [fake.reaction_users(mid, e) for e in ("✅", "🤔", "❌")] == [[fake.bot_id]] * 3
    await bot.adapter("discord").edit(ref, Card("Rate limited, edited", ref="#9"))
    assert "edited" in message_text(fake.messages[mid])
    assert len(fake.channel_messages(world.channel)) == 1
    retried = [r for r in fake.requests if r[0] == "POST" and r[1].endswith("/messages")]
    assert len(retried) == 3, "two 429s, then the send that landed"
    assert all(times == 0 for *_, times, _ in fake.intercepts)


@pytest.mark.parametrize("how", ["reconnect", "drop"])
async def test_reconnect_and_resume_lose_nothing(harness: Harness, world: World, how: str) -> None:
    bot, adapter = await harness.start(ALL)
    fake, u = world.fake, world.users
    mid = await new_poll(world, multi=True)
    if how == "reconnect":
        fake.request_reconnect()  # op 7
    else:
        await fake.drop_connections(4000)
    # Votes arriving while the client reconnects are buffered and replayed on RESUME.
    fake.add_reaction(mid, "1️⃣", u["bob"])
    fake.add_reaction(mid, "2️⃣", u["carol"])
    fake.add_reaction(mid, "2️⃣", u["mod"])
    await fake.wait_for(lambda: len(fake.resumes) == 1, what="RESUME")
    fake.add_reaction(mid, "3️⃣", u["alice"])
    await fake.wait_for(lambda: all(s in message_text(fake.messages[mid]) for s in ("A — 1", "B — 2", "C — 1")),
                        what="every vote counted")
    assert len(fake.identifies) == 1, "resumed, not a new session"
    # The client still answers commands after the resume.
    result = await fake.send_interaction("help", user=u["bob"], channel=world.channel)
    assert "logoff commands" in result.text
    await bot.cards.idle()


async def test_reaction_storm_edits_within_rate_limit_and_ends_exact(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake = world.fake
    mid = await new_poll(world, multi=True)
    users = [fake.add_member(world.guild, f"fan{i}") for i in range(150)]
    rng = random.Random(7)
    edits_before = len(fake.edits_of(mid))
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = 0
    while sent < 1000:  # about 1,000 events spread over ~2 s
        for _ in range(50):
            user, emoji = rng.choice(users), rng.choice(NUMBERS)
            on = user in fake.reaction_users(mid, emoji)
            (fake.remove_reaction if on else fake.add_reaction)(mid, emoji, user)
            sent += 1
        await asyncio.sleep(0.1)
    truth = {e: len([x for x in fake.reaction_users(mid, e) if x != fake.bot_id]) for e in NUMBERS}

    def exact() -> bool:
        shown = message_text(fake.messages[mid])
        return all(f"{name} — {truth[e]} " in shown for name, e in zip("ABCD", NUMBERS, strict=True))

    await fake.wait_for(exact, wait_s=15, what=f"final card {truth}")
    await bot.cards.idle()
    assert exact()
    stamps = [e.at for e in fake.edits if e.channel_id == world.channel and e.at >= started]
    assert len(fake.edits_of(mid)) - edits_before <= 10, "coalesced into a handful of edits"
    for i, t in enumerate(stamps):
        in_window = [s for s in stamps[i:] if s - t < 5.0]
        assert len(in_window) <= 5, f"{len(in_window)} edits within 5 s in one channel"


async def test_slow_handler_is_deferred_in_time(harness: Harness, world: World) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.interaction_deadline = 0.3  # a scaled-down 3-second rule
    await harness.start(("cogs.admin", "tests.adapters.discord.discord_probe_ext"), defer_after=0.1)

    public = await fake.send_interaction("slow public", {"title": "Late but here"}, user=u["alice"], channel=ch)
    assert public.interaction.errors == [] and public.response_type == 5
    [card] = [m for m in public.public if m["embeds"]]
    assert "Late but here" in message_text(card)
    assert fake.reaction_users(int(card["id"]), "👍") == [fake.bot_id]
    private = [m for m in public.messages if m["flags"] & EPHEMERAL]
    assert [message_text(m) for m in private] == ["and a second, private note"]
    placeholder = fake.messages[public.interaction.original_id or 0]
    assert placeholder.get("_deleted"), "the thinking placeholder is removed once the card is public"

    refusal = await fake.send_interaction("slow refusal", user=u["alice"], channel=ch)
    assert refusal.interaction.errors == [] and refusal.ephemeral and refusal.text.startswith("⚠️")
    assert not [m for m in refusal.public if "took me a while" in message_text(m)]

    silent = await fake.send_interaction("slow silent", user=u["alice"], channel=ch)
    assert silent.interaction.errors == [] and silent.messages == []


async def test_message_metadata_without_content(harness: Harness, world: World) -> None:
    probe.SEEN.clear()
    await harness.start(("cogs.admin", "tests.adapters.discord.discord_probe_ext"))
    fake, u = world.fake, world.users
    first = fake.user_message(world.channel, u["alice"], "we should really argue about this in person")
    fake.user_message(world.channel, u["bob"], "no", reply_to=int(first["id"]))
    await fake.wait_for(lambda: len(probe.SEEN) == 2, what="two messages seen")
    a, b = probe.SEEN
    assert a.author == UserRef("discord", str(u["alice"])) and a.text is None
    assert b.reply_to_user == UserRef("discord", str(u["alice"]))
    assert b.channel == channel_ref(world)


async def test_missing_permissions_are_explained_and_survived(harness: Harness, world: World,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    _, adapter = await harness.start(ALL)
    fake, u = world.fake, world.users
    no_reactions = fake.add_channel(world.guild, "no-reactions")
    fake.set_overwrite(no_reactions, fake.bot_id, deny=ADD_REACTIONS, member=True)
    created = await fake.send_interaction("poll create", {"question": "Q", "options": "a | b"},
                                          user=u["alice"], channel=no_reactions)
    [card] = [m for m in created.public if m["embeds"]]
    assert fake.reaction_users(int(card["id"]), "1️⃣") == []
    assert "missing permission to add reactions" in caplog.text and "Add Reactions" in caplog.text

    read_only = fake.add_channel(world.guild, "read-only")
    fake.set_overwrite(read_only, fake.bot_id, deny=SEND_MESSAGES, member=True)
    with pytest.raises(DiscordPermissionError, match="Send Messages"):
        await adapter.send(channel_ref(world, read_only), text("hello"))

    # The bot keeps working everywhere else.
    result = await fake.send_interaction("help", user=u["bob"], channel=world.channel)
    assert "logoff commands" in result.text
    assert adapter.client is not None and not adapter.client.is_closed()
    # Each refusal is counted by Discord's own error code (50013: Missing Permissions).
    assert adapter.bot is not None
    samples = adapter.bot.metrics.registry.get_sample_value(
        "logoff_platform_errors_total", {"platform": "discord", "code": "50013"})
    assert samples is not None and samples >= 2


async def test_dm_and_closed_dms(harness: Harness, world: World) -> None:
    _, adapter = await harness.start(ALL)
    fake, u = world.fake, world.users
    ref = await adapter.send_dm(UserRef("discord", str(u["bob"]), "bob"), text("a spot opened up"))
    assert ref is not None and "a spot opened up" in message_text(fake.messages[int(ref.id)])
    fake.dms_closed.add(u["carol"])
    assert await adapter.send_dm(UserRef("discord", str(u["carol"]), "carol"), text("hi")) is None


@pytest.mark.allow_errors("Attempting a reconnect")  # discord.py's own log of each refused try
@pytest.mark.parametrize("shard_count", [None, 2])
async def test_connected_is_false_while_the_gateway_is_down_and_true_once_resumed(
        harness: Harness, world: World, shard_count: int | None) -> None:
    # /healthz and logoff_platform_connected read this: a reconnect loop is not "connected".
    _, adapter = await harness.start(ALL, shard_count=shard_count)
    fake = world.fake
    assert adapter.connected()
    fake.gateway_down = True
    await fake.drop_connections(4000)
    await fake.wait_for(lambda: not adapter.connected(), what="the adapter to see the outage")
    await asyncio.sleep(0.5)
    assert not adapter.connected(), "still down while every reconnect is refused"
    fake.gateway_down = False
    resumes = len(fake.resumes)
    await fake.wait_for(lambda: adapter.connected() and len(fake.resumes) > resumes, wait_s=30,
                        what="the adapter to resume")
