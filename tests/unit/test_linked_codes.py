"""Linking and unlinking (PRODUCT.md "Linked spaces") when the other side cannot be told at
that moment, and what a code from the wrong place says."""

from __future__ import annotations

import pytest

from bot.adapter import Capabilities
from bot.app import Bot
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.unit.linking import code_in, link

APOLOGY = "something went wrong"


class Unreachable(FakeAdapter):
    """A platform whose channel the bot can no longer post in (removed, or the platform is away)."""

    down = False

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if self.down:
            raise RuntimeError(f"the {self.platform} adapter is not running")
        return await super().send(channel, out, idempotency_key=idempotency_key)


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, Unreachable]:
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(buttons=True, ephemeral=True, edits_per_window=0, label="Alpha"))
    b = Unreachable("beta", space="room", channel="room", capabilities=Capabilities(edits_per_window=0,
                                                                                      label="Beta"))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    return a, b


async def members(bot: Bot) -> list[str]:
    return [str(r[0]) for r in await bot.db.fetchall("SELECT channel FROM link_members ORDER BY channel")]


async def test_unlink_is_done_and_said_done_when_the_other_side_cannot_be_told(
        pair: tuple[FakeAdapter, Unreachable], bot: Bot) -> None:
    a, b = pair
    await link(a, b)
    b.down = True
    replies = await a.invoke("!unlink", "moda", mod=True)
    assert [r.text.split(".")[0] for r in replies] == ["🔗 Unlinked"], [r.text for r in replies]
    assert await members(bot) == []


async def test_link_is_done_and_said_done_when_the_code_s_side_cannot_be_told(
        pair: tuple[FakeAdapter, Unreachable], bot: Bot) -> None:
    a, b = pair
    [code_reply] = await b.invoke("!link", "modb", mod=True)
    b.down = True
    replies = await a.invoke(f"!link {code_in(code_reply)}", "moda", mod=True)
    assert len(replies) == 1 and replies[0].text.startswith("🔗 Linked with Beta channel room"), \
        [r.text for r in replies]
    assert not any(APOLOGY in r.text for r in replies)
    assert await members(bot) == ["alpha:general", "beta:room"]


async def test_a_code_from_the_same_platform_says_where_to_type_it(pair: tuple[FakeAdapter, Unreachable],
                                                                    bot: Bot) -> None:
    a, _ = pair
    [code_reply] = await a.invoke("!link", "moda", mod=True)
    [refused] = await a.invoke(f"!link {code_in(code_reply)}", "moda", mod=True,
                               channel=ChannelRef("alpha", "other", "guild"))
    assert refused.text == ("⚠️ that code was made in another Alpha channel, and link joins channels on two "
                            "different platforms; type it in a channel on the other platform")
    assert await members(bot) == []
