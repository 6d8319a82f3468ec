"""Take it offline, its product surface: who a prompt is addressed to, at most one prompt per
cooldown however messages arrive, and buttons that say what they did."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.testing import FakeAdapter
from tests.unit.test_offline_cog import CALM, HEATED, chat, prompts


def addressed(prompt) -> set[str]:  # type: ignore[no-untyped-def]
    return {u.id for u in prompt.out.mentions}


async def test_messages_arriving_at_once_make_one_prompt_addressed_to_both(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await chat(fake, bot, HEATED[:2])
    assert prompts(fake) == []
    bot.clock.advance(timedelta(seconds=25))
    await asyncio.gather(fake.say(HEATED[2][1], "alice", reply_to="bob"),
                         fake.say(HEATED[3][1], "bob", reply_to="alice"))
    [prompt] = prompts(fake)
    assert addressed(prompt) == {"alice", "bob"}
    [(n,)] = await bot.db.fetchall("SELECT COUNT(*) FROM offline_prompts")
    assert n == 1


async def test_an_exchange_delivered_hours_late_gets_no_prompt(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """Messages a platform hands over after the bot was away (a back-fill at restart) carry
    their own times: an exchange that ended hours ago is not prompted now, to nobody."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    start = bot.clock.now()
    bot.clock.advance(timedelta(hours=5))
    for i, (author, line) in enumerate(HEATED):
        other = "bob" if author == "alice" else "alice"
        await fake.say(line, author, reply_to=other, at=start + timedelta(seconds=25 * i))
    assert prompts(fake) == []
    # The same exchange, live, is prompted: the late one was held back for being late.
    await chat(fake, bot, HEATED)
    [prompt] = prompts(fake)
    assert addressed(prompt) == {"alice", "bob"}


