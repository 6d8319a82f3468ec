"""Turnout (PRODUCT.md "Turnout", issue 21): goals on the card, check-in (📍, `checkin`, by name
for the creator and moderators), the follow-up after the end (a thank-you and a "next one?"
poll, exactly once) and `event export`. Stats and the chart: test_turnout_stats.py."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.app import Bot
from bot.model import UserRef
from bot.render import Attachment
from bot.testing import FakeAdapter, Sent

WHEN = '"2026-11-26 18:00"'  # a Thursday; the fake's clock starts on Monday 23 Nov 09:00 UTC
TO_WINDOW = timedelta(days=3, hours=8, minutes=30)  # to 17:30, when check-in opens (30m)


async def count(bot: Bot, table: str) -> int:
    row = await bot.db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


def refused(replies: list[Sent], *words: str) -> str:
    assert len(replies) == 1 and replies[0].text.startswith("⚠️"), [r.text for r in replies]
    for w in words:
        assert w in replies[0].text, replies[0].text
    return replies[0].text


async def test_goal_shows_on_the_card_live_and_bad_goals_are_refused(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN} goal=3 capacity=10")
    assert "Goal (0/3)" in card and "3 more to go" in card
    await fake.react(card, "✅", "bob")
    await fake.react(card, "✅", "carol")
    assert "Goal (2/3)" in fake.messages[card.id]
    await fake.react(card, "✅", "dave")
    assert "Goal (3/3)" in fake.messages[card.id] and "goal reached" in fake.messages[card.id].text
    for bad in ("goal=0", "goal=-2", "goal=lots"):
        before = await count(bot, "events")
        refused(await fake.invoke(f"!event create Walk when={WHEN} {bad}"), "Goal")
        assert await count(bot, "events") == before
    refused(await fake.invoke("!event edit 1 goal=-1"), "Goal")
    [ok] = await fake.invoke("!event edit 1 goal=5")
    assert ok.text.startswith("✅")
    assert "Goal (3/5)" in fake.messages[card.id]
    await fake.invoke("!event edit 1 goal=0")  # no goal any more
    assert "Goal (" not in fake.messages[card.id]


async def test_a_repeating_meetup_gives_each_occurrence_its_goal(fake: FakeAdapter) -> None:
    [card, said] = await fake.invoke(f"!event create Run when={WHEN} repeat=weekly count=2 goal=4")
    assert "Goal (0/4)" in card and "repeats" in said.text


async def test_checkin_opens_with_the_pin_and_people_check_in(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    for who in ("bob", "carol", "dave"):
        await fake.react(card, "✅", who)
    # Too early: refused with when it opens; nothing written.
    refused(await fake.invoke("!checkin 1", "bob"), "opens at Thu 26 Nov 2026 17:30 UTC", "30m")
    await fake.react(card, "📍", "bob")  # a reaction gets a note in the channel (once), no check-in
    await fake.react(card, "📍", "bob", added=False)
    await fake.react(card, "📍", "bob")
    [note] = fake.containing("check-in for Clean-up #1 opens")
    assert note.text.startswith("⚠️") and [u.id for u in note.out.mentions] == ["bob"]
    assert await count(bot, "event_checkins") == 0
    assert "📍" not in fake.messages[card.id].card.reactions and "Here (" not in fake.messages[card.id]

    await bot.advance(TO_WINDOW - timedelta(minutes=1))
    assert "📍" not in fake.messages[card.id].card.reactions
    await bot.advance(timedelta(minutes=1))  # the durable job refreshes the card
    shown = fake.messages[card.id]
    assert shown.card.reactions == ("✅", "🤔", "❌", "📍") and "Here (0)" in shown
    assert "React 📍 or !checkin 1" in shown.card.footer

    await fake.react(card, "📍", "carol")
    assert "Here (1)\n  carol" in fake.messages[card.id]
    await fake.react(card, "📍", "carol", added=False)  # taken back
    assert "Here (0)" in fake.messages[card.id]
    [me] = await fake.invoke("!checkin 1", "carol")
    assert "You're checked in at Clean-up #1" in me.text and me.ephemeral
    [again] = await fake.invoke("!checkin 1", "carol")
    assert "already" in again.text and not again.text.startswith("⚠️")
    await fake.react(card, "📍", "carol", added=False)  # a command's check-in stays
    [by_name] = await fake.invoke("!checkin 1 Dave", "alice")  # the creator, by the card's name
    assert "Checked in dave" in by_name.text
    [mod] = await fake.invoke("!checkin 1 bob", "mod", mod=True)
    assert "Checked in bob" in mod.text
    shown = fake.messages[card.id]
    assert "Here (3)\n  bob, carol, dave" in shown, shown.text  # by time, then name (the clock stood)
    people = (await fake.invoke("!event attendees 1", "erin"))[0].text
    assert "Here (3):\nbob, carol, dave" in people

    # Someone else by name: only the creator and moderators; unknown and ambiguous names refused.
    before = await count(bot, "event_checkins")
    refused(await fake.invoke("!checkin 1 bob", "erin"), "creator", "!checkin 1")
    refused(await fake.invoke("!checkin 1 zoe", "alice"), "nobody called 'zoe'", "bob, carol, dave")
    sam1, sam2 = UserRef("fake", "sam1", "Sam"), UserRef("fake", "sam2", "Sam")
    await fake.react(card, "🤔", sam1)
    await fake.react(card, "❌", sam2)
    before = await count(bot, "event_checkins")
    refused(await fake.invoke("!checkin 1 sam", "alice"), "2 people", "called 'sam'")
    refused(await fake.invoke("!checkin 9", "alice"), "no event #9")
    assert await count(bot, "event_checkins") == before == 3

    # After the end: closed, said with when it ended; the list stands.
    await bot.advance(timedelta(hours=2, minutes=30))
    refused(await fake.invoke("!checkin 1", "erin"), "ended at Thu 26 Nov 2026 20:00 UTC", "closed")
    await fake.react(card, "📍", "erin")
    assert fake.containing("check-in closed then")
    await fake.react(card, "📍", "bob", added=False)  # bob's (by a moderator) stays anyway
    assert await count(bot, "event_checkins") == 3
    assert "📍" not in fake.messages[card.id].card.reactions  # nothing more to add once it ended


async def test_checkin_refused_for_a_cancelled_event_and_by_a_stranger(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke('!event create Soon when="in 20 minutes"')  # the window is open already
    [card] = [c for c in fake.cards() if "#1" in c.text]
    assert "📍" in card.card.reactions and "Here (0)" in card
    await fake.invoke("!event cancel 1")
    refused(await fake.invoke("!checkin 1", "bob"), "cancelled")
    assert await count(bot, "event_checkins") == 0


async def test_checkins_made_while_the_bot_was_away_count(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_bot

    db = str(tmp_path / "t.db")
    bot = await build_bot(db, clock=clock)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    [card] = await fake.invoke('!event create Soon when="in 20 minutes"')
    await fake.react(card, "📍", "bob")
    await bot.stop()
    fake.reactions[card.id]["📍"].remove(fake.user("bob"))  # taken back, and carol came, meanwhile
    fake.reactions[card.id]["📍"].append(fake.user("carol"))
    bot = await build_bot(db, clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    await bot.settle()
    assert "Here (1)\n  carol" in fake.messages[card.id]
    await bot.stop()


async def test_followup_thanks_and_asks_for_the_next_one_exactly_once(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    for who in ("bob", "carol", "dave"):
        await fake.react(card, "✅", who)
    await bot.advance(TO_WINDOW)
    await fake.invoke("!checkin 1", "bob")
    await fake.invoke("!checkin 1", "erin")  # came without saying so
    await bot.advance(timedelta(hours=2, minutes=29))
    assert not fake.containing("Thanks for coming")
    await bot.advance(timedelta(minutes=1))  # it ends at 20:00
    [thanks] = fake.containing("Thanks for coming")
    assert "Clean-up #1: 2 people checked in (3 said they'd go)" in thanks.text
    [poll] = [c for c in fake.cards() if c.text.startswith("📊")]
    assert "Next Clean-up?" in poll.text and "#1" in poll.text
    # three slots at the same weekday and time, one, two and three weeks on
    for day in ("Thu 03 Dec 2026 18:00 UTC", "Thu 10 Dec 2026 18:00 UTC", "Thu 17 Dec 2026 18:00 UTC"):
        assert day in poll.text, poll.text
    assert "when=poll:1" in thanks.text

    # Exactly once: the job re-run as after a crash mid-send posts nothing new.
    [job] = [j for j in await bot.db.fetchall("SELECT id, state FROM jobs WHERE key='event:1:followup'")]
    assert job[1] == "sent"
    messages, polls = len(fake.log), await count(bot, "polls")
    await bot.db.execute("UPDATE jobs SET state='sending' WHERE id=?", (job[0],))
    await bot.scheduler.recover()
    assert len(fake.log) == messages and await count(bot, "polls") == polls
    assert len(fake.containing("Thanks for coming")) == 1

    # One tap from the poll to the next meetup.
    await fake.react(poll, "2️⃣", "bob")
    await fake.react(poll, "2️⃣", "carol")
    await fake.react(poll, "1️⃣", "dave")
    [next_card] = await fake.invoke("!event create Clean-up when=poll:1")
    assert "#2" in next_card and "Thu 10 Dec 2026 18:00 UTC" in next_card.text


async def test_followup_counts_who_went_when_nobody_checked_in(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    await fake.react(card, "✅", "bob")
    await fake.invoke(f"!event create Empty when={WHEN}")  # nobody to thank: nothing said
    await bot.advance(timedelta(days=4))
    [thanks] = fake.containing("Thanks for coming")
    assert "Picnic #1: 1 person said they'd go." in thanks.text
    assert not fake.containing("Thanks for coming to Empty")


async def test_followup_off_and_series_without_poll(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set events.followup off", "mod", mod=True)
    [card] = await fake.invoke(f"!event create Picnic when={WHEN}")
    await fake.react(card, "✅", "bob")
    await bot.advance(timedelta(days=4))
    assert not fake.containing("Thanks for coming")
    [ok] = await fake.invoke("!config set events.followup on", "mod", mod=True)
    assert ok.text.startswith("✅")
    [weekly, _] = await fake.invoke('!event create Run when="2026-12-03 18:00" repeat=weekly count=2')
    await fake.react(weekly, "✅", "bob")
    polls = await count(bot, "polls")
    await bot.advance(timedelta(days=7))
    [thanks] = fake.containing("Thanks for coming to Run")
    assert "poll" not in thanks.text and await count(bot, "polls") == polls  # the next one is planned


async def test_checkin_window_setting_moves_the_opening(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
    [ok] = await fake.invoke("!config set checkin.window 2h", "mod", mod=True)
    assert ok.text.startswith("✅")
    refused(await fake.invoke("!config set checkin.window 30d", "mod", mod=True), "1m to 7d")
    await bot.advance(TO_WINDOW - timedelta(hours=1, minutes=30))  # 16:00, two hours before
    assert "📍" in fake.messages[card.id].card.reactions
    [me] = await fake.invoke("!checkin 1", "bob")
    assert "checked in" in me.text


async def test_export_is_a_csv_for_the_creator_and_moderators(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke(f"!event create Clean-up when={WHEN} capacity=2")
    await fake.react(card, "✅", "bob")
    await fake.react(card, "✅", UserRef("fake", "eve", "=HYPERLINK(1)"))
    await fake.react(card, "✅", "carol")  # waitlisted
    await fake.react(card, "🤔", "dave")
    await fake.say("our secret plan is at the old mill", "bob")  # chat text is never exported
    await bot.advance(TO_WINDOW)
    await fake.invoke("!checkin 1", "bob")
    await fake.invoke("!checkin 1", "frank")

    before = await count(bot, "event_checkins")
    refused(await fake.invoke("!event export 1", "bob"), "creator or a moderator")
    assert await count(bot, "event_checkins") == before
    [mine] = await fake.invoke("!event export 1", "alice")
    assert isinstance(mine.out, Attachment) and mine.out.mime == "text/csv" and mine.ephemeral
    data = mine.out.data.decode()
    rows = list(csv.reader(io.StringIO(data)))
    # PRODUCT.md's columns (name, platform, status, checked in) first, in its order; the extra last.
    assert rows == [["name", "platform", "status", "checked in", "waitlist position"],
                    ["bob", "fake", "going", "yes", ""],
                    ["'=HYPERLINK(1)", "fake", "going", "no", ""],
                    ["carol", "fake", "waitlist", "no", "1"],
                    ["dave", "fake", "maybe", "no", ""],
                    ["frank", "fake", "not answered", "yes", ""]]
    assert "secret" not in data
    [by_mod] = await fake.invoke("!event export 1", "mod", mod=True)
    assert isinstance(by_mod.out, Attachment)


async def test_export_goes_by_direct_message_where_replies_cannot_be_private(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.adapter import Capabilities
    from bot.app import build_bot

    bot = await build_bot(str(tmp_path / "t.db"), clock=clock)
    fake = FakeAdapter(capabilities=Capabilities(ephemeral=False, direct_messages=True))
    bot.add_adapter(fake)
    await bot.start()
    try:
        [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
        await fake.react(card, "✅", "bob")
        [said] = await fake.invoke("!event export 1", "alice")
        assert "by direct message" in said.text and not isinstance(said.out, Attachment)
        [dm] = [s for s in fake.log if s.to_user is not None]
        assert dm.to_user.id == "alice" and isinstance(dm.out, Attachment)
        assert b"bob,fake,going" in dm.out.data
    finally:
        await bot.stop()


async def test_export_is_refused_not_posted_where_the_direct_message_cannot_be_delivered(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.adapter import Capabilities
    from bot.app import build_bot

    bot = await build_bot(str(tmp_path / "t.db"), clock=clock)
    fake = FakeAdapter(capabilities=Capabilities(ephemeral=False, direct_messages=True))
    fake.dms_closed.add("alice")
    bot.add_adapter(fake)
    await bot.start()
    try:
        [card] = await fake.invoke(f"!event create Clean-up when={WHEN}")
        await fake.react(card, "✅", "bob")
        [said] = await fake.invoke("!event export 1", "alice")
        assert said.text.startswith("⚠️") and "allow direct messages from me" in said.text
        fake.dms_closed.clear()
        fake.dms_failing.add("alice")  # the platform's trouble this time: not blamed on her settings
        [said] = await fake.invoke("!event export 1", "alice")
        assert said.text.startswith("⚠️") and "did not go through just now" in said.text
        assert "allow direct messages" not in said.text
        assert not any(isinstance(s.out, Attachment) for s in fake.log)
        fake.dms_failing.clear()
        [said] = await fake.invoke("!event export 1", "alice")
        assert "I sent you the attendees" in said.text
    finally:
        await bot.stop()
