"""The "your DMs are closed" note is a job written with the mark that DMs are closed: one
passing failure of its post is retried, and it is said once (PRODUCT.md: said once)."""
from datetime import timedelta

from bot.adapter import DeliveryFailed
from bot.app import Bot
from bot.model import ChannelRef
from bot.render import Out
from bot.testing import FakeAdapter

NOTE = "couldn't send you a direct message"


async def test_closed_note_survives_a_passing_failure(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set reminders 2h,1h", "mod", mod=True)
    fake.dms_closed.add("bob")
    [card] = await fake.invoke('!event create Picnic when="2026-11-26 18:00"')
    await fake.invoke("!notify dm", "bob")
    await fake.react(card, "✅", "bob")
    real = fake.send
    failed: list[int] = []

    async def flaky(channel: ChannelRef, out: Out, *, idempotency_key: str | None = None):  # type: ignore[no-untyped-def]
        if NOTE in await fake._plain(channel, out) and not failed:
            failed.append(1)
            raise DeliveryFailed("fake: 503 this time")
        return await real(channel, out, idempotency_key=idempotency_key)

    fake.send = flaky  # type: ignore[method-assign]
    await bot.scheduler.advance(timedelta(days=4))  # both reminders
    assert failed == [1]
    told = fake.containing(NOTE)
    assert len(told) == 1, [s.text for s in told]
    assert told[0].ref.channel_id == card.ref.channel_id
    assert len([s for s in fake.log if "Reminder" in s.text or "starts" in s.text]) >= 2
    row = await bot.db.fetchone("SELECT dm_closed FROM notify_prefs WHERE user='fake:bob'")
    assert row is not None and tuple(row) == (1,)
