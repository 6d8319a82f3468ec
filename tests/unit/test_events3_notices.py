"""What the bot says to those going: a reminder mentions everyone going (PRODUCT.md "Reminders"),
however many; a direct message is for one person; the closed-DMs notice names the command."""

from __future__ import annotations

from datetime import timedelta

from bot.testing import FakeAdapter


async def test_a_reminder_mentions_everyone_going_not_only_the_first_fifty(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set reminders 1h", "mod", mod=True)
    [card] = await fake.invoke('!event create Big picnic when="2026-11-26 18:00" capacity=120')
    going = [f"u{i:03d}" for i in range(120)]
    for name in going:
        await fake.react(card, "✅", name)
    for name in ("late1", "late2"):  # on the waitlist: not mentioned
        await fake.react(card, "✅", name)
    await fake.react(card, "🤔", "maybe1")
    await bot.scheduler.advance(timedelta(days=4))
    [reminder] = [s for s in fake.log if "starts" in s.text and "Reminder" in s.text]
    said = [s for s in fake.log if s is reminder or "Also going to Big picnic #1" in s.text]
    mentioned = [u.id for s in said for u in s.out.mentions]
    assert mentioned == going  # each once, in order
    assert all(len(s.out.mentions) <= 50 for s in said)
    assert len(said) == 3 and "more" not in reminder.text


async def test_a_time_change_by_direct_message_names_nobody_else(fake: FakeAdapter, bot) -> None:
    [card] = await fake.invoke('!event create Board games when="2026-11-26 18:00"')
    await fake.invoke("!notify dm", "bob")
    for name in ("bob", "carol", "dave"):
        await fake.react(card, "✅", name)
    await fake.invoke('!event edit 1 when="2026-11-26 19:00"')
    [dm] = [s for s in fake.log if s.ref.channel_id == "dm-bob"]
    assert "has a new time" in dm.text and "Thu 26 Nov 2026 19:00 UTC" in dm.text
    assert dm.out.mentions == () and "carol" not in dm.text and "dave" not in dm.text
    [notice] = [s for s in fake.log if s.ref.channel_id == "general" and "has a new time" in s.text]
    assert [u.id for u in notice.out.mentions] == ["bob", "carol", "dave"]  # the channel still says it to all


async def test_closed_dms_notice_names_the_command_as_typed_here(fake: FakeAdapter, bot) -> None:
    fake.dms_closed.add("bob")
    [card] = await fake.invoke('!event create Picnic when="2026-11-26 18:00" capacity=1')
    await fake.invoke("!notify dm", "bob")
    await fake.react(card, "✅", "alice")
    await fake.react(card, "✅", "bob")
    await fake.react(card, "✅", "alice", added=False)  # bob is promoted; his DM is refused
    [told] = fake.containing("couldn't send you a direct message")
    assert "Say !notify dm again" in told.text
