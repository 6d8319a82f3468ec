"""An edit of a card in a room the bot was kicked from is refused for good: the adapter says so
(DeliveryRefused), so the core stops keeping the card live for an edit that never lands."""

from __future__ import annotations

import pytest

from bot.adapter import DeliveryRefused
from bot.model import ChannelRef
from bot.render import Card, Field, line
from tests.matrix_harness import BotRunner, HumanFactory


def card(going: int) -> Card:
    return Card(title="Picnic", ref="#9", fields=(Field(f"Going ({going})", (line("alice"),)),))


@pytest.mark.allow_errors
async def test_an_edit_in_a_room_the_bot_was_kicked_from_is_refused(
        runner: BotRunner, humans: HumanFactory) -> None:
    _, adapter = await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    sent = await adapter.send(ChannelRef("matrix", room, room), card(1))
    await alice.client.room_kick(room, runner.user_id)
    with pytest.raises(DeliveryRefused):
        await adapter.edit(sent, card(2))
