"""Events Discord sends (or a hostile client makes it send) that the bot must take calmly:
reaction removals without a member, malformed command data, reactions naming another
server's channel, cards deleted by a moderator. Real adapter and discord.py, fake Discord."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from bot.app import Bot
from bot.model import MessageRef
from tests.adapters.discord.test_discord_features import ALL, card_id, only_public_card
from tests.discord_fake import EPHEMERAL, message_text
from tests.discord_fake.harness import Harness, World, delivered


async def new_event(
    world: World, title: str = "Picnic", *, channel: int | None = None, user: str = "alice"
) -> tuple[int, int]:
    """Creates an event; returns (card message id, event id)."""
    created = await world.fake.send_interaction(
        "event create",
        {"title": title, "when": "tomorrow 7pm"},
        user=world.users[user],
        channel=channel or world.channel,
    )
    card = only_public_card(created)
    return int(card["id"]), card_id(card)


async def attendees(world: World, eid: int, *, channel: int | None = None) -> str:
    shown = await world.fake.send_interaction(
        "event attendees", {"id": eid}, user=world.users["bob"], channel=channel or world.channel
    )
    return shown.text


def card_text(world: World, mid: int) -> str:
    return message_text(world.fake.messages[mid])


def _ref(world: World, mid: int) -> MessageRef:
    return MessageRef("discord", str(world.channel), str(mid), str(world.guild))


def patches_of(world: World, mid: int) -> int:
    return sum(
        1
        for method, path, _ in world.fake.requests
        if method == "PATCH" and path.endswith(f"/messages/{mid}")
    )


async def settle(bot: Bot, world: World) -> None:
    await world.fake.quiet(0.1)
    await bot.cards.idle()
    await world.fake.quiet(0.05)


# --- 1. a removal carries no member: the name stays -----------------------------------------


async def test_removing_a_reaction_keeps_the_name(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake, carol = world.fake, world.users["carol"]
    mid, eid = await new_event(world)
    fake.add_reaction(mid, "✅", carol)
    await fake.wait_for(lambda: "Going (1)" in card_text(world, mid), what="carol going")
    fake.add_reaction(mid, "🤔", carol)
    await fake.wait_for(lambda: "Maybe (1)" in card_text(world, mid), what="carol maybe")
    # MESSAGE_REACTION_REMOVE has no `member`: only carol's id.
    fake.remove_reaction(mid, "✅", carol)
    await settle(bot, world)
    shown = card_text(world, mid)
    assert re.search(r"Maybe \(1\)\s*carol", shown), shown
    assert str(carol) not in shown, shown
    listed = await attendees(world, eid)
    assert re.search(r"Maybe \(1\):\s*carol", listed) and str(carol) not in listed, listed

    # Removing the last reaction: carol is no longer anywhere, and no id turned up either.
    fake.remove_reaction(mid, "🤔", carol)
    await settle(bot, world)
    listed = await attendees(world, eid)
    assert "Maybe (0)" in listed and str(carol) not in listed, listed


# --- 2. malformed command data is answered, not dropped --------------------------------------

MALFORMED: list[tuple[str, Any]] = [
    ("options is an object", {"name": "event", "type": 1, "options": {"name": "list", "type": 1}}),
    (
        "subcommand without name",
        {"name": "event", "type": 1, "options": [{"type": 1, "options": []}]},
    ),
    ("option items not objects", {"name": "event", "type": 1, "options": ["list"]}),
    ("name not a string", {"name": 7, "type": 1}),
    ("no name at all", {"type": 1, "options": []}),
    ("data is a list", [{"name": "help"}]),
    ("data is a string", "help"),
    ("data is null", None),
    (
        "sub-options an object",
        {
            "name": "event",
            "type": 1,
            "options": [{"name": "attendees", "type": 1, "options": {"id": 1}}],
        },
    ),
    ("option name a list", {"name": "rsvp", "type": 1, "options": [{"name": ["id"], "value": 1}]}),
    (
        "value of the wrong type",
        {
            "name": "rsvp",
            "type": 1,
            "options": [
                {"name": "id", "type": 4, "value": {"n": 1}},
                {"name": "status", "type": 3, "value": "going"},
            ],
        },
    ),
    (
        "value missing",
        {
            "name": "rsvp",
            "type": 1,
            "options": [{"name": "id", "type": 4}, {"name": "status", "type": 3, "value": "going"}],
        },
    ),
    (
        "integer given as bool",
        {
            "name": "rsvp",
            "type": 1,
            "options": [
                {"name": "id", "type": 4, "value": True},
                {"name": "status", "type": 3, "value": "going"},
            ],
        },
    ),
    (
        "nested too deep",
        {
            "name": "event",
            "type": 1,
            "options": [
                {
                    "name": "a",
                    "type": 2,
                    "options": [
                        {
                            "name": "b",
                            "type": 2,
                            "options": [{"name": "c", "type": 1, "options": []}],
                        }
                    ],
                }
            ],
        },
    ),
]


@pytest.mark.parametrize(("what", "data"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_command_data_is_answered(
    harness: Harness, world: World, caplog: pytest.LogCaptureFixture, what: str, data: Any
) -> None:
    await harness.start(ALL)
    fake = world.fake
    before = len(caplog.records)
    result = await fake.send_raw_interaction(data, user=world.users["bob"], channel=world.channel)
    assert result.ephemeral and result.text.startswith("⚠️"), (what, result.text)
    assert "could not read" in result.text and "/help" in result.text, result.text
    fresh = caplog.records[before:]
    warnings = [r for r in fresh if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "unreadable command" in warnings[0].getMessage()
    assert "\n" not in warnings[0].getMessage()
    assert not [r for r in fresh if r.exc_info or r.levelno >= logging.ERROR]
    # The next command is answered as usual.
    listed = await fake.send_interaction(
        "event list", user=world.users["bob"], channel=world.channel
    )
    assert "No upcoming events" in listed.text


async def test_a_removed_command_or_option_is_not_unreadable(
    harness: Harness, world: World
) -> None:
    await harness.start(ALL)
    fake = world.fake
    gone = await fake.send_raw_interaction(
        {"name": "dance", "type": 1}, user=world.users["bob"], channel=world.channel
    )
    assert gone.text.startswith("⚠️") and "changed" in gone.text
    # An option the command no longer has is ignored; the rest still means the same.
    data = fake.command_payload("event list", {}, guild_id=world.guild)
    data["options"][0]["options"] = [{"name": "since_removed", "type": 3, "value": "x"}]
    listed = await fake.send_raw_interaction(data, user=world.users["bob"], channel=world.channel)
    assert "No upcoming events" in listed.text


# --- 3. a reaction naming another server's channel does not count ----------------------------


async def test_forged_reaction_from_another_guild_does_not_count(
    harness: Harness, world: World
) -> None:
    fake, u = world.fake, world.users
    guild_b = fake.add_guild("Climbers")
    channel_b = fake.add_channel(guild_b, "crag")
    dave = fake.add_member(guild_b, "dave")
    mallory = u["bob"]  # in guild A only
    bot, _ = await harness.start(ALL)
    created = await fake.send_interaction(
        "event create", {"title": "Boulder", "when": "tomorrow 7pm"}, user=dave, channel=channel_b
    )
    card = only_public_card(created)
    mid, eid = int(card["id"]), card_id(card)
    assert "Going (0)" in card_text(world, mid)

    # Guild A's channel and guild with guild B's card id; and the mixed forgeries.
    for channel_id, guild_id in (
        (world.channel, world.guild),
        (world.channel, guild_b),
        (channel_b, world.guild),
    ):
        fake.dispatch_reaction(
            channel_id=channel_id, message_id=mid, user_id=mallory, emoji="✅", guild_id=guild_id
        )
    await settle(bot, world)
    assert "Going (0)" in card_text(world, mid)
    listed = await fake.send_interaction(
        "event attendees", {"id": eid}, user=dave, channel=channel_b
    )
    assert "Going (0)" in listed.text and "bob" not in listed.text, listed.text

    fake.add_reaction(mid, "✅", dave)  # genuine
    await fake.wait_for(lambda: "Going (1)" in card_text(world, mid), what="dave going")
    assert "dave" in card_text(world, mid) and "bob" not in card_text(world, mid)
    await bot.cards.idle()


# --- 4. a card deleted by a moderator is let go ----------------------------------------------


async def test_deleted_card_is_no_longer_counted_or_edited(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    mid, eid = await new_event(world)
    fake.add_reaction(mid, "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in card_text(world, mid), what="bob going")
    await settle(bot, world)

    fake.delete_message(mid, by=fake.owner_of(world.guild))
    await delivered(fake, bot, adapter)
    patches = patches_of(world, mid)
    # A reaction that was already on its way when the card went; then an RSVP by command.
    fake.dispatch_reaction(
        channel_id=ch, message_id=mid, user_id=u["carol"], emoji="✅", guild_id=world.guild
    )
    fake.dispatch_reaction(
        channel_id=ch,
        message_id=mid,
        user_id=u["bob"],
        emoji="✅",
        guild_id=world.guild,
        added=False,
    )
    answered = await fake.send_interaction(
        "rsvp", {"id": eid, "status": "maybe"}, user=u["alice"], channel=ch
    )
    assert "maybe" in answered.text
    await settle(bot, world)
    listed = await attendees(world, eid)
    assert re.search(r"Going \(1\):\s*bob", listed) and "carol" not in listed, listed
    assert re.search(r"Maybe \(1\):\s*alice", listed), listed
    assert patches_of(world, mid) == patches, "the deleted card was edited"
    assert not bot.is_tracked(_ref(world, mid))
    # The event lives on: showing it posts a fresh card, which counts again.
    shown = await fake.send_interaction("event show", {"id": eid}, user=u["bob"], channel=ch)
    fresh = int(only_public_card(shown)["id"])
    assert fresh != mid
    fake.add_reaction(fresh, "✅", u["carol"])
    await fake.wait_for(
        lambda: "Going (2)" in card_text(world, fresh), what="carol going on the new card"
    )
    await bot.cards.idle()


async def test_bulk_deleted_cards_are_let_go(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    first, e1 = await new_event(world, "One")
    second, e2 = await new_event(world, "Two")
    await settle(bot, world)
    before = patches_of(world, first), patches_of(world, second)
    fake.bulk_delete(ch, [first, second], by=fake.owner_of(world.guild))
    await delivered(fake, bot, adapter)
    for mid in (first, second):
        fake.dispatch_reaction(
            channel_id=ch, message_id=mid, user_id=u["carol"], emoji="✅", guild_id=world.guild
        )
    await settle(bot, world)
    for eid in (e1, e2):
        assert "Going (0)" in await attendees(world, eid)
    assert (patches_of(world, first), patches_of(world, second)) == before
    assert not bot.is_tracked(_ref(world, first)) and not bot.is_tracked(_ref(world, second))


async def test_every_command_the_flood_limit_drops_is_told_to_slow_down(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, bob = world.fake, world.users["bob"]
    results = await asyncio.gather(*(fake.send_interaction("poll results", {"id": 999}, user=bob,
                                                           channel=world.channel) for _ in range(56)))
    own = [[fake.messages[m] for m in r.interaction.message_ids] for r in results]
    assert all(len(msgs) == 1 and msgs[0]["flags"] & EPHEMERAL for msgs in own), "one private answer each"
    answers = [message_text(msgs[0]) for msgs in own]
    slowed = [a for a in answers if a.startswith("⚠️ slow down")]
    assert len(slowed) > 1, "each dropped command is told, not only the first"
    assert all(a.startswith("⚠️") for a in answers), [a for a in answers if not a.startswith("⚠️")][:3]
    assert not any("done" in a for a in answers)
