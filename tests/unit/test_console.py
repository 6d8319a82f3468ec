"""The terminal chat as a person types into it (issue 14): emoji as people write them,
the clock in the space's zone, files saved where the path says, chat lines with ids."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from adapters.console import store as console_store
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.storage import Database
from tests.unit.console_kit import typed


@pytest.mark.parametrize("alias, option", [("1", "A — 1"), (":one:", "A — 1"), ("1\u20e3", "A — 1"),
                                           ("2", "B — 1"), (":two:", "B — 1"), ("2️⃣", "B — 1")])
async def test_number_reactions_as_people_type_them(console: tuple[Bot, ConsoleAdapter], alias: str,
                                                    option: str) -> None:
    _, adapter = console
    await typed(adapter, '!poll create "Q?" A | B')
    shown = await typed(adapter, f":react m1 {alias}")
    assert option in shown, shown


@pytest.mark.parametrize("alias", [":white_check_mark:", "✅", "✅\ufe0f"])
async def test_rsvp_reactions_as_people_type_them(console: tuple[Bot, ConsoleAdapter], alias: str) -> None:
    _, adapter = console
    await typed(adapter, '!event create Picnic when="2026-12-05 12:00"')
    shown = await typed(adapter, f":react m1 {alias}")
    assert "Going (1)" in shown, shown


async def test_chat_lines_show_ids_and_reactions_hit_the_message_named(
        console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, "hello there", '!poll create "Q?" A | B')
    assert "[u1] you: hello there" in shown and "[m2] logoff: 📊 Q? #1" in shown
    assert "A — 1" in await typed(adapter, ":react m2 1")


async def test_the_clock_line_is_in_the_space_zone(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, ":as mod mod", "!config set timezone Europe/Berlin")
    shown = await typed(adapter, ":wait 1h")
    assert "it is now Mon 23 Nov 2026 11:00 CET" in shown, shown  # 10:00 UTC


async def test_a_calendar_file_is_saved_where_the_path_says(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    await typed(adapter, '!event create Picnic when="2026-12-05 12:00"')
    shown = await typed(adapter, "!event ics 1")
    path = Path(shown.split("saved to ", 1)[1].split()[0])
    assert (await asyncio.to_thread(path.read_bytes)).startswith(b"BEGIN:VCALENDAR")


async def test_help_lists_the_console_commands(console: tuple[Bot, ConsoleAdapter]) -> None:
    _, adapter = console
    shown = await typed(adapter, ":help")
    for cmd in (":as", ":react", ":unreact", ":wait", ":quit", ":white_check_mark:"):
        assert cmd in shown


async def test_a_reply_to_a_chat_line_shows_below_it(console: tuple[Bot, ConsoleAdapter]) -> None:
    """The bot's answer to something said (an automatic prompt) is printed after the line that
    set it off, as a chat shows it."""
    _, adapter = console
    await typed(adapter, ":as mod mod", "!config set offline.auto on", "!config set offline.sensitivity high")
    shown = await typed(adapter, ":as alice", "you are completely wrong about this and you know it",
                        ":as bob", "no YOU are wrong, why do you always do this?")
    said = shown.index("bob: no YOU are wrong")
    prompt = shown.index("Take it offline?")
    assert said < prompt, shown


async def test_a_console_database_from_before_the_keys_goes_on(tmp_path: Path, clock: ManualClock) -> None:
    """`--db` files written before the console kept idempotency keys (its first migration only)
    are brought up to date, and their ids go on."""
    path = tmp_path / "old.db"
    db = await Database(str(path)).open()
    await db.migrate(console_store.COMPONENT, console_store.MIGRATIONS[:1])
    await db.write(lambda c: c.execute("INSERT INTO console_messages(id, n, channel_id, space_id, bot)"
                                       " VALUES('m4', 4, 'general', 'local', 1)"))
    await db.close()
    bot = await build_bot(str(path), clock=clock, rate_limit=False)
    adapter = ConsoleAdapter(out=io.StringIO())
    bot.add_adapter(adapter)
    await bot.start()
    try:
        shown = await typed(adapter, '!poll create "Q?" A | B', ":react m4 1")
        assert shown.startswith("[m5] logoff: 📊 Q? #1"), shown
        assert "there is no message m4" not in shown, shown
    finally:
        await bot.stop()


async def test_a_run_killed_before_it_waits_leaves_its_time_to_the_next(tmp_path: Path,
                                                                        clock: ManualClock) -> None:
    """The time a run starts at is kept as it starts: one that never waits and is killed (never
    stopped) does not let the next run, on a computer whose clock is behind, show an earlier time."""
    path = str(tmp_path / "try.db")
    first = await build_bot(path, clock=clock, rate_limit=False)
    killed = ConsoleAdapter(out=io.StringIO())
    first.add_adapter(killed)
    await first.start()
    try:
        assert "(in 3 hours)" in await typed(killed, '!event create Picnic when="in 3 hours"')
        behind = ManualClock(clock.now() - timedelta(hours=1))
        second = await build_bot(path, clock=behind, rate_limit=False)
        adapter = ConsoleAdapter(out=io.StringIO())
        second.add_adapter(adapter)
        await second.start()
        try:
            assert behind.now() == clock.now()
            assert "(in 3 hours)" in await typed(adapter, "!event show 1")
        finally:
            await second.stop()
    finally:
        await first.stop()
