"""The bot's own 📍 comes off a card whose event leaves its check-in window (PRODUCT.md "Turnout"),
through discord.py and the fake Discord: moved to another day, it is deleted (Delete Own Reaction);
moved back, the card's edit adds it again; cancelled while check-in is open, it is deleted again."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")
OWN_PIN = "/reactions/📍/@me"


async def test_the_bots_pin_leaves_a_card_moved_or_cancelled_out_of_check_in(harness: Harness,
                                                                              world: World) -> None:
    clock = ManualClock()
    bot, _ = await harness.start(ALL, clock=clock)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Clean-up", "when": "in 3 hours"},
                                          user=u["alice"], channel=ch)
    [card] = [m for m in created.public if m["embeds"]]
    mid = int(card["id"])

    def own_pin(method: str) -> list[str]:
        return [p for m, p, _ in fake.requests if m == method and p.endswith(f"/messages/{mid}{OWN_PIN}")]

    async def settled() -> None:
        await bot.cards.idle()
        await fake.quiet(0.1)

    await bot.scheduler.advance(timedelta(hours=2, minutes=31))  # check-in opens
    await settled()
    assert fake.reaction_users(mid, "📍") == [fake.bot_id] and len(own_pin("PUT")) == 1

    moved = await fake.send_interaction("event edit", {"id": 1, "when": "in 48 hours"}, user=u["alice"], channel=ch)
    assert "Updated" in moved.text, moved.text
    await settled()
    assert "Here (" not in message_text(fake.messages[mid])
    assert len(own_pin("DELETE")) == 1 and fake.reaction_users(mid, "📍") == []

    back = await fake.send_interaction("event edit", {"id": 1, "when": "in 20 minutes"}, user=u["alice"],
                                       channel=ch)
    assert "Updated" in back.text, back.text
    await settled()
    assert "Here (0)" in message_text(fake.messages[mid])
    assert len(own_pin("PUT")) == 2 and fake.reaction_users(mid, "📍") == [fake.bot_id]

    cancelled = await fake.send_interaction("event cancel", {"id": 1}, user=u["alice"], channel=ch)
    assert "Cancelled" in cancelled.text, cancelled.text
    await settled()
    assert len(own_pin("DELETE")) == 2 and fake.reaction_users(mid, "📍") == []
    assert not fake.unhandled
