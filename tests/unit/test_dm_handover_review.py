"""DMs handed to a keyed job where the person's platform runs: said once, never lost, never twice
(a reviewer's reproductions: a re-run after a crash, a repeated key, a job run where its platform
is absent, a linked channel gone, a time change)."""

from datetime import timedelta

from bot.adapter import DeliveryFailed
from bot.app import Bot
from bot.model import ChannelRef, MessageRef
from bot.render import Out
from bot.testing import FakeAdapter
from tests.unit.linking import labelled_pair, link, waitlisted
from tests.unit.test_linked_reminders import Deleted

NOTE = "couldn't send you a direct message"


def fail_note_once(fake: FakeAdapter) -> list[int]:
    """The "DMs closed" note's first post fails this time (a passing 503); filled when it did."""
    real = fake.send
    failed: list[int] = []

    async def flaky(channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if NOTE in await fake._plain(channel, out) and not failed:
            failed.append(1)
            raise DeliveryFailed("fake: 503 this time")
        return await real(channel, out, idempotency_key=idempotency_key)

    fake.send = flaky  # type: ignore[method-assign]
    return failed


async def test_second_closed_note_at_the_same_instant_is_said(fake: FakeAdapter, bot: Bot) -> None:
    """A frozen clock (console, FakeAdapter): DMs closed, note said; `notify dm` again (as the
    note says), refused again: a second note is said, not taken for the first one's re-run."""
    fake.dms_closed.add("bob")
    await fake.invoke('!event create Picnic when="2026-11-26 18:00"')
    await fake.invoke('!event create Quiz when="2026-11-27 18:00"')
    await fake.invoke("!notify dm", "bob")
    await fake.invoke("!rsvp 1 going", "bob")
    await fake.invoke("!rsvp 2 going", "bob")
    await fake.invoke("!event cancel 1")
    assert len(fake.containing(NOTE)) == 1
    await fake.invoke("!notify dm", "bob")  # retry, as the note tells him
    await fake.invoke("!event cancel 2")
    row = await bot.db.fetchone("SELECT dm_closed FROM notify_prefs WHERE user='fake:bob'")
    assert row is not None and tuple(row) == (1,)
    assert len(fake.containing(NOTE)) == 2, [s.text for s in fake.containing(NOTE)]


async def test_closed_note_is_not_said_once_dms_were_asked_for_again(fake: FakeAdapter, bot: Bot) -> None:
    """The note's post failed this time; before its retry, bob says `notify dm` again: the note
    would be stale (his DMs are no longer taken as closed), so it is not said."""
    fake.dms_closed.add("bob")
    await fake.invoke('!event create Picnic when="2026-11-26 18:00"')
    await fake.invoke("!notify dm", "bob")
    await fake.invoke("!rsvp 1 going", "bob")
    failed = fail_note_once(fake)
    await fake.invoke("!event cancel 1")
    assert failed == [1] and not fake.containing(NOTE)
    fake.dms_closed.discard("bob")
    await fake.invoke("!notify dm", "bob")
    await bot.scheduler.advance(timedelta(minutes=30))
    assert not fake.containing(NOTE), [s.text for s in fake.containing(NOTE)]


async def test_there_job_run_while_its_platform_is_absent_waits_for_it(bot: Bot) -> None:
    """One process, one SQLite file (it runs every space's jobs), beta not running for now. The
    `there` job runs here, cannot say it, and tries again: once beta is back, bob is told."""
    a, b = await waitlisted(bot)
    beta = bot.adapters.pop("beta")
    await a.invoke("!rsvp 1 no", "alice")  # bob promoted
    await bot.scheduler.advance(timedelta(seconds=1))  # the there-job runs here, beta absent
    states = await bot.db.fetchall("SELECT key, state FROM jobs WHERE kind='event.promoted'")
    bot.adapters["beta"] = beta
    await bot.scheduler.advance(timedelta(minutes=30))
    told = [s for s in b.log if "spot opened" in s.text]
    assert [s.ref.channel_id for s in told] == ["room", "dm-bob"], ("promotion lost", [tuple(r) for r in states])


async def test_held_job_run_again_does_not_tell_twice(bot: Bot) -> None:
    """A held promotion run by a process without bob's platform hands it to a `there` job, said
    by beta's process. The held job run again (a crash before it was marked sent) does not
    write the `there` job again: bob is told once."""
    a, b = await waitlisted(bot)
    holds = bot.cogs["events"].holds  # type: ignore[attr-defined]
    holds.unread = lambda event_id: {"beta"}  # beta still starting: the promotion is held
    await a.invoke("!rsvp 1 no", "alice")
    held = await bot.db.fetchall("SELECT key FROM jobs WHERE kind='event.promoted'")
    assert [r[0] for r in held][0].endswith(":held."), [tuple(r) for r in held]
    beta = bot.adapters.pop("beta")  # the alpha-only process runs the held job

    async def settle() -> None:
        bot.adapters["beta"] = beta  # the there-job is beta's process's

    await bot.scheduler.advance(timedelta(minutes=11), settle=settle)
    told = [s for s in b.log if "spot opened" in s.text]
    assert [s.ref.channel_id for s in told] == ["room", "dm-bob"], [(s.ref.channel_id, s.text) for s in told]
    # the held job claimed again after a crash of the alpha process (before it was marked sent)
    await bot.db.write(lambda c: c.execute("UPDATE jobs SET state='pending' WHERE key LIKE '%:held.'"))
    bot.adapters.pop("beta")
    await bot.scheduler.advance(timedelta(minutes=1), settle=settle)
    told = [s for s in b.log if "spot opened" in s.text]
    assert len(told) == 2, [(s.ref.channel_id, s.text) for s in told]


async def test_cancel_dm_handed_over_goes_when_the_linked_channel_is_gone(bot: Bot) -> None:
    """Cluster: the alpha-only process cancels; bob (beta, notify dm) is handed to the notice's
    beta job. Beta's linked channel was deleted meanwhile: the job cannot post, but bob, who
    asked for DMs, still gets his."""
    a, b = await labelled_pair(bot, Deleted)
    assert isinstance(b, Deleted)
    await link(a, b)
    await a.invoke('!event create Quiz when="2026-11-26 18:00"')
    await b.invoke("!notify dm", "bob")
    await b.invoke("!rsvp 1 going", "bob")
    beta = bot.adapters.pop("beta")
    await a.invoke("!event cancel 1", "alice")
    bot.adapters["beta"] = beta
    b.gone = True  # the linked channel was deleted
    await bot.scheduler.advance(timedelta(minutes=1))
    dms = [s.text for s in b.log if s.ref.channel_id == "dm-bob"]
    assert len(dms) == 1 and "cancelled" in dms[0].lower(), dms


async def test_time_change_dm_of_a_platform_not_run_here_is_said_there(bot: Bot) -> None:
    """Cluster: the alpha-only process runs the edit; bob (beta, notify dm) is due a DM for the
    time change (PRODUCT.md "Direct messages"): a job where beta runs sends it, once."""
    a, b = await labelled_pair(bot)
    await link(a, b)
    await a.invoke('!event create Quiz when="2026-11-26 18:00"')
    await b.invoke("!notify dm", "bob")
    await b.invoke("!rsvp 1 going", "bob")
    beta = bot.adapters.pop("beta")
    await a.invoke('!event edit 1 when="2026-11-26 19:00"')
    bot.adapters["beta"] = beta
    await bot.scheduler.advance(timedelta(minutes=5))
    await bot.scheduler.advance(timedelta(minutes=30))
    dms = [s.text for s in b.log if s.ref.channel_id == "dm-bob"]
    assert len(dms) == 1, dms
