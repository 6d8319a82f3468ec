"""A poll taken by `when=poll:N` while its own close job is running (claimed: firing now, or
claimed by a process that died, whose job is run again): its results are posted once."""

from __future__ import annotations

from bot.app import Bot
from bot.testing import FakeAdapter


async def test_results_are_posted_once_when_the_close_job_was_claimed(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!poll create When? sunday 10am | sunday 2pm closes=2h")
    await fake.invoke("!poll vote 1 2", "bob")
    # The close job falls due and is claimed, but its handler has not closed the poll yet.
    await bot.db.execute("UPDATE jobs SET state='sending' WHERE key='poll:1:close'")
    [made, *_] = await fake.invoke("!event create Hike when=poll:1")
    assert "Sun 29 Nov 2026 14:00 UTC" in made.text, made.text
    await bot.scheduler.recover()  # the claimed job runs (again, as after a crash: same key)
    results = [m for m in fake.log if m.text.startswith("📊 Results of poll #1")]
    assert len(results) == 1, [m.text for m in results]
    [job] = await bot.db.fetchall("SELECT state FROM jobs WHERE key='poll:1:close'")
    assert job[0] == "sent"
