"""An event with several live cards on one platform (`event show` posts another): a mark
stands for a reaction on any of them, so a restart compares the marks with them all."""

from __future__ import annotations

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


async def test_a_restart_keeps_the_rsvps_made_on_another_card_of_the_event(tmp_path, clock) -> None:
    from bot.app import build_bot

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
    bot2 = await build_bot(path, clock=clock)
    bot2.add_adapter(fake)
    await bot2.start()
    await bot2.cards.idle()
    [attendees] = await fake.invoke("!event attendees 1")
    assert "Going (2/2): \nbob, erin" in attendees.text, attendees.text
    assert "Maybe (1): \ndave" in attendees.text and "carol" not in attendees.text
    assert "Going (2/2)" in card.text and "Going (2/2)" in again.text
    assert fake.containing("a spot opened up") == []
    await bot2.stop()
