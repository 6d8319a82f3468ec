"""An event with several live cards on one platform (`event show` posts another): a mark
stands for a reaction on any of them, so a restart compares the marks with them all."""

from __future__ import annotations

import pytest

from bot.testing import FakeAdapter


async def _restart(tmp_path, clock, fake: FakeAdapter, before):  # type: ignore[no-untyped-def]
    from bot.app import build_bot

    path = str(tmp_path / "r.db")
    bot = await build_bot(path, clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    cards = await before(bot)
    await bot.stop()
    return path, cards


async def _back(path, clock, fake: FakeAdapter):  # type: ignore[no-untyped-def]
    """The bot started again on the same database, its cards reconciled."""
    from bot.app import build_bot

    bot = await build_bot(path, clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    await bot.cards.idle()
    return bot


async def test_a_restart_keeps_the_rsvps_made_on_another_card_of_the_event(tmp_path, clock) -> None:

    fake = FakeAdapter()

    async def before(bot):  # type: ignore[no-untyped-def]
        [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00" capacity=2')
        await fake.react(card, "✅", "bob")
        await fake.react(card, "✅", "carol")
        [again] = await fake.invoke("!event show 1", "dave")  # a second live card
        await fake.react(again, "🤔", "dave")
        return card, again

    path, (card, again) = await _restart(tmp_path, clock, fake, before)
    # While the bot is down: erin answers on the second card, carol takes hers back.
    await fake.react(again, "✅", "erin", dispatch=False)
    await fake.react(card, "✅", "carol", added=False, dispatch=False)
    bot2 = await _back(path, clock, fake)
    [attendees] = await fake.invoke("!event attendees 1")
    assert "Going (2/2):\nbob, erin" in attendees.text, attendees.text
    assert "Maybe (1):\ndave" in attendees.text and "carol" not in attendees.text
    assert "Going (2/2)" in card.text and "Going (2/2)" in again.text
    assert fake.containing("a spot opened up") == []
    await bot2.stop()


@pytest.mark.parametrize("broken", ["unreadable", "deleted"])
async def test_an_answer_made_offline_counts_when_another_card_cannot_be_read(tmp_path, clock, broken) -> None:  # type: ignore[no-untyped-def]
    # Reading one of two cards fails at start (a rate limit, a deleted card): what the other
    # card shows still counts, and nothing is taken back on a partial reading.

    fake = FakeAdapter()

    async def before(bot):  # type: ignore[no-untyped-def]
        [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00"')
        await fake.react(card, "✅", "bob")
        [again] = await fake.invoke("!event show 1", "dave")
        await fake.react(again, "🤔", "dave")
        return card, again

    path, (card, again) = await _restart(tmp_path, clock, fake, before)
    await fake.react(card, "✅", "erin", dispatch=False)  # while the bot is down
    if broken == "deleted":
        fake.messages[again.ref.id].deleted = True
        fake.reactions.pop(again.ref.id, None)
    else:
        read = fake.fetch_reactions

        async def flaky(message):  # type: ignore[no-untyped-def]
            if message.id == again.ref.id:
                raise RuntimeError("429 Too Many Requests")
            return await read(message)

        fake.fetch_reactions = flaky  # type: ignore[method-assign]
    bot2 = await _back(path, clock, fake)
    [attendees] = await fake.invoke("!event attendees 1")
    assert "bob, erin" in attendees.text, attendees.text
    assert "dave" in attendees.text, attendees.text  # 🤔 on the card that was not read
    await bot2.stop()
