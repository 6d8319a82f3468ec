"""Recurring meetups typed into the console (PRODUCT.md "Recurring meetups", "Settings",
"Times"): what a moderator sees when a series meets a settings change or a clock change."""

from __future__ import annotations

import re

from .console_kit import typed


def posted(out: str, title: str) -> list[str]:
    """The days of the cards of `title` printed for the first time (not edits) in `out`."""
    return re.findall(rf"^\[m\d+\] logoff: 📅 {title} #\d+\n\s+🕒 (\w+ \d+ \w+ \d+)", out, re.M)


async def test_a_longer_series_ahead_posts_what_it_now_reaches_at_once(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    made = await typed(adapter, ":as ann mod", "!config set reminders off",
                       '!event create Run when="2026-11-24 18:30" repeat=weekly')
    assert posted(made, "Run") == ["Tue 24 Nov 2026", "Tue 01 Dec 2026"]
    # Set to 30 days on Mon 23 Nov 09:00: every Tuesday up to 22 Dec is now due to be posted.
    out = await typed(adapter, "!config set series.ahead 30d")
    assert posted(out, "Run") == ["Tue 08 Dec 2026", "Tue 15 Dec 2026", "Tue 22 Dec 2026"]
    # and each once: the job the old value set does not post them again when it falls due
    later = await typed(adapter, ":wait 2d")
    assert posted(later, "Run") == []
