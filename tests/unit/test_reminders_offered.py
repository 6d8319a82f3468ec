"""PRODUCT.md Settings: `reminders` takes comma-separated durations from 1m to 30d. Durations with
spaces between their parts ("1 day 2 hours") may be one reminder or several, so the refusal offers
both ways of writing them; every value it offers, typed back, is taken, and the refusal changes
nothing. A way the setting would refuse (a sum past 30d, a part under 1m) is not offered."""

from __future__ import annotations

import re

import pytest

from bot.app import Bot

from .console_kit import typed

ONE = re.compile(r"write (\S+) for one")
SEVERAL = re.compile(r"separate them with commas: ([^\s.]+)")


async def _stored(bot: Bot) -> int:
    row = await bot.db.fetchone("SELECT COUNT(*) FROM settings")
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(("value", "one", "several"), [
    ("1 day 2 hours", "1d2h", "1d,2h"),
    ("2 hours 30 minutes", "2h30m", "2h,30m"),
    ("1d12h 30m", "1d12h30m", "1d12h,30m"),
    ("1h 30m, 10m", "1h30m,10m", "1h,30m,10m"),
    ("30d 1h", None, "30d,1h"),  # as one it is past 30d
    ("1 minute 30 seconds", "1m30s", None),  # as several, 30s is under 1m
    ("5w 1d", None, None),  # 36d as one, and 35d is one of the several
    ("1h 0m", "1h", None),  # as several, 0m is no reminder
    ("0d 2h", "2h", None),
    ("24h, 1h 0m", "24h,1h", None),
])
async def test_every_value_the_refusal_offers_is_taken(console, value: str, one: str | None,  # type: ignore[no-untyped-def]
                                                      several: str | None) -> None:
    bot, adapter = console
    await typed(adapter, ":as mod mod")
    out = await typed(adapter, f"!config set reminders {value}")
    said = out.split("] logoff: ", 1)[1]
    assert said.startswith(f"⚠️ reminders can't be '{value}'") and "may be one reminder" in said, said
    assert await _stored(bot) == 0
    offered = ONE.findall(said) + SEVERAL.findall(said)
    assert offered == [o for o in (one, several) if o is not None], said
    if not offered:
        assert "either way, a reminder would be outside 1m to 30d" in said, said
    for typed_back in offered:
        again = await typed(adapter, f"!config set reminders {typed_back}")
        assert "✅ reminders is now" in again, (said, again)
