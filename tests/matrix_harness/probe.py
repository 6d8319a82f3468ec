"""A test-only cog that records the MessageSeen events the adapter produces, and the edits and
deletions of people's messages (MessageEdited, MessageDeleted)."""

from __future__ import annotations

from bot.app import Bot
from bot.cog import Cog, on_message, on_message_deleted, on_message_edited
from bot.model import MessageDeleted, MessageEdited, MessageSeen


class ProbeCog(Cog):
    name = "probe"

    def __init__(self, bot: Bot) -> None:
        super().__init__(bot)
        self.seen: list[MessageSeen] = []
        self.changed: list[MessageEdited | MessageDeleted] = []

    @on_message()
    async def record(self, event: MessageSeen) -> None:
        self.seen.append(event)

    @on_message_edited()
    async def record_edit(self, event: MessageEdited) -> None:
        self.changed.append(event)

    @on_message_deleted()
    async def record_deletion(self, event: MessageDeleted) -> None:
        self.changed.append(event)


async def setup(bot: Bot) -> None:
    await bot.add_cog(ProbeCog(bot))
