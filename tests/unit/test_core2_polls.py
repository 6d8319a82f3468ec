"""Second-pass audit of polls: replies about an option that is a time show the time."""

from __future__ import annotations

from bot.testing import FakeAdapter


async def test_a_text_vote_for_a_time_option_repeats_the_fixed_time(fake: FakeAdapter) -> None:
    # Monday 23 Nov 2026, 09:00 UTC: "tomorrow 7pm" was fixed to Tuesday when the poll was made.
    await fake.invoke('!poll create "When?" tomorrow 7pm | Blue Cafe', "alice")
    [reply] = await fake.invoke("!poll vote 1 1", "bob")
    assert "Tue 24 Nov 2026 19:00 UTC" in reply.text, reply.text
    assert "tomorrow 7pm" not in reply.text
    [place] = await fake.invoke("!poll vote 1 2", "carol")
    assert "(Blue Cafe)" in place.text
