"""A test-only cog that records the MessageSeen events the adapter produces."""

from __future__ import annotations

from bot.app import Bot
from bot.cog import Cog, on_message
from bot.model import MessageSeen


class ProbeCog(Cog):
    name = "probe"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.seen: list[MessageSeen] = []

    @on_message()
    async def record(self, event: MessageSeen) -> None:
        self.seen.append(event)


async def setup(bot: Bot) -> None:
    await bot.add_cog(ProbeCog(bot))
