"""Durations of settings that have a sane range (PRODUCT.md "Settings"; the contract gives
`reminders.grace` and `offline.cooldown` only as "duration"): a value outside it is refused
saying how it was read and the range, and a key given without a value is told what it takes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.testing import FakeAdapter

RANGES = [("reminders.grace", "7d", "8d", "8 days", "from 1m to 7d"),
          ("offline.cooldown", "30d", "3650d", "3650 days", "from 1m to 30d")]


async def _rows(bot) -> int:  # type: ignore[no-untyped-def]
    return int((await bot.db.fetchone("SELECT COUNT(*) FROM settings"))[0])


@pytest.mark.parametrize("key, most, beyond, read, allowed", RANGES)
async def test_a_duration_past_its_range_is_refused_with_the_range(fake: FakeAdapter, bot, key: str, most: str,
                                                                  beyond: str, read: str, allowed: str) -> None:
    [r] = await fake.invoke(f"!config set {key} {beyond}", "mod", mod=True)
    assert r.text.startswith(f"⚠️ {key} can't be '{beyond}': that is {read}, longer than it can be; "
                             f"it must be {allowed}."), r.text
    assert await _rows(bot) == 0
    [ok] = await fake.invoke(f"!config set {key} {most}", "mod", mod=True)
    assert ok.text == f"✅ {key} is now {most}"


@pytest.mark.parametrize("key, said", [
    ("reminders.grace", "a duration from 1m to 7d, e.g. 30m or 2h. It is 1h now"),
    ("offline.cooldown", "a duration from 1m to 30d, e.g. 6h. It is 6h now"),
    ("events.create", "anyone or moderators. It is anyone now"),
])
async def test_a_key_without_a_value_is_told_the_values_it_takes(fake: FakeAdapter, bot, key: str,
                                                                said: str) -> None:
    [r] = await fake.invoke(f"!config set {key}", "mod", mod=True)
    assert r.text == f"⚠️ !config set {key} needs a value after the key: {said}; nothing was changed", r.text
    assert await _rows(bot) == 0
    for typed in ("!config set Reminders.Grace   ", '!config set reminders.grace ""'):  # blank is none
        [r] = await fake.invoke(typed, "mod", mod=True)
        assert "needs a value after the key: a duration from 1m to 7d" in r.text, r.text
    assert await _rows(bot) == 0


@pytest.mark.parametrize("key, stored, used, shown", [
    ("offline.cooldown", "60d", timedelta(days=30), "30d"),  # "rarely" stays rare, not every 6h
    ("reminders.grace", "14d", timedelta(days=7), "7d"),
    ("reminders.grace", "30s", timedelta(minutes=1), "1m"),  # "hardly late" stays so, not 1h late
])
async def test_a_value_stored_before_its_range_is_used_and_shown_at_its_nearest_bound(
        fake: FakeAdapter, bot, key: str, stored: str, used: timedelta, shown: str) -> None:
    # Stored by a version without the range (valid then), read after an upgrade.
    await bot.db.write(lambda c: c.execute("INSERT INTO settings(space, key, value) VALUES(?, ?, ?)",
                                           (fake.channel.space.key, key, stored)))
    bot.settings._cache.clear()
    assert await bot.settings.get(fake.channel.space, key) == used
    [show] = await fake.invoke("!config show", "mod", mod=True)
    assert f"{key} = {shown}\n" in show.text + "\n", show.text  # what is used, never the stored value
    [r] = await fake.invoke(f"!config set {key}", "mod", mod=True)
    assert f"It is {shown} now" in r.text, r.text
