"""A DM this process cannot even try: the person's platform runs in another process (the
cluster of tests/cluster/kit.py: one process Discord only, another Matrix only; or `logoff run`
with one platform's credentials missing). It is no refusal: the person's DMs are not taken as
closed, and a job of a space of their platform, run where that platform is, sends it once."""
from datetime import UTC, datetime, timedelta

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import labelled_pair, link

CLOSED_NOTE = "couldn't send you a direct message"


async def _quiz(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    a, b = await labelled_pair(bot)
    await link(a, b)
    await a.invoke("!config set reminders 2h,1h", "moda", mod=True)
    await a.invoke('!event create Quiz when="2026-11-26 18:00"')
    await b.invoke("!notify dm", "bob")
    await b.invoke("!rsvp 1 going", "bob")
    return a, b


def _dms(b: FakeAdapter) -> list[str]:
    return [s.text for s in b.log if s.ref.channel_id == "dm-bob"]


async def test_a_reminder_dm_of_a_platform_not_run_here_is_sent_where_it_runs(bot: Bot) -> None:
    a, b = await _quiz(bot)
    due = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # the 2h reminder
    await bot.scheduler.advance(due - bot.clock.now() - timedelta(minutes=1))
    beta = bot.adapters.pop("beta")  # this process does not run beta; another one does
    await bot.scheduler.advance(timedelta(minutes=2))
    row = await bot.db.fetchone("SELECT mode, dm_closed FROM notify_prefs WHERE user='beta:bob'")
    assert row is not None and tuple(row) == ("dm", 0), "a DM this process could not even try marked bob's DMs closed"
    assert _dms(b) == []
    bot.adapters["beta"] = beta  # the process that runs beta takes the job of its space
    await bot.scheduler.advance(timedelta(minutes=1))
    assert len(_dms(b)) == 1 and "Quiz" in _dms(b)[0], _dms(b)
    assert len([s for s in b.log if s.ref.channel_id == "room" and "Quiz" in s.text and "starts" in s.text]) == 1
    await bot.scheduler.advance(timedelta(hours=1))  # the 1h reminder, run with beta here
    assert len(_dms(b)) == 2, _dms(b)
    assert b.containing(CLOSED_NOTE) == [] and a.containing(CLOSED_NOTE) == []


async def test_a_reminder_dm_handed_over_goes_once_though_its_job_runs_again(bot: Bot) -> None:
    """The relay job run twice (a crash after its sends, claimed again): one DM, by its key."""
    _, b = await _quiz(bot)
    due = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    await bot.scheduler.advance(due - bot.clock.now() - timedelta(minutes=1))
    beta = bot.adapters.pop("beta")
    await bot.scheduler.advance(timedelta(minutes=2))
    bot.adapters["beta"] = beta
    await bot.scheduler.advance(timedelta(minutes=1))
    assert len(_dms(b)) == 1
    await bot.db.write(lambda c: c.execute("UPDATE jobs SET state='pending' WHERE key LIKE 'event:1:relay:%'"))
    await bot.scheduler.advance(timedelta(minutes=1))
    assert len(_dms(b)) == 1, _dms(b)


async def test_a_cancel_dm_of_a_platform_not_run_here_is_sent_where_it_runs(bot: Bot) -> None:
    a, b = await _quiz(bot)
    beta = bot.adapters.pop("beta")
    await a.invoke("!event cancel 1", "alice")
    row = await bot.db.fetchone("SELECT mode, dm_closed FROM notify_prefs WHERE user='beta:bob'")
    assert row is not None and tuple(row) == ("dm", 0)
    bot.adapters["beta"] = beta
    await bot.scheduler.advance(timedelta(minutes=1))
    assert len(_dms(b)) == 1 and "cancel" in _dms(b)[0].lower(), _dms(b)
    assert b.containing(CLOSED_NOTE) == []
