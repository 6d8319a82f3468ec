"""A test-only extension: slow commands (to exercise deferral), a long answer (several
messages on Discord) and a probe that records the message metadata the adapter reports, and
people's edits and deletions."""

from __future__ import annotations

import asyncio

from bot.app import Bot
from bot.cog import Cog, on_message, on_message_deleted, on_message_edited
from bot.commands import Option, command
from bot.context import Context
from bot.model import MessageDeleted, MessageEdited, MessageSeen
from bot.render import Card, Mention, line, text

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

    @command("long", "answers with a text too long for one message",
             Option("lines", "how many lines", kind="int", min=1, max=200),
             Option("private", "only for the one asking", kind="bool", required=False),
             Option("delay", "seconds before answering", kind="int", required=False, min=0, max=5))
    async def long(self, ctx: Context, lines: int, private: bool | None, delay: int | None) -> None:
        await asyncio.sleep((delay or 0) * DELAY)
        # Each line says its number once; "@everyone" typed by someone must ping nobody.
        await ctx.reply(text(*(line(f"line {i:03d} @everyone ", Mention(ctx.user), " " + "x" * 80)
                               for i in range(lines))), ephemeral=bool(private))

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
