"""`notify dm` (PRODUCT.md "Direct messages"): reminders, promotions and time changes also by
direct message to those who asked; a DM that cannot be delivered is said once in the channel
and not tried again until the person asks again."""

from __future__ import annotations

from datetime import timedelta

from bot.testing import FakeAdapter

WHEN = '"2026-11-26 18:00"'


def dms(fake: FakeAdapter, user: str) -> list[str]:
    return [s.text for s in fake.log if s.ref.channel_id == f"dm-{user}"]


async def test_reminders_promotions_and_time_changes_come_by_dm_to_who_asked(fake: FakeAdapter,
                                                                              bot) -> None:
    await fake.invoke("!config set reminders 1h", "mod", mod=True)
    [card] = await fake.invoke(f"!event create Board games when={WHEN} capacity=1")
    [ok] = await fake.invoke("!notify dm", "bob")
    assert "direct message" in ok.text and ok.ephemeral
    await fake.react(card, "✅", "alice")
    await fake.react(card, "✅", "bob")  # waitlisted
    await fake.react(card, "✅", "carol")  # waitlisted, no DMs asked for
    await fake.react(card, "✅", "alice", added=False)  # bob is promoted
    assert any("a spot opened up" in t for t in dms(fake, "bob"))
    await fake.invoke('!event edit 1 when="2026-11-26 19:00"')
    assert any("has a new time" in t for t in dms(fake, "bob"))
    await bot.scheduler.advance(timedelta(days=4))
    [reminder] = [t for t in dms(fake, "bob") if "Reminder" in t]
    assert "Board games #1 starts in 1 hour" in reminder
    assert dms(fake, "carol") == [] and dms(fake, "alice") == []
    # The channel still carries everything, with the mention.
    assert any("Reminder" in s.text and "bob" in [u.id for u in s.out.mentions] for s in fake.log
               if s.ref.channel_id == "general")


async def test_closed_dms_are_said_once_and_not_retried(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set reminders 2h,1h", "mod", mod=True)
    fake.dms_closed.add("bob")
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    await fake.invoke("!notify dm", "bob")
    await fake.react(card, "✅", "bob")
    await bot.scheduler.advance(timedelta(days=4))
    told = fake.containing("couldn't send you a direct message")
    assert len(told) == 1 and "bob" in [u.id for u in told[0].out.mentions]
    assert fake.dm_attempts == ["bob"]  # the second reminder did not try again
    assert len([s for s in fake.log if "Reminder" in s.text]) == 2
    # Asking again tries again.
    fake.dms_closed.clear()
    await fake.invoke("!notify dm", "bob")
    [later] = await fake.invoke('!event create Picnic again when="2026-12-10 18:00"')
    await fake.react(later, "✅", "bob")
    await fake.invoke('!event edit 2 when="2026-12-10 20:00"')
    assert any("has a new time" in t for t in dms(fake, "bob"))


async def test_notify_channel_stops_dms_and_bad_input_is_refused(fake: FakeAdapter, bot) -> None:
    [card] = await fake.invoke(f"!event create Walk when={WHEN}")
    await fake.invoke("!notify dm", "bob")
    await fake.invoke("!notify channel", "bob")
    await fake.react(card, "✅", "bob")
    await bot.scheduler.advance(timedelta(days=4))
    assert dms(fake, "bob") == []
    [bad] = await fake.invoke("!notify email", "bob")
    assert bad.text.startswith("⚠️") and "dm" in bad.text and "channel" in bad.text


async def test_a_dm_that_fails_only_this_time_keeps_the_preference(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set reminders 2h,1h", "mod", mod=True)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    await fake.invoke("!notify dm", "bob")
    await fake.react(card, "✅", "bob")
    fake.dms_failing.add("bob")  # the platform's trouble, not a refusal
    await bot.scheduler.advance(timedelta(days=3, hours=7))  # the 2h reminder
    assert dms(fake, "bob") == [] and fake.dm_attempts == ["bob"]
    assert fake.containing("couldn't send you a direct message") == []
    [reminder] = [s for s in fake.log if "Reminder" in s.text]
    assert "bob" in [u.id for u in reminder.out.mentions]  # the channel still carries the mention
    row = await bot.db.fetchone("SELECT mode, dm_closed FROM notify_prefs WHERE user='fake:bob'")
    assert row is not None and tuple(row) == ("dm", 0)
    fake.dms_failing.clear()
    await bot.scheduler.advance(timedelta(hours=2))  # the 1h one comes by DM again
    assert [t for t in dms(fake, "bob") if "Reminder" in t]


async def test_a_dm_shows_times_in_the_events_space_zone(fake: FakeAdapter, bot) -> None:
    from zoneinfo import ZoneInfo

    from bot.render import plain

    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    [card] = await fake.invoke(f"!event create Board games when={WHEN}")
    await fake.invoke("!notify dm", "bob")
    await fake.react(card, "✅", "bob")
    await fake.invoke('!event edit 1 when="2026-11-26 19:00"')
    [dm] = [s for s in fake.log if s.ref.channel_id == "dm-bob"]
    # Wherever the DM is read (a DM room is a space of its own on some platforms), its times
    # are the event's: 19:00 in Berlin.
    assert dm.out.zone == ZoneInfo("Europe/Berlin")
    assert "19:00 CET" in plain(dm.out, ZoneInfo("UTC"))


async def test_a_reminder_re_sent_after_a_crash_dms_each_person_once(fake: FakeAdapter, bot) -> None:
    """A crash after the DMs and before the job is marked done: the re-run (same job key)
    re-sends the channel post and the DMs, and the platform makes each of them one."""
    await fake.invoke("!config set reminders 1h", "mod", mod=True)
    [card] = await fake.invoke('!event create Board games when="in 3 hours"')
    for who in ("bob", "carol"):
        await fake.invoke("!notify dm", who)
        await fake.react(card, "✅", who)
    await bot.scheduler.advance(timedelta(hours=2, minutes=30))  # the re-run is within its grace
    assert len([t for t in dms(fake, "bob") if "Reminder" in t]) == 1
    [(job_id, state)] = await bot.db.fetchall("SELECT id, state FROM jobs WHERE kind='event.reminder'")
    assert state == "sent"
    await bot.db.execute("UPDATE jobs SET state='sending' WHERE id=?", (job_id,))  # as the crash left it
    sent = len(fake.log)
    await bot.scheduler.recover()
    assert fake.dm_attempts.count("bob") == 2  # it was re-sent, and absorbed
    assert len(fake.log) == sent
    assert [len([t for t in dms(fake, who) if "Reminder" in t]) for who in ("bob", "carol")] == [1, 1]
    [(state,)] = await bot.db.fetchall("SELECT state FROM jobs WHERE id=?", (job_id,))
    assert state == "sent"
