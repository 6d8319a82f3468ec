"""Events keep people told (issue 14): an end time, an event that is over, and every
change to someone's status or to the place and time said in the channel."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from bot.testing import FakeAdapter


async def test_duration_sets_the_end_on_the_card_and_in_the_calendar_file(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!event create Picnic when="2026-12-05 12:00" duration=3h30m')
    assert "Sat 05 Dec 2026 12:00 UTC" in card.text and "until Sat 05 Dec 2026 15:30 UTC" in card.text
    [default] = await fake.invoke('!event create Talk when="2026-12-05 18:00"')
    assert "until Sat 05 Dec 2026 20:00 UTC" in default.text
    [f] = await fake.invoke("!event ics 1")
    item = next(c for c in Calendar.from_ical(f.out.data).walk("VEVENT"))
    assert (item["dtend"].dt - item["dtstart"].dt) == timedelta(hours=3, minutes=30)
    [too_long] = await fake.invoke('!event create Camp when="2026-12-05 12:00" duration=20d')
    assert too_long.text.startswith("⚠️") and "14 days" in too_long.text


async def test_an_event_that_has_ended_takes_no_rsvps_edits_or_cancel(fake: FakeAdapter, bot) -> None:
    [card] = await fake.invoke('!event create Picnic when="2026-11-23 12:00" duration=1h')
    await fake.react(card, "✅", "bob")
    bot.clock.advance(timedelta(hours=4))  # 13:00 UTC: it ended at 13:00... and now it is past
    [late] = await fake.invoke("!rsvp 1 going", "carol")
    assert late.text.startswith("⚠️") and "has ended" in late.text
    await fake.react(card, "✅", "dave")
    [listed] = await fake.invoke("!event attendees 1")
    assert "bob" in listed.text and "dave" not in listed.text and "carol" not in listed.text
    [edit] = await fake.invoke('!event edit 1 title="Later"', "alice")
    assert edit.text.startswith("⚠️") and "already ended" in edit.text
    sent_before = len(fake.log)
    [cancel] = await fake.invoke("!event cancel 1", "alice")
    assert cancel.text.startswith("⚠️") and len(fake.log) == sent_before + 1  # nobody pinged


async def test_lowering_the_capacity_tells_those_moved_to_the_waitlist(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!event create Dinner when="2026-12-05 19:00" capacity=3')
    for who in ("bob", "carol", "dave"):
        await fake.react(card, "✅", who)
    replies = await fake.invoke("!event edit 1 capacity=1", "alice")
    assert replies[0].text.startswith("✅")
    told = fake.containing("moved to the waitlist")
    assert told and "@carol" in told[-1].text and "@dave" in told[-1].text and "@bob" not in told[-1].text
    assert {u.key for u in told[-1].out.mentions} == {"fake:carol", "fake:dave"}
    assert "Going (1/1)" in card.text and "Waitlist (2)" in card.text


async def test_a_reaction_onto_a_full_event_is_told_it_waits(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!event create Dinner when="2026-12-05 19:00" capacity=1')
    await fake.react(card, "✅", "bob")
    await fake.react(card, "✅", "carol")
    [told] = fake.containing("on the waitlist")
    assert "@carol" in told.text and "number 1" in told.text
    assert [u.key for u in told.out.mentions] == ["fake:carol"]


async def test_a_new_place_or_time_is_said_to_those_who_answered(fake: FakeAdapter) -> None:
    [card] = await fake.invoke('!event create Dinner when="2026-12-05 19:00" where="Blue Cafe"')
    await fake.react(card, "✅", "bob")
    await fake.react(card, "🤔", "carol")
    [reply] = await fake.invoke(r'!event edit 1 where=Red Bar, \"Main St\"', "alice")  # quote marks kept
    assert reply.text.startswith("✅")
    [moved] = fake.containing("has moved")
    assert 'Red Bar, "Main St"' in moved.text and "@bob" in moved.text and "@carol" in moved.text
    [when] = await fake.invoke('!event edit 1 when="2026-12-06 18:00"', "alice")
    assert ": now Sun 06 Dec 2026 18:00 UTC (in 13 days 9 hours)" in when.text
    [details] = await fake.invoke('!event edit 1 details="bring a dish"', "alice")
    assert details.text.startswith("✅") and "bring a dish" in card.text


async def test_event_list_says_how_many_more_there_are(fake: FakeAdapter) -> None:
    [empty] = await fake.invoke("!event list")
    assert "Start one with !event create" in empty.text
    for day in range(1, 19):
        await fake.invoke(f'!event create Walk {day} when="2026-12-{day:02d} 10:00"')
    [listed] = await fake.invoke("!event list")
    assert "Upcoming events (18):" in listed.text and "#15 " in listed.text and "#16 " not in listed.text
    assert "and 3 more later" in listed.text


async def test_a_multi_day_event_counts_reactions_until_it_ends(fake: FakeAdapter, bot) -> None:
    [card] = await fake.invoke('!event create Camp when="in 2 hours" duration=3d')
    await bot.scheduler.advance(timedelta(days=1, hours=3))  # a day in: still on
    await fake.react(card, "✅", "bob")
    assert "Going (1)" in card.text and "bob" in card.text
    await bot.scheduler.advance(timedelta(days=2))  # over
    await bot.settle()
    assert "It has ended" in card.text  # the card itself, re-rendered at the end (turnout.py)
    [shown] = await fake.invoke("!event show 1")
    assert "It has ended" in shown.text and "React ✅" not in shown.text and not shown.card.actions


async def test_how_far_away_is_said_to_the_minute_not_rounded(fake: FakeAdapter) -> None:
    # Ninety minutes is not "in 2 hours", and two and a half days is not "in 3 days".
    await fake.invoke('!event create Soon when="in 90 minutes"')
    assert fake.containing("(in 1 hour 30 minutes)"), [m.text for m in fake.messages.values()]
    [moved] = await fake.invoke('!event edit 1 when="in 2 days at 21:00"', "alice")
    assert "(in 2 days 12 hours)" in moved.text, moved.text
