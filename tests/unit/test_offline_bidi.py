"""A person's name in what "take it offline" writes (who answered a prompt, whose note it is)
is a piece of its own: an override in the name turns only the name, not the bot's sentence
after it with its poll number (bot/bidi.py)."""

from __future__ import annotations

from bot.bidi import isolate
from bot.testing import FakeAdapter
from tests.unit.test_bidi_user_text import line_with, opened_before
from tests.unit.test_offline_cog import CALM, chat

RLO = "\u202e"
NAME = "Eve" + RLO


async def test_who_answered_a_prompt_turns_only_their_name(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await chat(fake, bot, CALM[:2])
    [meet] = await fake.invoke("!offline", "carol")
    [wave] = await fake.invoke("!offline", "carol")
    await fake.react(meet, "📅", NAME)
    await fake.react(wave, "🔕", NAME)
    proposed = line_with(meet.text, "proposed a meetup")
    assert proposed.startswith(isolate(NAME) + " proposed"), repr(proposed)
    assert opened_before(proposed, "#1") == [], repr(proposed)
    waved = line_with(wave.text, "waved this off")
    assert waved == f"Not now — {isolate(NAME)} waved this off. Carry on!", repr(waved)


async def test_whose_note_a_prompt_carries_turns_only_their_name(fake: FakeAdapter) -> None:
    [prompt] = await fake.invoke("!offline let's talk", NAME)
    note = line_with(prompt.text, "Note from")
    assert note == f"Note from {isolate(NAME)}: let's talk", repr(note)
