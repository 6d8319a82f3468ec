"""Cluster: one process runs Alpha only, another Beta only, one database. A reaction on the
Alpha card promotes bob, who is on Beta: the Alpha process cannot reach Beta. Bob's DMs are not
taken as closed, and he is told once, in his own channel and by DM, by a job of Beta's space
that the Beta process runs."""
from datetime import timedelta

from bot.app import Bot
from tests.unit.linking import waitlisted


async def test_promotion_of_a_person_on_a_platform_this_process_lacks(bot: Bot) -> None:
    a, b = await waitlisted(bot)
    beta = bot.adapters.pop("beta")  # this process does not run Beta
    await a.invoke("!rsvp 1 no", "alice")  # bob promoted, handled here
    row = await bot.db.fetchone("SELECT mode, dm_closed FROM notify_prefs WHERE user='beta:bob'")
    assert row is not None and tuple(row) == ("dm", 0), "bob's DMs taken as closed"
    assert [s for s in b.log if "spot opened" in s.text] == []
    bot.adapters["beta"] = beta  # the Beta process runs its space's job
    await bot.scheduler.advance(timedelta(seconds=1))
    await bot.scheduler.advance(timedelta(minutes=5))
    told = [s for s in b.log if "spot opened" in s.text]
    assert [s.ref.channel_id for s in told] == ["room", "dm-bob"], [(s.ref.channel_id, s.text) for s in told]
    assert a.containing("spot opened") == []
