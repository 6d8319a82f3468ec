"""Take it offline against the times a platform gives its messages: they are the sender's
word (a homeserver sets its own), so a message stamped ahead of the bot's clock must not
outlast the cooldown nor stay recent, and one stamped long ago is not read into the exchange
going on now. And a button pressed on a prompt that lapsed says it lapsed."""

from __future__ import annotations

from datetime import timedelta

from bot.testing import FakeAdapter
from tests.unit.test_offline_cog import CALM, HEATED, chat, prompts

AHEAD = timedelta(days=365)


def addressed(prompt) -> set[str]:  # type: ignore[no-untyped-def]
    return {u.id for u in prompt.out.mentions}


async def test_an_exchange_stamped_in_the_future_still_waits_for_the_cooldown(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await chat(fake, bot, HEATED)
    assert len(prompts(fake)) == 1
    for author, line in HEATED * 2:
        bot.clock.advance(timedelta(seconds=25))
        other = "bob" if author == "alice" else "alice"
        await fake.say(line, author, reply_to=other, at=bot.clock.now() + AHEAD)
    assert len(prompts(fake)) == 1
    # Live, after the cooldown, the same exchange is prompted again: the clamp kept real gaps.
    bot.clock.advance(timedelta(hours=6))
    await chat(fake, bot, HEATED)
    assert len(prompts(fake)) == 2


async def test_someone_stamped_in_the_future_is_not_in_an_exchange_days_later(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await fake.say("morning", "carol", at=bot.clock.now() + timedelta(days=30))
    bot.clock.advance(timedelta(days=2))
    [prompt] = await fake.invoke("!offline", "dave")
    assert "carol" not in addressed(prompt)


async def test_a_future_stamped_message_does_not_keep_an_old_exchange_in_the_window(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """Ahead of every later message, it would hold the window's oldest end: what was said
    hours before would still be read as part of the exchange going on now."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await fake.say("hello", "zed", at=bot.clock.now() + AHEAD)
    await chat(fake, bot, HEATED[:2])
    assert prompts(fake) == []
    bot.clock.advance(timedelta(hours=2))
    await chat(fake, bot, HEATED[2:4])
    [prompt] = prompts(fake)
    assert addressed(prompt) == {"alice", "bob"}


async def test_a_message_stamped_long_ago_is_not_read_into_the_exchange_now(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    """Delivered late (a slow server), after messages of the exchange going on: it was said
    in another one, and neither heats this one nor prompts it."""
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await chat(fake, bot, HEATED[:2])
    author, line = HEATED[2]
    await fake.say(line, author, reply_to="bob", at=bot.clock.now() - timedelta(hours=3))
    assert prompts(fake) == []
    await chat(fake, bot, HEATED[2:3])
    [prompt] = prompts(fake)
    assert addressed(prompt) == {"alice", "bob"}


async def test_a_button_on_a_lapsed_prompt_says_it_lapsed(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await chat(fake, bot, CALM[:2])
    [prompt] = await fake.invoke("!offline", "carol")
    meet = next(a.id for a in prompt.card.actions if ":meet:" in a.id)
    await bot.advance(timedelta(days=1, minutes=1))
    [answer] = await fake.press(prompt, meet, "bob")
    assert answer.text == "⚠️ this suggestion has lapsed; !offline makes a new one"
    [(dismissed, proposed)] = await bot.db.fetchall("SELECT dismissed, proposed FROM offline_prompts")
    assert (dismissed, proposed) == (0, 0)


async def test_a_button_on_a_prompt_answered_before_it_lapsed_says_it_was_answered(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await chat(fake, bot, CALM[:2])
    [prompt] = await fake.invoke("!offline", "carol")
    meet = next(a.id for a in prompt.card.actions if ":meet:" in a.id)
    dismiss = next(a.id for a in prompt.card.actions if ":dismiss:" in a.id)
    await fake.press(prompt, dismiss, "alice")
    await bot.advance(timedelta(days=1, minutes=1))
    [answer] = await fake.press(prompt, meet, "bob")
    assert answer.text.startswith("⚠️ this prompt was already answered")
