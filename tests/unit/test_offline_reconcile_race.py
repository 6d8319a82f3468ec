"""A reconcile of a prompt's card while a proposal of it is being made in this process (the
database back after an outage, a gateway resume re-reading the card): it neither takes the
proposal back (its poll not made yet) nor counts a 🔕 read on the card as a dismissal."""

from __future__ import annotations

import asyncio

from bot.app import Bot
from bot.testing import FakeAdapter
from cogs.offline.cog import OfflineCog
from cogs.polls.service import PollService

POLL = "📊 When could we meet?"


async def test_a_reconcile_during_a_proposal_in_flight_leaves_it_to_the_proposal(bot: Bot) -> None:
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke("!offline", "alice")
    polls = bot.service(PollService)
    assert polls is not None
    create = polls.create_poll  # type: ignore[attr-defined]
    blocked, go = asyncio.Event(), asyncio.Event()

    async def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        blocked.set()
        await go.wait()
        return await create(*args, **kwargs)

    polls.create_poll = slow  # type: ignore[attr-defined]
    pressing = asyncio.create_task(fake.press(card, "offline:meet:1", "bob"))
    await blocked.wait()
    # A re-read of the card, made just before the press untracked it: carol's 🔕 on it.
    cog = bot.cogs["offline"]
    assert isinstance(cog, OfflineCog)
    await cog.on_prompt_reconcile(1, {card.ref: {"🔕": [fake.user("carol")]}}, True)
    go.set()
    replies = await pressing
    await bot.settle()
    assert [r.text for r in replies] == ["👍 Done."], [r.text for r in replies]
    row = await bot.db.fetchone("SELECT dismissed, proposed FROM offline_prompts WHERE id=1")
    assert row is not None and tuple(row) == (0, 1), tuple(row or ())
    assert len(fake.containing(POLL)) == 1
    assert "bob proposed a meetup" in card.text, card.text
    assert not any("waved" in h for h in card.history), card.history
