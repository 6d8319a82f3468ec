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


async def test_an_occurrence_the_clocks_skip_says_on_its_card_why_it_starts_later(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, ":as ann mod", ":wait 100d", "!config set timezone America/New_York",
                "!config set reminders off", "!config set series.ahead 30d")
    # New York's clocks jump from 02:00 to 03:00 on Sunday 14 March 2027.
    out = await typed(adapter, '!event create Night owls when="2027-03-13 02:30" repeat=daily count=3')
    cards = re.findall(r"^\[m\d+\] logoff: 📅 Night owls #\d+\n(?:\s{6}.*\n)+", out, re.M)
    assert len(cards) == 3, out
    skipped = [c for c in cards if "does not exist" in c]
    assert len(skipped) == 1, cards
    assert "Sun 14 Mar 2027 03:30 EDT" in skipped[0]
    assert "Repeats every day (02:30 does not exist on this day: the clocks go forward, so this one " \
           "starts 1 hour later)" in skipped[0]
    assert "Sat 13 Mar 2027 02:30 EST" in out and "Mon 15 Mar 2027 02:30 EDT" in out
    # Moved on its own, it is at the time it was given, and nothing is said of the clocks.
    moved = await typed(adapter, '!event edit 2 when="2027-03-14 04:00"')
    assert "Sun 14 Mar 2027 04:00 EDT" in moved and "does not exist" not in moved


async def test_those_who_answered_a_later_occurrence_hear_its_new_time_and_place(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, ":as ann mod", "!config set reminders off", "!config set series.ahead 20d",
                '!event create Quiz when="2026-11-24 18:30" where=Cafe repeat=weekly',
                ":as bob", "!rsvp 2 going", ":as carol", "!rsvp 3 maybe", ":as ann mod")
    out = await typed(adapter, '!event edit 2 when="20:00" where=Pub series')
    assert re.search(r"🕒 Quiz #3 has a new time: it now starts Tue 08 Dec 2026 20:00 UTC.*\n\s+Heads up: @carol", out), out
    assert re.search(r"📍 Quiz #3 has moved: it is now at Pub\.\n\s+Heads up: @carol", out), out
    assert re.search(r"📍 Quiz #2 has moved: it is now at Pub\.\n\s+Heads up: @bob", out), out
    # A place it already has is no news.
    again = await typed(adapter, "!event edit 2 where=Pub series")
    assert "has moved" not in again


async def test_every_one_unit_reads_as_the_plain_rule_and_numbers_out_of_range_say_the_range(  # type: ignore[no-untyped-def]
        console) -> None:
    _, adapter = console
    await typed(adapter, ":as ann mod")
    for said, words in (("every 1 week", "every tuesday"), ("Every  1  Days", "every day"),
                        ("every 1 month", "every month on the second tuesday")):
        out = await typed(adapter, f'!event create Walk when="2026-12-08 18:30" repeat="{said}"')
        assert f"🔁 Repeats {words}\n" in out and "every 1 " not in out, out
    for said in ("every -1 days", "every 0 weeks", "every 100 weeks"):
        out = await typed(adapter, f'!event create Walk when="2026-12-08 18:30" repeat="{said}"')
        assert out.count("logoff:") == 1 and "⚠️" in out and "from 1 to 99" in out, out
        assert "repeat=\"every 2 " in out


async def test_monthly_from_a_fifth_weekday_says_it_becomes_the_last(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    # Tue 29 Dec 2026 is the fifth Tuesday; January 2027's last is the 26th, its fourth.
    out = await typed(adapter, '!event create Pub night when="2026-12-29 18:30" repeat=monthly count=2')
    assert "🔁 Repeats every month on the last tuesday" in out
    assert ("repeats every month on the last tuesday (Tue 29 Dec 2026 is the fifth Tuesday of its "
            "month, which most months do not have, so each one is on the last Tuesday of its month)") in out
    later = await typed(adapter, ":wait 52d")
    assert posted(later, "Pub night") == ["Tue 26 Jan 2027"], later
    # A day that is not a fifth one is read as it is, with nothing more said.
    second = await typed(adapter, '!event create Quiz when="2027-02-09 18:30" repeat=monthly count=2')
    assert "repeats every month on the second tuesday, 2 times;" in second
