"""Poll options that are half a time (`friday`, `at 5`) stay text: shown as typed, never given a
guessed time; `when=poll:<id>` on one is refused with what to add, and the poll stays open."""

from __future__ import annotations

from bot.testing import FakeAdapter


async def test_half_a_time_stays_text_and_is_never_taken_as_a_time(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [card] = await fake.invoke('!poll create "When?" friday | at 5 | saturday 7pm')
    assert "1️⃣ friday — 0" in card.text and "2️⃣ at 5 — 0" in card.text, card.text
    assert "3️⃣ Sat 28 Nov 2026 19:00 UTC — 0" in card.text, card.text  # a whole time gets its date
    for n, says in ((1, "which time on Fri 27 Nov?"), (2, "5 in the morning or in the evening?")):
        await fake.invoke(f"!poll vote 1 {n}", "bob")
        [refused] = await fake.invoke("!event create Meet when=poll:1")
        assert refused.text.startswith("⚠️") and says in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []
    [still] = await fake.invoke("!poll vote 1 3", "carol")
    assert not still.text.startswith("⚠️"), still.text  # refused, so the poll was not closed
