"""`polls.native`: poll cards carry their choices for platforms with native polls, only
there, and the setting is offered only there."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.adapter import Capabilities
from bot.app import Bot, build_bot
from bot.clock import ManualClock
from bot.render import Time
from bot.testing import FakeAdapter


@pytest.fixture
async def native(tmp_path: Path, clock: ManualClock) -> AsyncIterator[tuple[Bot, FakeAdapter]]:
    bot = await build_bot(str(tmp_path / "n.db"), clock=clock)
    fake = FakeAdapter(capabilities=Capabilities(native_polls=True, edits_per_window=0))
    bot.add_adapter(fake)
    await bot.start()
    try:
        yield bot, fake
    finally:
        await bot.stop()


async def test_poll_cards_carry_their_choices_where_polls_are_native(
        native: tuple[Bot, FakeAdapter]) -> None:
    _, fake = native
    [card] = await fake.invoke('!poll create "Where?" Park | "2026-12-05 18:30" multi=yes')
    choices = card.card.choices
    assert choices is not None and choices.question == "Where?"
    assert choices.multi and not choices.closed
    park, at = choices.options
    assert park == ("Park",)
    assert len(at) == 1 and isinstance(at[0], Time) and at[0].at.hour == 18
    await fake.react(card, "1️⃣", "bob")
    assert card.card.choices == choices  # votes change the tally, not the choices
    await fake.invoke("!poll close 1")
    closed = card.card.choices
    assert closed is not None and closed.closed and closed.options == choices.options


async def test_polls_native_off_makes_plain_cards_and_still_ends_open_ones(
        native: tuple[Bot, FakeAdapter]) -> None:
    bot, fake = native
    [show] = await fake.invoke("!config show", "mod", mod=True)
    assert "polls.native = on (default)" in show.text
    [before] = await fake.invoke("!poll create Tea? Green | Black")
    [r] = await fake.invoke("!config set polls.native off", "mod", mod=True)
    assert r.text == "✅ polls.native is now off"
    [after] = await fake.invoke("!poll create Cake? Yes | No")
    assert after.card.choices is None
    # A native poll started while it was on is still ended with its card.
    await fake.invoke("!poll close 1")
    closed = before.card.choices
    assert closed is not None and closed.closed
    [bad] = await fake.invoke("!config set polls.native maybe", "mod", mod=True)
    assert bad.text.startswith("⚠️") and "on or off" in bad.text
    assert await bot.settings.raw(fake.channel.space, "polls.native") == ("off", False)


async def test_without_native_polls_the_setting_is_not_offered(fake: FakeAdapter, bot: Bot) -> None:
    [card] = await fake.invoke("!poll create Tea? Green | Black")
    assert card.card.choices is None
    [show] = await fake.invoke("!config show", "mod", mod=True)
    assert "polls.native =" not in show.text
    [r] = await fake.invoke("!config set polls.native off", "mod", mod=True)
    assert r.text.startswith("⚠️") and "needs native polls" in r.text
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM settings"))[0] == 0


async def test_the_console_refuses_polls_native(tmp_path: Path, clock: ManualClock) -> None:
    bot = await build_bot(str(tmp_path / "c.db"), clock=clock, rate_limit=False)
    adapter = ConsoleAdapter(out=io.StringIO(), files=tmp_path / "files")
    bot.add_adapter(adapter)
    await bot.start()
    try:
        for ln in (":as mod mod", "!config set polls.native on", "!config show"):
            await adapter.handle_line(ln)
        assert isinstance(adapter.out, io.StringIO)
        shown = adapter.out.getvalue()
        assert "⚠️ polls.native does not apply here: it needs native polls" in shown
        assert "polls.native =" not in shown
    finally:
        await bot.stop()
