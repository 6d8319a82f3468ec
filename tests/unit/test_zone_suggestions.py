"""`config set timezone` suggests IANA zones matching what is typed (area, city, a word of the
city; any case, spaces or underscores, accents or none), the closest first, each one the
command takes as it is, within the platform's limit (bot/suggestions.py)."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.suggestions import LABEL_MAX, MAX_SUGGESTIONS
from bot.testing import FakeAdapter


async def zones(bot: Bot, fake: FakeAdapter, typed: str, user: str = "mod") -> list[tuple[str, str]]:
    spec = bot.commands.get(("config", "set"))
    assert spec is not None
    return await bot.suggest(fake, spec, "value", typed, {"key": "timezone"}, user=fake.user(user, mod=True),
                             channel=fake.channel, is_moderator=user == "mod")


@pytest.mark.parametrize("typed, first", [
    ("berl", "Europe/Berlin"), ("BERLIN", "Europe/Berlin"), ("new y", "America/New_York"),
    ("new_york", "America/New_York"), ("New York", "America/New_York"), ("newyork", "America/New_York"),
    ("york", "America/New_York"), ("são paulo", "America/Sao_Paulo"), ("sao_p", "America/Sao_Paulo"),
    ("europe/ber", "Europe/Berlin"), ("los ang", "America/Los_Angeles"), ("kolk", "Asia/Kolkata"),
    ("buenos", "America/Argentina/Buenos_Aires"), ("cet", "Europe/Berlin"), ("pst", "America/Los_Angeles"),
])
async def test_zones_matching_what_is_typed_come_first(bot: Bot, fake: FakeAdapter, typed: str,
                                                        first: str) -> None:
    found = await zones(bot, fake, typed)
    assert found and found[0] == (first, first), found[:5]


async def test_zone_suggestions_fit_the_limit_and_are_all_taken_by_the_command(
        bot: Bot, fake: FakeAdapter) -> None:
    many = await zones(bot, fake, "america/")
    assert len(many) == MAX_SUGGESTIONS
    assert [v for _, v in many] == sorted(v for _, v in many)  # equally close: by name
    assert all(v.startswith("America/") and len(label) <= LABEL_MAX and len(v) <= 100 for label, v in many)
    # Only names the setting keeps as they are: nothing it refuses (EST), nothing kept as another.
    for typed in ("est", "gmt", "utc", "us/", "etc/"):
        for _, value in await zones(bot, fake, typed):
            [done] = await fake.invoke(f"!config set timezone {value}", "mod", mod=True)
            assert done.text == f"✅ timezone is now {value}", (typed, done.text)
    assert await zones(bot, fake, "no such place anywhere") == []


async def test_the_current_zone_and_the_default_say_so(bot: Bot, fake: FakeAdapter) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    assert (await zones(bot, fake, "berl"))[0] == ("Europe/Berlin (now)", "Europe/Berlin")
    assert await zones(bot, fake, "") == [("Europe/Berlin (now)", "Europe/Berlin"), ("UTC (default)", "UTC")]
    assert ("UTC (default)", "UTC") in await zones(bot, fake, "utc")
    assert await zones(bot, fake, "berl", user="alice") == []  # config is for moderators

