"""DMs handed to a keyed job, said exactly once (a reviewer's reproductions: a held job re-run
where the person's platform runs, a move away and back, a closed-DMs note still retrying when
DMs close again)."""

from datetime import timedelta

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import labelled_pair, link, waitlisted
from tests.unit.test_dm_handover_review import NOTE, fail_note_once


async def test_held_rerun_where_its_platform_runs_does_not_tell_twice(bot: Bot) -> None:
    """The held job ran where beta was absent and handed the promotion to its `there` job, which
    was said; the held job runs again (a lapsed claim) in a process that runs beta: not again."""
    a, b = await waitlisted(bot)
    holds = bot.cogs["events"].holds  # type: ignore[attr-defined]
    holds.unread = lambda event_id: {"beta"}
    await a.invoke("!rsvp 1 no", "alice")
    beta = bot.adapters.pop("beta")

    async def settle() -> None:
        bot.adapters["beta"] = beta

    await bot.scheduler.advance(timedelta(minutes=11), settle=settle)
    assert len([s for s in b.log if "spot opened" in s.text]) == 2  # channel and DM, by `there`
    await bot.db.write(lambda c: c.execute("UPDATE jobs SET state='pending' WHERE key LIKE '%:held.'"))
    await bot.scheduler.advance(timedelta(minutes=1))
    told = [s for s in b.log if "spot opened" in s.text]
    assert len(told) == 2, [(s.ref.channel_id, s.text) for s in told]


async def test_old_time_change_job_says_nothing_after_a_move_away_and_back(bot: Bot) -> None:
    """19:00 handed to a job (beta absent); beta back, moved to 20:00 and back to 19:00, each DM
    sent at once: the old 19:00 job, run after, does not tell bob 19:00 a second time."""
    a, b = await labelled_pair(bot)
    await link(a, b)
    await a.invoke('!event create Quiz when="2026-11-26 18:00"')
    await b.invoke("!notify dm", "bob")
    await b.invoke("!rsvp 1 going", "bob")
    beta = bot.adapters.pop("beta")
    await a.invoke('!event edit 1 when="2026-11-26 19:00"')
    bot.adapters["beta"] = beta
    await b.invoke('!event edit 1 when="2026-11-26 20:00"', "bob", mod=True)
    await b.invoke('!event edit 1 when="2026-11-26 19:00"', "bob", mod=True)
    await bot.scheduler.advance(timedelta(minutes=30))
    dms = [s.text for s in b.log if s.ref.channel_id == "dm-bob"]
    assert len(dms) == 2 and "20:00" in dms[0] and "19:00" in dms[1], dms


async def test_stale_retrying_note_and_a_new_closing_say_it_once(fake: FakeAdapter, bot: Bot) -> None:
    """The note of a first closing fails this time; bob says `notify dm` again and his DMs are
    refused again: one note is said, not the stale one as well."""
    fake.dms_closed.add("bob")
    await fake.invoke('!event create Picnic when="2026-11-26 18:00"')
    await fake.invoke('!event create Quiz when="2026-11-27 18:00"')
    await fake.invoke("!notify dm", "bob")
    await fake.invoke("!rsvp 1 going", "bob")
    await fake.invoke("!rsvp 2 going", "bob")
    failed = fail_note_once(fake)
    await fake.invoke("!event cancel 1")
    assert failed == [1] and not fake.containing(NOTE)
    await fake.invoke("!notify dm", "bob")
    await fake.invoke("!event cancel 2")
    await bot.scheduler.advance(timedelta(minutes=30))
    assert len(fake.containing(NOTE)) == 1, [s.text for s in fake.containing(NOTE)]
