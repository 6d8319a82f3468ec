"""`link` in a channel that is linked already (PRODUCT.md "Linked spaces"): the code says what
the channel is linked with and that it can only add a channel on a platform not in that group,
so a moderator is not left with a code that can only be refused later without knowing why."""

from __future__ import annotations

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import code_in, link


async def test_a_code_asked_for_in_a_linked_channel_says_what_it_can_still_add(bot: Bot) -> None:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, ephemeral=True, label="Alpha"))
    b = FakeAdapter("beta", space="room", channel="room",
                    capabilities=Capabilities(edits_per_window=0, label="Beta"))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    [first, _] = await link(a, b)
    assert "linked already" not in first.text, first.text
    [again] = await a.invoke("!link", "moda", mod=True)
    assert again.ephemeral
    assert ("This channel is linked already with Beta channel room: the code can only add a channel "
            "on a platform not in that group yet.") in again.text, again.text
    [refused] = await b.invoke(f"!link {code_in(again)}", "modb", mod=True)  # as it said
    assert refused.text.startswith("⚠️") and "linked already" in refused.text, refused.text
