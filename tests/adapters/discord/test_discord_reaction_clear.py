"""A moderator's "Remove All Reactions" / removing one emoji from a card: the RSVPs and votes
those reactions carried go at once, and the bot's own reactions are put back."""

from __future__ import annotations

from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World, delivered
from tests.discord_fake.wire import MANAGE_MESSAGES

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")


def moderator(world: World) -> int:
    role = world.fake.add_role(world.guild, "cleaners", MANAGE_MESSAGES)
    return world.fake.add_member(world.guild, "cleaner", roles=[role])


def on_card(world: World, mid: int) -> list[str]:
    """The emojis on the message that the bot has added, in Discord's order."""
    return [e for e, users in world.fake.reactions.get(mid, {}).items() if world.fake.application_id in users]


async def new_event(world: World) -> int:
    fake, u = world.fake, world.users
    created = await fake.send_interaction("event create", {"title": "Picnic", "when": "tomorrow 7pm"},
                                          user=u["alice"], channel=world.channel)
    mid = int([m for m in created.public if m["embeds"]][0]["id"])
    fake.add_reaction(mid, "✅", u["bob"])
    fake.add_reaction(mid, "🤔", u["carol"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[mid])
                        and "Maybe (1)" in message_text(fake.messages[mid]))
    return mid


async def test_remove_all_reactions_drops_the_rsvps_and_reseeds(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(ALL)
    fake, u = world.fake, world.users
    mid = await new_event(world)
    fake.clear_reactions(mid, by=moderator(world))
    await fake.wait_for(lambda: "Going (0)" in message_text(fake.messages[mid])
                        and "Maybe (0)" in message_text(fake.messages[mid]), what="RSVPs gone with the reactions")
    await fake.wait_for(lambda: on_card(world, mid) == ["✅", "🤔", "❌"], what="the bot's reactions back")
    text = message_text(fake.messages[mid])
    assert "bob" not in text and "carol" not in text
    # Reactions after the clear count as ever.
    fake.add_reaction(mid, "✅", u["carol"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[mid]))
    assert "carol" in message_text(fake.messages[mid])


async def test_removing_one_emoji_drops_only_its_rsvps(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(ALL)
    fake = world.fake
    mid = await new_event(world)
    fake.clear_reactions(mid, by=moderator(world), emoji="🤔")
    await fake.wait_for(lambda: "Maybe (0)" in message_text(fake.messages[mid]), what="the maybe gone")
    await fake.wait_for(lambda: "🤔" in on_card(world, mid), what="🤔 back")
    assert "Going (1)" in message_text(fake.messages[mid]) and "bob" in message_text(fake.messages[mid])
    assert sorted(on_card(world, mid)) == sorted(["✅", "🤔", "❌"])


async def test_a_clear_after_a_restart_reseeds_and_clears_poll_votes(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start(ALL)
    fake, u = world.fake, world.users
    poll = await fake.send_interaction("poll create", {"question": "Where?", "options": "Park | Cafe"},
                                       user=u["alice"], channel=world.channel)
    mid = int([m for m in poll.public if m["embeds"]][0]["id"])
    await fake.wait_for(lambda: on_card(world, mid) == ["1️⃣", "2️⃣"])
    fake.add_reaction(mid, "1️⃣", u["bob"])
    fake.add_reaction(mid, "1️⃣", u["carol"])
    await fake.wait_for(lambda: "2 voters so far" in message_text(fake.messages[mid]))
    await harness.stop(bot)
    bot, adapter = await harness.start(ALL)  # the bot knows this card only from reading it
    await delivered(fake, bot, adapter)
    fake.clear_reactions(mid, by=moderator(world), emoji="1️⃣")
    await fake.wait_for(lambda: "1️⃣" in on_card(world, mid), what="1️⃣ back after a restart")
    await fake.wait_for(lambda: "0 voters so far" in message_text(fake.messages[mid]), what="the votes gone")
    assert sorted(on_card(world, mid)) == ["1️⃣", "2️⃣"]


async def test_clearing_one_of_two_cards_takes_back_only_what_it_carried(harness: Harness, world: World) -> None:
    # An event shown twice: Discord's MESSAGE_REACTION_REMOVE_ALL on one card takes back the
    # answers that card alone carried, and its reading is not applied again when the other
    # card is cleared later (a reaction made on the first card in between stays).
    bot, adapter = await harness.start(ALL)
    fake, u = world.fake, world.users
    dave, erin = (fake.add_member(world.guild, name) for name in ("dave", "erin"))
    first = await new_event(world)  # bob ✅, carol 🤔
    shown = await fake.send_interaction("event show", {"id": 1}, user=u["alice"], channel=world.channel)
    second = int([m for m in shown.public if m["embeds"]][0]["id"])
    fake.add_reaction(second, "🤔", u["carol"])
    fake.add_reaction(second, "✅", dave)

    async def listed() -> str:
        """Going and Maybe as `event attendees` shows them, once the gateway's events are handled."""
        await delivered(fake, bot, adapter, wait_s=30)
        said = await fake.send_interaction("event attendees", {"id": 1}, user=u["alice"], channel=world.channel)
        return " ".join(said.text.split("\n")[1:5])

    assert await listed() == "Going (2): bob, dave Maybe (1): carol"
    cleaner = moderator(world)
    fake.clear_reactions(first, by=cleaner)
    assert await listed() == "Going (1): dave Maybe (1): carol"  # carol's 🤔 is on the second card
    await fake.wait_for(lambda: on_card(world, first) == ["✅", "🤔", "❌"], what="the bot's reactions back")
    fake.add_reaction(first, "✅", erin)
    assert await listed() == "Going (2): dave, erin Maybe (1): carol"
    fake.clear_reactions(second, by=cleaner)
    assert await listed() == "Going (1): erin Maybe (0): —"
