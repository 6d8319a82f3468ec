"""`:react` on a card whose event ended or was cancelled, or whose poll closed: the bot took
its reactions off (or, for a poll, left its numbers on), and the console still knows it was a
card. An ended event's card goes to the core, which says why; a cancelled event's or a
closed poll's is said to be no longer open; `last` passes over a closed poll."""

from __future__ import annotations

from pathlib import Path

from adapters.console.adapter import ConsoleAdapter
from bot.app import Bot
from tests.unit.console_kit import typed
from tests.unit.test_console_db import run

POLL = '!poll create "When?" "tomorrow 7pm" | "friday 7pm"'


async def test_a_reaction_on_an_ended_events_card_is_answered_by_the_core(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Run when="in 1h" duration=1h', ":wait 3h")
    shown = await typed(adapter, ":react m1 ✅")
    assert "⚠️ you: Run #1 has ended" in shown, shown
    assert "not a card" not in shown and "no card yet" not in shown, shown


async def test_a_reaction_on_a_cancelled_events_card_says_it_is_no_longer_open(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Run when="in 1h" duration=1h', "!event cancel 1")
    shown = await typed(adapter, ":react m1 ✅")
    assert "⚠️ m1 (📅 Run (cancelled) #1) is no longer open: its event is over or cancelled" in shown, shown
    assert "not a card" not in shown and "no card yet" not in shown, shown
    assert adapter.current not in adapter.reactions["m1"].get("✅", []), "a refused reaction changes nothing"


async def test_a_pin_on_a_card_after_check_in_and_after_the_end(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Run when="in 1h" duration=1h', ":wait 70m")
    during = await typed(adapter, ":react m1 📍")
    assert "⚠️" not in during, during
    after = await typed(adapter, ":wait 2h", ":as bob", ":react m1 📍")
    assert "⚠️" in after and "not a card" not in after and "no card yet" not in after, after


async def test_last_passes_over_a_closed_poll_and_a_vote_on_it_is_refused(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, POLL, ":react last 1", "!event create Run when=poll:1")
    shown = await typed(adapter, ":as bob", ":react last 2")
    assert "⚠️" in shown and "m1" not in shown, shown  # not the closed poll
    assert adapter.user("bob") not in adapter.reactions["m1"].get("2️⃣", [])
    explicit = await typed(adapter, ":react m1 2")
    assert "⚠️ m1 (📊 When? (closed) #1) is no longer open: its poll is closed" in explicit, explicit
    assert adapter.user("bob") not in adapter.reactions["m1"].get("2️⃣", []), "a refused vote changes nothing"


async def test_with_every_card_over_a_notice_names_no_card_and_says_none_is_open(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Run when="in 1h" duration=1h', "!event cancel 1")
    shown = await typed(adapter, ":react last ✅")  # the cancel's notice, or the card if none
    assert "no card yet" not in shown, shown


def test_a_card_cancelled_in_an_earlier_run_is_still_known_as_one(tmp_path: Path) -> None:
    db = tmp_path / "try.db"
    run(db, '!event create Run when="in 1h" duration=1h\n!event cancel 1\n')
    second = run(db, ":react m1 ✅\n")
    assert "⚠️ m1 is no longer open" in second, second
    assert "not a card" not in second, second
