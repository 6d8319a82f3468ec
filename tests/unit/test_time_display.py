"""How a time is shown (PRODUCT.md "Message markers"): weekday, date, time and the zone, and
how far away it is, never rounded into something untrue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.testing import FakeAdapter


async def test_a_zone_without_an_abbreviation_is_named_as_an_offset_from_utc(fake: FakeAdapter) -> None:
    # tzdata has no letters for São Paulo; a bare "-03" reads like a typo, not a zone.
    await fake.invoke("!config set timezone America/Sao_Paulo", "mod", mod=True)
    [card] = await fake.invoke('!event create Churrasco when="2026-11-28 18:00"')
    assert "Sat 28 Nov 2026 18:00 UTC-03" in card.text, card.text


async def test_less_than_a_minute_away_is_not_called_zero_minutes(fake: FakeAdapter) -> None:
    [poll] = await fake.invoke("!poll create Now? yes | no closes=30s")
    assert "(in less than a minute)" in poll.text and "0 minutes" not in poll.text, poll.text


def test_the_offset_form_keeps_real_abbreviations() -> None:
    from bot.render import format_time

    at = datetime(2026, 12, 12, 17, 30, tzinfo=UTC)
    assert format_time(at, ZoneInfo("Europe/Berlin")) == "Sat 12 Dec 2026 18:30 CET"
    assert format_time(at, ZoneInfo("Asia/Kathmandu")) == "Sat 12 Dec 2026 23:15 UTC+0545"
    assert format_time(at + timedelta(days=200), ZoneInfo("America/New_York")).endswith("EDT")


async def test_a_card_edited_during_a_wait_says_how_far_away_as_of_that_moment(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    # `:wait` runs what falls due at its own time: the edit when check-in opens (30 minutes
    # before the start) is printed then, not as of the end of the wait.
    import io

    from adapters.console import ConsoleAdapter
    from bot.app import build_bot

    bot = await build_bot(str(tmp_path / "w.db"), clock=clock, rate_limit=False)
    console = ConsoleAdapter(out=io.StringIO(), files=tmp_path / "files")
    bot.add_adapter(console)
    await bot.start()
    try:
        for ln in ('!event create Tea when="in 2 hours"', ":wait 1h35m"):
            await console.handle_line(ln)
        assert isinstance(console.out, io.StringIO)
        [edit] = [part for part in console.out.getvalue().split("[m") if "(edited)" in part and "Here (0)" in part]
        assert "(in 30 minutes)" in edit, edit
    finally:
        await bot.stop()
