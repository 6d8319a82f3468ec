"""The cog's settings: their keys, defaults and what `config show` says of each."""

from __future__ import annotations

from datetime import timedelta

from bot.settings import Settings, SettingSpec, duration_within, on_off, one_of, switch_text
from bot.timeparse import format_duration

from .scorer import SENSITIVITIES

# Longer than a month between prompts is the same as offline.auto off, which says so plainly.
COOLDOWN = duration_within(timedelta(minutes=1), timedelta(days=30), "from 1m to 30d")


def register(s: Settings) -> None:
    s.register(SettingSpec("offline.auto", "off", on_off, "on or off",
                           "prompt by itself when an exchange heats up", normalize=switch_text))
    s.register(SettingSpec("offline.sensitivity", "low", one_of(*SENSITIVITIES), "low, medium or high",
                           "how often the bot may speak up: low = only on a channel's hottest "
                           "few per cent of exchanges"))
    s.register(SettingSpec("offline.cooldown", "6h", COOLDOWN, "a duration from 1m to 30d, e.g. 6h",
                           "at most one automatic prompt per channel in this time, counted "
                           "from its last prompt (one asked for with offline counts too)",
                           normalize=format_duration))
