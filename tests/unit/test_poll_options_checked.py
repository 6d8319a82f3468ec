"""What a poll's options are taken to be, and what is refused instead of guessed: an empty
option between bars, one option twice (as text or as the same moment written two ways), an
option that reads as a time only through words the patterns do not know (fixed when the poll
is made, like any other), and a place taken from a poll whose leading option is a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import Bot
from bot.clock import ManualClock
from bot.testing import FakeAdapter


async def polls(bot: Bot) -> int:
    return len(await bot.db.fetchall("SELECT id FROM polls"))


async def test_an_empty_option_between_bars_is_refused_and_a_bar_at_the_end_is_not(
        fake: FakeAdapter, bot: Bot) -> None:
    [refused] = await fake.invoke("!poll create Q Park || Cafe")
    assert refused.text.startswith("⚠️") and "item 2 is empty" in refused.text, refused.text
    assert await polls(bot) == 0
    [card] = await fake.invoke("!poll create Q Park | Cafe |")
    assert "1️⃣ Park — 0" in card.text and "2️⃣ Cafe — 0" in card.text and "3️⃣" not in card.text


async def test_options_starting_with_a_bar_are_refused_not_missing_their_first(
        fake: FakeAdapter, bot: Bot) -> None:
    # The question was left out: "Pizza" filled it, and the poll would have lost an option.
    [refused] = await fake.invoke("!poll create Pizza | Tacos | Sushi")
    assert refused.text.startswith("⚠️") and "start with |" in refused.text, refused.text
    assert await polls(bot) == 0


async def test_an_unquoted_question_running_into_the_options_is_refused(fake: FakeAdapter, bot: Bot) -> None:
    [refused] = await fake.invoke("!poll create Where should we meet? Riverside Park | Blue Cafe")
    assert refused.text.startswith("⚠️"), refused.text
    assert '!poll create "Where should we meet?" Riverside Park |' in refused.text, refused.text
    assert await polls(bot) == 0
    [card] = await fake.invoke('!poll create "Where should we meet?" Riverside Park | Blue Cafe')
    assert "Where should we meet? #1" in card.text and "1️⃣ Riverside Park — 0" in card.text, card.text
    [card] = await fake.invoke('!poll create Dinner? Pizza? Yes please | No')  # a question of its own
    assert "Dinner? #2" in card.text and "1️⃣ Pizza? Yes please — 0" in card.text, card.text


async def test_a_quote_on_the_question_or_the_first_option_says_nothing_ran_on(fake: FakeAdapter, bot: Bot) -> None:
    # Unquoted, "Snacks Chips? Sure" may be a question that ran on; a quote says where it ends.
    [refused] = await fake.invoke("!poll create Snacks Chips? Sure | No thanks")
    assert refused.text.startswith("⚠️") and "the question is only 'Snacks'" in refused.text, refused.text
    assert await polls(bot) == 0
    [card] = await fake.invoke('!poll create Snacks "Chips? Sure" | No thanks')
    assert "Snacks #1" in card.text and "1️⃣ Chips? Sure — 0" in card.text, card.text
    [card] = await fake.invoke('!poll create "Snacks" Chips? Sure | No thanks')
    assert "Snacks #2" in card.text and "1️⃣ Chips? Sure — 0" in card.text, card.text
    # A single-quoted part of a longer option keeps its quotes as typed (bot/commandparse.py).
    [card] = await fake.invoke("!poll create Snacks 'Chips?' Sure | No thanks")
    assert "Snacks #3" in card.text and "1️⃣ 'Chips?' Sure — 0" in card.text, card.text
    # options= says where the options start, as a quote does.
    [card] = await fake.invoke("!poll create Snacks options=Chips? Sure | No thanks")
    assert "Snacks #4" in card.text and "1️⃣ Chips? Sure — 0" in card.text, card.text


async def test_a_close_too_far_away_is_refused_saying_the_close_read_and_the_latest(
        fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    [refused] = await fake.invoke("!poll create Q A | B closes=2027-03-01 18:00")
    assert refused.text.startswith("⚠️"), refused.text
    # Read in the space's zone, and the latest close 90 days from now (Mon 23 Nov 09:00 UTC).
    assert "closes= reads as Mon 01 Mar 2027 18:00 CET" in refused.text, refused.text
    assert "up to Sun 21 Feb 2027 10:00 CET" in refused.text, refused.text
    assert await polls(bot) == 0


async def test_one_option_twice_is_named_in_the_refusal(fake: FakeAdapter, bot: Bot) -> None:
    [refused] = await fake.invoke("!poll create Q Park | Cafe | park")
    assert refused.text.startswith("⚠️") and "'Park' twice (items 1 and 3)" in refused.text, refused.text
    [long] = await fake.invoke(f"!poll create Q Park | {'x' * 101}")
    assert long.text.startswith("⚠️") and "item 2 is too long" in long.text, long.text
    assert await polls(bot) == 0


async def test_two_options_naming_one_moment_are_refused(fake: FakeAdapter, bot: Bot) -> None:
    [refused] = await fake.invoke("!poll create When? tomorrow 7pm | Park | 19:00 tomorrow")
    assert refused.text.startswith("⚠️"), refused.text
    assert "options 1 and 3 are the same time, Tue 24 Nov 2026 19:00 UTC" in refused.text, refused.text
    assert await polls(bot) == 0


async def test_an_option_read_through_date_words_is_fixed_when_the_poll_is_made(
        fake: FakeAdapter, bot: Bot, clock: ManualClock) -> None:
    [card] = await fake.invoke("!poll create When? this evening 7pm | Park")
    assert "1️⃣ Mon 23 Nov 2026 19:00 UTC — 0" in card.text, card.text  # the day it was said on
    await fake.invoke("!poll vote 1 1", "bob")
    clock.advance(timedelta(days=1))  # Tuesday: read again, "this evening" would be Tuesday's
    [refused] = await fake.invoke("!event create Meet when=poll:1")
    assert refused.text.startswith("⚠️") and "Mon 23 Nov 2026 19:00 UTC" in refused.text, refused.text
    assert "passed" in refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []


async def test_a_place_is_not_taken_from_a_poll_leading_with_a_time(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!poll create When? tomorrow 7pm | saturday 10am")
    await fake.invoke("!poll vote 1 1", "bob")
    [refused] = await fake.invoke("!event create Meet when=poll:1 where=poll:1")
    assert refused.text.startswith("⚠️"), refused.text
    assert "poll #1 leads with a time, Tue 24 Nov 2026 19:00 UTC, not a place" in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []
    [vote] = await fake.invoke("!poll vote 1 1", "carol")
    assert not vote.text.startswith("⚠️"), vote.text  # refused, so the poll is still open
    [made] = await fake.invoke("!event create Meet when=poll:1 where=Park")
    assert "📍 Park" in made.text and "Tue 24 Nov 2026 19:00 UTC" in made.text, made.text


async def test_an_edit_taking_a_poll_closes_it_as_create_does(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke("!event create Hike when=saturday 10am")
    [when] = await fake.invoke("!poll create When? sunday 10am | sunday 2pm")
    [where] = await fake.invoke("!poll create Where? Park | Cafe")
    await fake.invoke("!poll vote 1 2", "bob")
    await fake.invoke("!poll vote 2 2", "bob")
    [updated, *_] = await fake.invoke("!event edit 1 when=poll:1 where=poll:2")
    assert "Sun 29 Nov 2026 14:00 UTC" in updated.text, updated.text
    assert "(closed)" in when.text and "(closed)" in where.text, (when.text, where.text)
    [late] = await fake.invoke("!poll vote 1 1", "carol")  # the poll agreed; it takes no more votes
    assert late.text.startswith("⚠️") and "closed" in late.text, late.text
    assert "Result: Sun 29 Nov 2026 14:00 UTC with 1 vote" in when.text, when.text


async def test_votes_arriving_while_an_event_takes_a_poll_cannot_make_it_agree_on_another(
        fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke("!poll create Where? Park | Cafe")
    for voter, n in (("bob", 1), ("carol", 2), ("dave", 1)):
        await fake.invoke(f"!poll vote 1 {n}", voter)
    # Park leads as the command reads the poll; two votes for Cafe land before it closes it.
    [said], *_ = await asyncio.gather(fake.invoke("!event create X when=tomorrow 7pm where=poll:1"),
                                      fake.react(card, "2️⃣", "erin"), fake.react(card, "2️⃣", "frank"))
    events = await bot.db.fetchall("SELECT location FROM events")
    if said.text.startswith("⚠️"):  # refused: nothing written, and the poll is still open
        assert events == [] and "came in meanwhile" in said.text and "(closed)" not in card.text, said.text
    else:
        [(place,)] = [tuple(e) for e in events]
        assert f"Result: {place} with" in card.text, (place, card.text)