async def test_a_burst_from_one_person_keeps_the_others_in_the_exchange(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await fake.say("i still think the lawn rule is wrong", "alice")
    for i in range(30):
        bot.clock.advance(timedelta(seconds=2))
        await fake.say(f"and another thing {i}", "bob")
    [prompt] = await fake.invoke("!offline", "carol")
    assert addressed(prompt) == {"alice", "bob", "carol"}


async def test_alone_in_the_channel_the_asker_is_not_pinged_by_their_own_prompt(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [empty] = await fake.invoke("!offline shall we meet?", "carol")
    assert addressed(empty) == set()
    assert "Hey all" in empty.text and "Note from carol: shall we meet?" in empty.text
    await fake.say("anyone around?", "carol")
    [alone] = await fake.invoke("!offline", "carol")
    assert addressed(alone) == set() and "Hey all" in alone.text
    await fake.say("me!", "dave")
    [two] = await fake.invoke("!offline", "carol")
    assert addressed(two) == {"dave", "carol"}


async def test_a_prompt_someone_asked_for_starts_the_cooldown_of_automatic_ones(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """One prompt per cooldown per channel: after `offline`, the bot does not add its own on
    top; the command itself always posts (a person asked for it)."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await chat(fake, bot, CALM[:2])
    [asked] = await fake.invoke("!offline", "carol")
    await chat(fake, bot, HEATED)
    assert prompts(fake) == [asked]
    [again] = await fake.invoke("!offline", "carol")
    assert prompts(fake) == [asked, again]
    bot.clock.advance(timedelta(hours=6))
    await chat(fake, bot, HEATED)
    assert len(prompts(fake)) == 3


async def test_the_cooldown_after_a_prompt_asked_for_survives_a_restart(databases, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_bot

    async def started():  # type: ignore[no-untyped-def]
        bot = await build_bot(databases(), clock=clock)
        fake = FakeAdapter()
        bot.add_adapter(fake)
        await bot.start()
        return bot, fake

    bot, fake = await started()
    try:
        await fake.invoke("!config set offline.auto on", "mod", mod=True)
        await chat(fake, bot, CALM[:2])
        await fake.invoke("!offline", "carol")
    finally:
        await bot.stop()
    bot, fake = await started()
    try:
        await chat(fake, bot, HEATED)
        assert prompts(fake) == []
    finally:
        await bot.stop()


async def test_a_button_pressed_on_an_answered_prompt_says_so_and_changes_nothing(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await chat(fake, bot, CALM[:2])
    [prompt] = await fake.invoke("!offline", "carol")
    meet = next(a.id for a in prompt.card.actions if ":meet:" in a.id)
    await fake.react(prompt, "🔕", "alice")
    assert "waved this off" in prompt.text
    [answer] = await fake.press(prompt, meet, "bob")
    assert answer.text.startswith("⚠️") and "already answered" in answer.text
    assert [s for s in fake.log if "When could we meet?" in s.text] == []
    assert "waved this off" in prompt.text
    [(dismissed, proposed)] = await bot.db.fetchall("SELECT dismissed, proposed FROM offline_prompts")
    assert (dismissed, proposed) == (1, 0)


async def test_answers_given_while_the_bot_was_away_count_when_it_is_back(databases, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.app import build_bot

    fake = FakeAdapter()

    async def started():  # type: ignore[no-untyped-def]
        bot = await build_bot(databases(), clock=clock)
        bot.add_adapter(fake)
        await bot.start()
        return bot

    bot = await started()
    try:
        await chat(fake, bot, CALM[:2])
        [meet] = await fake.invoke("!offline", "carol")
        [wave] = await fake.invoke("!offline", "carol")
    finally:
        await bot.stop()
    await fake.react(meet, "📅", "bob", dispatch=False)
    await fake.react(wave, "🔕", "alice", dispatch=False)
    bot = await started()
    try:
        await bot.settle()
        assert "bob proposed a meetup" in meet.text
        [poll] = [s for s in fake.log if "When could we meet?" in s.text]
        assert poll.card.reactions == ("1️⃣", "2️⃣", "3️⃣")
        assert "alice waved this off" in wave.text
        rows = await bot.db.fetchall("SELECT dismissed, proposed FROM offline_prompts ORDER BY id")
        assert [tuple(r) for r in rows] == [(0, 1), (1, 0)]
    finally:
        await bot.stop()


async def test_an_unanswered_prompt_lapses_after_a_day_and_is_no_longer_followed(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """A prompt is about the exchange it came from: a day on, its card says so, a 📅 on it
    makes no poll for a quarrel long over, and it is not re-read at every start."""
    await chat(fake, bot, CALM[:2])
    [old] = await fake.invoke("!offline", "carol")
    [answered] = await fake.invoke("!offline", "carol")
    await fake.react(answered, "📅", "bob")
    assert old.ref in bot.live_messages("fake")
    await bot.advance(timedelta(hours=23))
    assert "lapsed" not in old.text
    await bot.advance(timedelta(hours=2))
    assert "lapsed" in old.text and "!offline makes a new one" in old.text and not old.card.actions
    assert old.ref not in bot.live_messages("fake")
    assert "bob proposed a meetup" in answered.text  # an answered prompt keeps its outcome
    await fake.react(old, "📅", "alice")
    [(polls,)] = await bot.db.fetchall("SELECT COUNT(*) FROM polls")
    assert polls == 1


async def test_a_meetup_wish_added_while_the_bot_was_down_after_the_prompt_lapsed_makes_no_poll(  # type: ignore[no-untyped-def]
        tmp_path, clock) -> None:
    # The bot reads a prompt's reactions at start, before its lapse job runs: a 📅 on an
    # exchange three days over must not turn into a meetup poll.
    from bot.app import build_bot

    fake = FakeAdapter()
    path = str(tmp_path / "lapse.db")
    bot = await build_bot(path, clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    await chat(fake, bot, CALM[:2])
    [prompt] = await fake.invoke("!offline", "carol")
    await bot.stop()
    clock.advance(timedelta(days=3))
    await fake.react(prompt, "📅", "dave", dispatch=False)
    bot = await build_bot(path, clock=clock)
    bot.add_adapter(fake)
    await bot.start()
    await bot.cards.idle()
    [(polls,)] = await bot.db.fetchall("SELECT COUNT(*) FROM polls")
    assert polls == 0
    assert "lapsed" in prompt.text and "proposed a meetup" not in prompt.text, prompt.text
    assert prompt.ref not in bot.live_messages("fake")
    await bot.stop()
