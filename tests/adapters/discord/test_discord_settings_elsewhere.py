"""A setting only Matrix acts on, met on Discord: refused with where it applies, listed apart."""

from __future__ import annotations

from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events")


async def test_polls_native_on_discord_says_it_applies_on_matrix(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    refused = await fake.send_interaction("config set", {"key": "polls.native", "value": "off"},
                                          user=u["mod"], channel=ch)
    assert refused.text.startswith("⚠️ polls.native does not apply here: it needs native polls, "
                                   "which only Matrix has"), refused.text
    assert refused.ephemeral
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM settings"))[0] == 0
    shown = await fake.send_interaction("config show", {}, user=u["mod"], channel=ch)
    assert "polls.native: only on Matrix (needs native polls)" in shown.text
    assert "rsvp.buttons = off (default)" in shown.text and "polls.native =" not in shown.text
