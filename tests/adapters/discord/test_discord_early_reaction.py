"""A reaction on a card the bot is still sending counts. The core tracks a card once its send
returns, and on Discord that send seeds ✅🤔❌ one at a time (rate-limited): a person who clicks
the first pill as it appears reacted before the card was tracked, and was dropped (an RSVP lost
until the next start). It now waits in the card's lane until the card is tracked, in order with
what came after it."""

from __future__ import annotations

import asyncio

from tests.adapters.discord.test_discord_turnout import ALL, card_of
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World


async def test_a_reaction_while_the_card_is_seeded_counts(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    gate = fake.own_reaction_gate = asyncio.Event()
    created = await fake.send_interaction("event create", {"title": "Picnic", "when": "tomorrow 6pm"},
                                          user=u["alice"], channel=ch)
    mid = int(card_of(created)["id"])
    await fake.wait_for(lambda: fake.application_id in fake.reactions.get(mid, {}).get("✅", []),
                        what="the first pill")
    fake.add_reaction(mid, "✅", u["bob"])  # the bot is still seeding: the card is not tracked yet
    fake.add_reaction(mid, "🤔", u["carol"])
    fake.remove_reaction(mid, "🤔", u["carol"])  # after it, in order: carol ends with no RSVP
    gate.set()
    fake.own_reaction_gate = None
    await fake.wait_for(lambda: "Going (1)\nbob\nMaybe (0)" in message_text(fake.messages[mid]),
                        what="bob going, carol's maybe taken back")
