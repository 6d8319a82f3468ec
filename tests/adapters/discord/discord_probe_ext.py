"""A test-only extension: a slow command (to exercise deferral) and a probe that records
the message metadata the adapter reports, and people's edits and deletions."""

from __future__ import annotations

import asyncio

from bot.app import Bot
from bot.cog import Cog, on_message, on_message_deleted, on_message_edited
from bot.commands import Option, command
from bot.context import Context
from bot.model import MessageDeleted, MessageEdited, MessageSeen
from bot.render import Card, text

SEEN: list[MessageSeen] = []
CHANGED: list[MessageEdited | MessageDeleted] = []
DELAY = 0.4


class ProbeCog(Cog):
    name = "probe"

    @command("slow public", "answers late with a public card",
             Option("title", "the card's title"))
    async def slow_public(self, ctx: Context, title: str) -> None:
        await asyncio.sleep(DELAY)
        await ctx.reply(Card(title, ref="#1", reactions=("👍",)))
        await ctx.reply(text("and a second, private note"), ephemeral=True)

    @command("slow refusal", "refuses late")
    async def slow_refusal(self, ctx: Context) -> None:
        await asyncio.sleep(DELAY)
        await ctx.warn("no, and it took me a while to say so")

    @command("slow silent", "says nothing at all")
    async def slow_silent(self, ctx: Context) -> None:
        await asyncio.sleep(DELAY)

    @on_message()
    async def seen(self, event: MessageSeen) -> None:
        SEEN.append(event)

    @on_message_edited()
    async def edited(self, event: MessageEdited) -> None:
        CHANGED.append(event)

    @on_message_deleted()
    async def deleted(self, event: MessageDeleted) -> None:
        CHANGED.append(event)


async def setup(bot: Bot) -> None:
    await bot.add_cog(ProbeCog(bot))
