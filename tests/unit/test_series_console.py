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
    assert "Repeats daily (02:30 does not exist on this day: the clocks go forward, so this one " \
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
    assert re.search(r"🕒 Quiz #3 has a new time: Tue 08 Dec 2026 20:00 UTC.*\n\s+Heads up: @carol", out), out
    assert re.search(r"📍 Quiz #3 has moved: it is now at Pub\.\n\s+Heads up: @carol", out), out
    assert re.search(r"📍 Quiz #2 has moved: it is now at Pub\.\n\s+Heads up: @bob", out), out
    # A place it already has is no news.
    again = await typed(adapter, "!event edit 2 where=Pub series")
    assert "has moved" not in again


async def test_every_one_unit_reads_as_the_plain_rule_and_numbers_out_of_range_say_the_range(  # type: ignore[no-untyped-def]
        console) -> None:
    _, adapter = console
    await typed(adapter, ":as ann mod")
    for said, words in (("every 1 week", "weekly on tuesday"), ("Every  1  Days", "daily"),
                        ("every 1 month", "monthly on the second tuesday")):
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
    assert "🔁 Repeats monthly on the last tuesday" in out
    assert ("repeats monthly on the last tuesday (Tue 29 Dec 2026 is the fifth Tuesday of its "
            "month, which most months do not have, so each one is on the last Tuesday of its month)") in out
    later = await typed(adapter, ":wait 52d")
    assert posted(later, "Pub night") == ["Tue 26 Jan 2027"], later
    # A day that is not a fifth one is read as it is, with nothing more said.
    second = await typed(adapter, '!event create Quiz when="2027-02-09 18:30" repeat=monthly count=2')
    assert "repeats monthly on the second tuesday, 2 times;" in second


async def test_a_series_with_none_posted_is_ended_by_an_earlier_ones_id(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, ":as ann mod", "!config set reminders off", "!config set events.followup off",
                '!event create Book club when="2026-11-24 18:30" repeat=monthly')
    # Three days on, #1 is over and December's (the 22nd) is not posted until the 8th: no id.
    listed = await typed(adapter, ":wait 3d", "!event list")
    assert "next: Tue 22 Dec 2026 18:30 UTC, not posted yet" in listed
    refused = await typed(adapter, ":as bob", "!event cancel 1 series", ":as ann mod")
    assert "⚠️ only the event's creator or a moderator can cancel event #1" in refused
    out = await typed(adapter, "!event cancel 1 series")
    assert "✅ Ended the series Book club: its next one (Tue 22 Dec 2026 18:30 UTC) and every later " \
           "one will not be posted." in out, out
    later = await typed(adapter, ":wait 90d", "!event list")
    assert posted(later, "Book club") == [] and "No upcoming events here" in later
    again = await typed(adapter, "!event cancel 1 series")
    assert again.count("logoff:") == 1 and "⚠️ #1 and every later one of its series are already cancelled or over" in again


async def test_a_series_with_none_posted_is_changed_from_its_next_one(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    await typed(adapter, ":as ann mod", "!config set reminders off", "!config set events.followup off",
                '!event create Book club when="2026-11-24 18:30" repeat=monthly')
    # The next one is posted now, to be changed with every later one.
    out = await typed(adapter, ":wait 3d", '!event edit 1 when="20:00" where=Library series')
    assert posted(out, "Book club") == ["Tue 22 Dec 2026"]
    assert "✅ Updated Book club #2 and every later one of its series: now Tue 22 Dec 2026 " \
           "20:00 UTC" in out, out
    later = await typed(adapter, ":wait 50d")
    assert posted(later, "Book club") == ["Tue 26 Jan 2027"]
    assert "🕒 Tue 26 Jan 2027 20:00 UTC" in later and "📍 Library" in later
    # #1's series went on from #2 at the new time; its id still names it, and ends it.
    ended = await typed(adapter, ":wait 12d", "!event cancel 1 series")
    assert "✅ Ended the series Book club: its next one (Tue 23 Feb 2027 20:00 UTC)" in ended, ended
    assert posted(await typed(adapter, ":wait 60d"), "Book club") == []


async def test_an_ended_or_cancelled_one_names_the_posted_one_to_give_and_ends_only_what_follows(  # type: ignore[no-untyped-def]
        console) -> None:
    _, adapter = console
    await typed(adapter, ":as ann mod", "!config set reminders off", "!config set events.followup off",
                '!event create Chess when="2026-11-24 18:30" repeat=weekly', ":wait 3d")
    # #1 is over and #2 (1 Dec) is posted: that is the id to give, and nothing changes.
    for verb, said in (("cancel", "!event cancel 2 series"), ("edit", "!event edit 2 … series")):
        out = await typed(adapter, f"!event {verb} 1 {'title=Go ' * (verb == 'edit')}series")
        assert out.count("logoff:") == 1 and "⚠️ event #1 has already ended" in out, out
        assert f"its series goes on with #2 (Tue 01 Dec 2026 18:30 UTC): {said}" in out, out
    # #3 (8 Dec) cancelled on its own, then named with 'series': #2 before it stays; what comes
    # after it is not posted.
    out = await typed(adapter, "!event cancel 3", "!event cancel 3 series")
    assert "✅ Ended the series Chess: its next one (Tue 15 Dec 2026 18:30 UTC)" in out, out
    listed = await typed(adapter, "!event list")
    assert "#2 Chess" in listed and "Tue 01 Dec 2026 18:30 UTC" in listed
    assert posted(await typed(adapter, ":wait 30d"), "Chess") == []
