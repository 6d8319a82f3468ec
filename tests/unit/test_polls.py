"""Polls on the FakeAdapter: create, vote by reaction and text, close, results, ties."""

from __future__ import annotations

from datetime import timedelta

from bot.testing import FakeAdapter


async def create(fake: FakeAdapter, line: str = '!poll create "Where?" Park | Cafe | Library', user: str = "alice"):
    replies = await fake.invoke(line, user)
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0]


async def test_create_shows_id_options_and_seeds_number_reactions(fake: FakeAdapter) -> None:
    card = await create(fake)
    assert "#1" in card.text
    assert "Park — 0" in card.text and "Cafe — 0" in card.text and "Library — 0" in card.text
    assert card.card.reactions == ("1️⃣", "2️⃣", "3️⃣")
    assert [u.id for u in fake.reactions[card.id]["1️⃣"]] == ["logoff"]


async def test_a_bar_written_with_a_backslash_is_part_of_an_option(fake: FakeAdapter) -> None:
    card = await create(fake, '!poll create "Fish \\| chips?" Rock \\| Roll Bar | "Tom \\| Jerry" | Cafe')
    assert "Fish | chips? #1" in card.text
    assert "Rock | Roll Bar — 0" in card.text and "Tom | Jerry — 0" in card.text and "Cafe — 0" in card.text
    assert card.card.reactions == ("1️⃣", "2️⃣", "3️⃣")
    # Without the backslash a bar separates options, quoted or not.
    split = await create(fake, '!poll create Q "A | B"')
    assert "A — 0" in split.text and "B — 0" in split.text


async def test_single_choice_keeps_latest_vote_and_removal_falls_back(fake: FakeAdapter) -> None:
    card = await create(fake)
    await fake.react(card, "1️⃣", "bob")
    await fake.react(card, "2️⃣", "bob")
    assert "Park — 0" in card.text and "Cafe — 1" in card.text
    await fake.react(card, "2️⃣", "bob", added=False)
    assert "Park — 1" in card.text and "Cafe — 0" in card.text
    await fake.react(card, "1️⃣", "bob", added=False)
    assert "Park — 0" in card.text and "0 voters" in card.text


async def test_multi_keeps_all_votes(fake: FakeAdapter) -> None:
    card = await create(fake, "!poll create Snacks? Chips | Fruit | Cake multi=yes")
    for emoji in ("1️⃣", "3️⃣"):
        await fake.react(card, emoji, "bob")
    await fake.react(card, "3️⃣", "carol")
    assert "Chips — 1" in card.text and "Fruit — 0" in card.text and "Cake — 2" in card.text


async def test_text_vote_and_results_and_tie(fake: FakeAdapter) -> None:
    card = await create(fake)
    await fake.invoke("!poll vote 1 1", "bob")
    await fake.invoke("!poll vote 1 2", "carol")
    assert "Park — 1" in card.text and "Cafe — 1" in card.text
    [res] = await fake.invoke("!poll results 1", "dave")
    assert "Tie between Park, Cafe" in res.text


async def test_close_by_creator_posts_results_and_refuses_later_votes(fake: FakeAdapter) -> None:
    card = await create(fake)
    await fake.react(card, "2️⃣", "bob")
    [refused] = await fake.invoke("!poll close 1", "mallory")
    assert refused.text.startswith("⚠️") and "creator or a moderator" in refused.text
    [results] = await fake.invoke("!poll close 1", "alice")
    assert "Result: Cafe with 1 vote" in results.text
    assert "(closed)" in card.text
    [late] = await fake.invoke("!poll vote 1 1", "carol")
    assert late.text.startswith("⚠️") and "closed" in late.text
    await fake.react(card, "1️⃣", "carol")  # reactions after close change nothing
    assert "Park — 0" in card.text


async def test_moderator_can_close_and_deadline_closes(fake: FakeAdapter, bot) -> None:
    await create(fake, '!poll create "When?" Fri | Sat closes=2h')
    await create(fake, '!poll create "What?" Games | Hike')
    [ok] = await fake.invoke("!poll close 2", "mod", mod=True)
    assert "Results of poll #2" in ok.text
    await bot.scheduler.advance(timedelta(hours=1, minutes=59))
    assert not fake.containing("Results of poll #1")
    await bot.scheduler.advance(timedelta(minutes=1))
    assert len(fake.containing("Results of poll #1")) == 1


async def test_bad_polls_are_refused_and_write_nothing(fake: FakeAdapter, bot) -> None:
    for line in ("!poll create Q OnlyOne", "!poll create Q " + " | ".join(str(i) for i in range(11)),
                 "!poll create Q A | a", "!poll create Q A | B closes=yesterday", "!poll vote 9 1",
                 "!poll vote 1 1"):
        [r] = await fake.invoke(line)
        assert r.text.startswith("⚠️"), line
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM polls"))[0] == 0


async def test_polls_are_per_space(fake: FakeAdapter) -> None:
    await create(fake)
    from bot.model import ChannelRef

    other = ChannelRef("fake", "elsewhere", "space2")
    [r] = await fake.invoke("!poll results 1", "bob", channel=other)
    assert r.text.startswith("⚠️") and "no poll #1 here" in r.text


async def test_time_options_are_fixed_when_the_poll_is_made(fake: FakeAdapter, bot) -> None:
    # Monday 23 Nov 2026, 09:00 UTC: "tomorrow 7pm" is Tuesday, whenever the poll closes.
    card = await create(fake, '!poll create "When?" tomorrow 7pm | saturday 10am | Blue Cafe')
    assert "Tue 24 Nov 2026 19:00 UTC — 0" in card.text
    assert "Sat 28 Nov 2026 10:00 UTC — 0" in card.text and "Blue Cafe — 0" in card.text
    await fake.react(card, "1️⃣", "bob")
    bot.clock.advance(timedelta(hours=12))  # Monday night; read again, "tomorrow" would be Wednesday
    [event] = await fake.invoke("!event create Board games when=poll:1", "alice")
    assert "Tue 24 Nov 2026 19:00 UTC" in event.text, event.text
    assert "(closed)" in card.text


async def test_a_poll_time_that_has_passed_is_refused_for_an_event(fake: FakeAdapter, bot) -> None:
    card = await create(fake, '!poll create "When?" tomorrow 7pm | saturday 10am')
    await fake.react(card, "1️⃣", "bob")
    bot.clock.advance(timedelta(days=3))
    [refused] = await fake.invoke("!event create Board games when=poll:1", "alice")
    assert refused.text.startswith("⚠️") and "Tue 24 Nov 2026 19:00 UTC" in refused.text
    assert "passed" in refused.text


async def test_an_open_poll_does_not_announce_a_result(fake: FakeAdapter) -> None:
    card = await create(fake)
    await fake.react(card, "2️⃣", "bob")
    [res] = await fake.invoke("!poll results 1", "dave")
    assert "Leading: Cafe with 1 vote" in res.text and "Result:" not in res.text
