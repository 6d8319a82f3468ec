"""`poll close` killed after its results reached the platform and before the job that owes
them was marked done: the re-run at the next start is the same delivery (the job's idempotency
key), so the results are said once; a kill before they landed still has them said once."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Bot, build_bot
from bot.model import ChannelRef, UserRef
from bot.render import Out
from bot.testing import FakeAdapter, Sent

RESULTS = "Results of poll #1"


class Died(BaseException):
    """The process stops right after a send landed: nothing after it runs."""


class DiesAfterResults(FakeAdapter):
    """The results land on the platform, then the process dies (once, while `armed`)."""

    armed = False

    async def _record(self, channel: ChannelRef, out: Out, *, key: str | None = None, ephemeral: bool = False,
                      to_user: UserRef | None = None, reply_to: UserRef | None = None) -> Sent:
        sent = await super()._record(channel, out, key=key, ephemeral=ephemeral, to_user=to_user,
                                     reply_to=reply_to)
        if self.armed and RESULTS in sent.text:
            self.armed = False
            raise Died
        return sent


async def started(databases, clock, fake: FakeAdapter) -> Bot:  # type: ignore[no-untyped-def]
    bot = await build_bot(databases(), clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    return bot


async def caught_up(bot: Bot) -> None:
    """What the next start does with the job a kill left claimed (its lease lapses first)."""
    await bot.scheduler.advance(timedelta(minutes=1))
    await bot.scheduler.take_over()
    await bot.scheduler.taking.idle()
    await bot.scheduler.advance(timedelta(minutes=10))
    await bot.settle()


async def test_poll_close_killed_after_its_results_landed_says_them_once(databases, clock) -> None:  # type: ignore[no-untyped-def]
    fake = DiesAfterResults()
    first = await started(databases, clock, fake)
    try:
        [card] = await fake.invoke('!poll create "Where?" Park | Cafe', "alice")
        for who in ("bob", "carol"):
            await fake.react(card, "2️⃣", who)
        fake.armed = True
        try:
            await fake.invoke("!poll close 1", "alice")
        except Died:
            pass
        assert fake.containing(RESULTS), "the kill came after the results landed"
    finally:
        await first.stop()
    for _ in range(2):  # the restart, and one more
        bot = await started(databases, clock, fake)
        try:
            await caught_up(bot)
        finally:
            await bot.stop()
        shown = [m.text for m in fake.containing(RESULTS)]
        assert len(shown) == 1, shown
        assert "Result: Cafe with 2 votes" in shown[0], shown[0]


async def test_poll_close_typed_in_another_channel_says_them_there_once_after_a_kill(  # type: ignore[no-untyped-def]
        databases, clock) -> None:
    """Closed from another channel of its space: the results there and in its own channel,
    each once, the kill coming right after the first of them landed."""
    fake = DiesAfterResults()
    other = ChannelRef(fake.platform, "elsewhere", fake.space_id)
    first = await started(databases, clock, fake)
    try:
        [card] = await fake.invoke('!poll create "Where?" Park | Cafe', "alice")
        await fake.react(card, "2️⃣", "bob")
        fake.armed = True
        try:
            await fake.invoke("!poll close 1", "alice", channel=other)
        except Died:
            pass
    finally:
        await first.stop()
    bot = await started(databases, clock, fake)
    try:
        await caught_up(bot)
    finally:
        await bot.stop()
    where = sorted(m.ref.channel_id for m in fake.containing(RESULTS))
    assert where == sorted([fake.channel.id, other.id]), where
