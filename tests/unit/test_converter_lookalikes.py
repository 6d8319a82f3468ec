"""Text that looks the same is read as the same where the bot matches or compares it: poll
options a reader cannot tell apart are one option given twice (refused, naming both), and a
zero-width or bidi mark pasted into a one-word value (`going`, a number) is no part of what
is matched. A `name=` word that is no option says how to keep it as text."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter


async def polls(bot: Bot) -> int:
    return len(await bot.db.fetchall("SELECT id FROM polls"))


async def rows(bot: Bot, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await bot.db.fetchall(sql)]


@pytest.mark.parametrize(("first", "second"), [
    ("caf\u00e9", "cafe\u0301"),        # the accent as one character, then as e + combining accent
    ("Park", "Park\u200b"),             # a zero-width space pasted after it
    ("Room \u2163", "Room IV"),          # the Roman numeral four, one character
    ("Library", "\u2066Library\u2069"),  # a bidi isolate around it
    ("PARK", "park\ufeff"),             # case and a byte order mark
])
async def test_poll_options_that_look_the_same_are_refused_naming_both(
        fake: FakeAdapter, bot: Bot, first: str, second: str) -> None:
    [refused] = await fake.invoke(f'!poll create "Where?" {first} | {second} | Elsewhere')
    assert refused.text.startswith("⚠️"), refused.text
    assert "items 1 and 2" in refused.text and "looking the same" in refused.text, refused.text
    assert f"'{first}'" in refused.text and "keep one of them" in refused.text, refused.text
    assert await polls(bot) == 0


async def test_options_told_apart_by_what_shows_are_kept(fake: FakeAdapter, bot: Bot) -> None:
    # Accents that show, and a joiner that makes a family of three people one picture.
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    apart = "\U0001f468\U0001f469\U0001f467"
    [card] = await fake.invoke(f'!poll create "Where?" cafe | caf\u00e9 | {family} | {apart}')
    assert not card.text.startswith("⚠️"), card.text
    assert "1️⃣ cafe — 0" in card.text and "2️⃣ caf\u00e9 — 0" in card.text, card.text
    assert await polls(bot) == 1


async def test_the_same_option_twice_is_still_refused_as_before(fake: FakeAdapter) -> None:
    [refused] = await fake.invoke('!poll create "Where?" Cafe | cafe')
    assert refused.text.startswith("⚠️") and "has 'Cafe' twice (items 1 and 2)" in refused.text, refused.text


@pytest.mark.parametrize("mark", ["\u200b", "\u200e", "\u2060", "\ufeff", "\u202e", "\u2069"])
async def test_an_invisible_mark_in_an_rsvp_status_is_read_past(fake: FakeAdapter, bot: Bot, mark: str) -> None:
    await fake.invoke('!event create Party when="tomorrow 7pm"')
    [reply] = await fake.invoke(f"!rsvp 1 going{mark}")
    assert not reply.text.startswith("⚠️"), reply.text
    assert await rows(bot, "SELECT status FROM rsvps WHERE event_id = 1") == [("going",)]


async def test_an_invisible_mark_in_a_number_is_read_past(fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke('!poll create "Q?" a | b')
    [reply] = await fake.invoke("!poll vote 1\u200b 2\u200d")
    assert not reply.text.startswith("⚠️"), reply.text
    [tally] = await fake.invoke("!poll results 1")
    assert "1️⃣ a — 0" in tally.text and "2️⃣ b — 1" in tally.text, tally.text
    [made] = await fake.invoke('!event create X when="tomorrow 8pm" capacity=\u200e2\u200b')
    assert not made.text.startswith("⚠️"), made.text
    assert await rows(bot, "SELECT capacity FROM events WHERE title = 'X'") == [(2,)]


async def test_an_invisible_mark_in_yes_and_in_a_duration_is_read_past(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke('!poll create "Q?" a | b multi=yes\u200b closes=2h\u200b')
    assert not card.text.startswith("⚠️"), card.text
    assert await rows(bot, "SELECT multi, closes_at IS NOT NULL FROM polls") == [(1, 1)]


async def test_other_digits_are_still_explained_with_a_mark_beside_them(fake: FakeAdapter) -> None:
    await fake.invoke('!event create Party when="tomorrow 7pm"')
    [refused] = await fake.invoke("!rsvp \uff11\u200b going")
    assert refused.text.startswith("⚠️") and "digits 0-9" in refused.text and "type 1" in refused.text, refused.text


async def test_a_name_value_word_that_is_no_option_says_to_quote_it(fake: FakeAdapter, bot: Bot) -> None:
    [refused] = await fake.invoke('!poll create "Which?" x=1 | x=2')
    assert refused.text.startswith("⚠️"), refused.text
    assert "'x' is not an option here" in refused.text, refused.text
    assert 'to keep x=1 as text, put it in quotes: "x=1"' in refused.text, refused.text
    assert await polls(bot) == 0
    # The way out said works.
    [card] = await fake.invoke('!poll create "Which?" "x=1" | "x=2"')
    assert "1️⃣ x=1 — 0" in card.text and "2️⃣ x=2 — 0" in card.text, card.text


async def test_the_quote_hint_does_not_offer_a_quoting_that_would_change_the_word(fake: FakeAdapter) -> None:
    [refused] = await fake.invoke('!poll create "Which?" a | x=12\\" | b')
    assert refused.text.startswith("⚠️") and "is not an option here" in refused.text, refused.text
    assert "to keep a name=value word as text, put it in quotes" in refused.text, refused.text


@pytest.mark.parametrize("word", ["\u200bcapacity=2", "capa\u200dcity=2", "capacity\u2060=2"])
async def test_an_invisible_mark_in_an_option_name_does_not_make_it_title_text(
        fake: FakeAdapter, bot: Bot, word: str) -> None:
    [made] = await fake.invoke(f'!event create Party when="tomorrow 7pm" {word}')
    assert not made.text.startswith("⚠️"), made.text
    assert await rows(bot, "SELECT title, capacity FROM events") == [("Party", 2)]


async def test_a_run_on_value_named_with_a_mark_reads_as_without_it(fake: FakeAdapter, bot: Bot) -> None:
    for mark in ("", "\u200b"):
        [made] = await fake.invoke(f'!event create Party when="tomorrow 7pm" {mark}where=rock\'n\'roll hall')
        assert not made.text.startswith("⚠️"), made.text
    [plain, marked] = await rows(bot, "SELECT title, location FROM events ORDER BY id")
    assert plain == marked == ("Party", "rock'n'roll hall"), (plain, marked)


async def test_an_invisible_mark_after_a_last_fixed_word_still_makes_it_that_word(
        fake: FakeAdapter, bot: Bot) -> None:
    await fake.invoke('!event create Party when="tomorrow 7pm" repeat=weekly')
    [done] = await fake.invoke("!event edit 1 where=Hall series\u200b")
    assert "every later one of its series" in done.text, done.text
    assert await rows(bot, "SELECT location FROM events WHERE id = 1") == [("Hall",)]
