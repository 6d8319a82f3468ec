"""What a Discord adapter offers, declared apart from the adapter so that every process can
tell where a setting applies without importing discord.py (bot/adapter.py `Platform`)."""

from __future__ import annotations

from bot.adapter import Capabilities

CAPABILITIES = Capabilities(buttons=True, ephemeral=True, direct_messages=True,
                            edits_per_window=5, edit_window_s=5.0, max_reactions=20,
                            command_prefix="/", listings=True, threads=True, roles=True,
                            label="Discord", answer_every_command=True)
