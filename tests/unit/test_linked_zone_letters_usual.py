"""Letters with several usual meanings (IST, BST, CST …) in linked spaces (PRODUCT.md "Linked
spaces", "Times"): letters only a linked zone shows mean its clocks, even where, unlinked, they
would be refused as meaning several timezones; two linked zones showing them with different
meanings are refused with both readings. And a part of the day holds its small hours: "sunday
morning 3am" is 03:00, "saturday morning 7pm" still disagrees."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter
from bot.timeparse import TimeParseError, parse_when
from tests.unit.linking import link


async def spaces(bot: Bot, *zones: str) -> list[FakeAdapter]:
    adapters = [FakeAdapter(f"p{i}", space=f"s{i}", channel=f"c{i}") for i in range(len(zones))]
    for adapter in adapters:
        bot.add_adapter(adapter)
    await bot.start()
    for adapter, zone in zip(adapters, zones, strict=True):
        await adapter.invoke(f"!config set timezone {zone}", "mod", mod=True)
    return adapters


async def test_bst_beside_london_reads_as_londons_clocks(bot: Bot) -> None:
    new_york, london = await spaces(bot, "America/New_York", "Europe/London")
    [unlinked] = await new_york.invoke('!event create Quiz when="2027-06-05 7pm BST"')
    assert unlinked.text.startswith("⚠️") and "several timezones" in unlinked.text, unlinked.text
    await link(new_york, london)
    [made] = await new_york.invoke('!event create Quiz when="2027-06-05 7pm BST"')
    assert "Sat 05 Jun 2027 14:00 EDT" in made.text, made.text  # London's 19:00 (UTC+1)


async def test_ist_beside_kolkata_and_dublin_is_refused_with_both(bot: Bot) -> None:
    new_york, kolkata, dublin = await spaces(bot, "America/New_York", "Asia/Kolkata", "Europe/Dublin")
    await link(new_york, kolkata)
    [made] = await new_york.invoke('!event create Chai when="2027-06-05 7pm IST"')
    assert "Sat 05 Jun 2027 09:30 EDT" in made.text, made.text  # Kolkata's 19:00 (UTC+5:30)
    await link(new_york, dublin)
    [refused] = await new_york.invoke('!event create Pint when="2027-06-05 7pm IST"')
    assert refused.text.startswith("⚠️"), refused.text
    assert "UTC+5:30 in Asia/Kolkata" in refused.text and "UTC+1 in Europe/Dublin" in refused.text, refused.text
    assert [r[0] for r in await bot.db.fetchall("SELECT title FROM events")] == ["Chai"]


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
UTCZ = ZoneInfo("UTC")


def test_the_small_hours_are_in_the_morning() -> None:
    assert parse_when("sunday morning 3am", UTCZ, NOW) == datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    assert parse_when("sunday morning 0:30", UTCZ, NOW) == datetime(2026, 11, 29, 0, 30, tzinfo=UTC)
    with pytest.raises(TimeParseError, match="19:00 is not in the morning"):
        parse_when("saturday morning 7pm", UTCZ, NOW)
    with pytest.raises(TimeParseError, match="2am or 2pm"):  # a bare hour that early: asked
        parse_when("sunday morning 2", UTCZ, NOW)
