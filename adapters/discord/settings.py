"""The space settings the Discord platform acts on. Every process declares them, whichever
platforms it runs (bot/adapter.py `Platform.settings`), so they live apart from the modules
that need discord.py."""

from __future__ import annotations

from bot.settings import SettingSpec, on_off, switch_text

SETTING = "events.discord"
SETTING_SPEC = SettingSpec(SETTING, "on", on_off, "on or off",
                           "mirror events into the server's Events tab (needs Manage Events)",
                           normalize=switch_text, requires="listings")
