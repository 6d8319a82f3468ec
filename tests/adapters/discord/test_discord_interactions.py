"""Interactions past the happy path: an answer after the token's 15 minutes, a command sent
from a DM, and button ids the bot never made (test_discord_answer_once: answers cut off)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.discord.test_discord_answer_once import dm_messages
from tests.adapters.discord.test_discord_features import ALL, only_public_card
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World


async def test_an_answer_after_the_token_expired_still_reaches_the_channel_or_the_user(
        harness: Harness, world: World, caplog: pytest.LogCaptureFixture) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.interaction_deadline = 0.3  # a scaled-down 3-second rule
    fake.token_lifetime = 0.3  # and 15-minute token: the slow commands answer after both
    await harness.start(("cogs.admin", "tests.adapters.discord.discord_probe_ext"), defer_after=0.1)

    public = await fake.send_interaction("slow public", {"title": "Late but here"}, user=u["alice"], channel=ch)
    assert public.deferred
    await fake.wait_for(lambda: any("private note" in message_text(m) for m in dm_messages(fake, u["alice"])),
                        what="the private note by DM")
    await fake.quiet(0.1)
    [card] = [m for m in fake.channel_messages(ch) if m["embeds"]]
    assert "Late but here" in message_text(card)
    assert fake.reaction_users(int(card["id"]), "👍") == [fake.bot_id]
    # The command went on past its reply: nothing failed, no "something went wrong".
    assert not [m for m in fake.all_messages() if "went wrong" in message_text(m)]
    note, private = dm_messages(fake, u["alice"])
    assert "/slow public" in message_text(note) and f"<#{ch}>" in note["content"]
    assert message_text(private) == "and a second, private note"

    fake.dms_closed.add(u["bob"])  # a private answer that cannot come by DM is not shown anywhere
    refusal = await fake.send_interaction("slow refusal", user=u["bob"], channel=ch)
    await fake.wait_for(lambda: "was not delivered by DM" in caplog.text, what="the undelivered refusal")
    await fake.quiet(0.1)
    assert refusal.deferred and [m["id"] for m in fake.channel_messages(ch)] == [card["id"]]
    assert dm_messages(fake, u["bob"]) == []


def dm_channel(world: World, user: str) -> int:
    """The DM channel Discord has between the bot and `user` (as POST /users/@me/channels makes)."""
    fake = world.fake
    cid = fake.snowflake()
    fake.channels[cid] = {"id": str(cid), "type": 1, "recipients": [fake.users[world.users[user]]],
                          "last_message_id": None}
    return cid


def raw_command(world: World, command: str, options: dict[str, Any]) -> dict[str, Any]:
    """A command's data as a client sends it in a server; here sent from a DM instead, as a client
    whose command list predates the guild-only registration could."""
    return world.fake.command_payload(command, options, guild_id=world.guild)


async def test_a_command_sent_from_a_dm_is_refused_and_help_answers(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u = world.fake, world.users
    dm = dm_channel(world, "alice")
    created = await fake.send_raw_interaction(
        raw_command(world, "event create", {"title": "Picnic", "when": "tomorrow 7pm"}), user=u["alice"], channel=dm)
    assert created.ephemeral and created.text.startswith("⚠️") and "server" in created.text
    assert not [m for m in fake.all_messages() if m["embeds"]], "no card in a DM"
    assert not [r for r in fake.requests if "scheduled-events" in r[1]]
    helped = await fake.send_raw_interaction(raw_command(world, "help", {}), user=u["alice"], channel=dm)
    assert "/event create" in helped.text


async def test_button_ids_the_bot_never_made_get_a_warning(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    await fake.send_interaction("config set", {"key": "rsvp.buttons", "value": "on"}, user=u["mod"], channel=ch)
    card = only_public_card(await fake.send_interaction(
        "event create", {"title": "Picnic", "when": "tomorrow 7pm"}, user=u["alice"], channel=ch))
    mid = int(card["id"])
    hostile = ["rsvp:" + "9" * 30 + ":going", "rsvp:²:going", "rsvp:١:going", "offline:meet:²",
               "offline:meet:" + "9" * 30]
    # The card as an older or tampered client holds it: buttons with ids logoff never made.
    fake.messages[mid]["components"].append({"type": 1, "components": [
        {"type": 2, "style": 2, "label": "x", "custom_id": cid} for cid in hostile]})
    for cid in hostile:
        pressed = await fake.press_button(mid, cid, user=u["bob"])
        assert pressed.ephemeral and pressed.text.startswith("⚠️") and "went wrong" not in pressed.text, cid
    assert "Going (0)" in message_text(fake.messages[mid])

