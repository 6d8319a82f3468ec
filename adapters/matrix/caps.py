"""What a Matrix adapter offers, declared apart from the adapter so that every process can
tell where a setting applies without importing matrix-nio (bot/adapter.py `Platform`)."""

from __future__ import annotations

from bot.adapter import Capabilities

CAPABILITIES = Capabilities(buttons=False, ephemeral=False, direct_messages=True, label="Matrix",
                            edits_per_window=5, edit_window_s=5.0, max_reactions=20,
                            native_polls=True)
