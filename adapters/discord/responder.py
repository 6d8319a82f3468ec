"""Answering one interaction within Discord's deadline (the Context's responder)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import discord

from bot.model import ChannelRef, MessageRef
from bot.render import Out

from .refs import PLATFORM, DiscordPermissionError, space_of
from .render import Rendered, is_refusal, render_all

if TYPE_CHECKING:
    from .adapter import DiscordAdapter

log = logging.getLogger(__name__)

INVALID_TOKEN = 50027  # "Invalid Webhook Token": an interaction's token is past its 15 minutes


class InteractionResponder:
    """Context.responder for one interaction: answers within Discord's deadline.

    If the handler has not answered after `defer_after` seconds, the interaction is
    deferred: a command with an ephemeral "thinking" placeholder (so a refusal stays
    private), a button silently. A public answer after that is posted in the channel
    and the placeholder removed; a private one replaces the placeholder.
    """

    def __init__(self, adapter: DiscordAdapter, interaction: discord.Interaction[Any], *, component: bool) -> None:
        self.adapter = adapter
        self.interaction = interaction
        self.component = component
        self.lock = asyncio.Lock()
        self.placeholder = False
        self.expired = False  # the token no longer works: answers go to the channel

    async def run(self, handler: Awaitable[None]) -> None:
        task = asyncio.ensure_future(handler)
        done, _ = await asyncio.wait({task}, timeout=self.adapter.defer_after)
        if not done:
            async with self.lock:
                await self._defer()
        try:
            await task
        finally:
            await self._finish()

    async def _defer(self) -> None:
        response = self.interaction.response
        if response.is_done():
            return
        try:
            if self.component:
                await response.defer()
            else:
                await response.defer(ephemeral=True, thinking=True)
                self.placeholder = True
        except discord.HTTPException as e:
            log.warning("Discord: deferring interaction %s failed: %s", self.interaction.id, e)

    async def _finish(self) -> None:
        async with self.lock:
            try:
                if not self.interaction.response.is_done():
                    if self.component:
                        await self.interaction.response.defer()
                    else:
                        await self.interaction.response.send_message("✅ done", ephemeral=True)
                elif self.placeholder:
                    await self.interaction.delete_original_response()
                    self.placeholder = False
            except discord.HTTPException as e:
                log.warning("Discord: closing interaction %s failed: %s", self.interaction.id, e)

    def _ref(self, message_id: int) -> MessageRef:
        i = self.interaction
        return MessageRef(PLATFORM, str(i.channel_id), str(message_id), space_of(i.guild_id))

    async def __call__(self, out: Out, ephemeral: bool) -> MessageRef | None:
        ephemeral = ephemeral or is_refusal(out)
        r, *more = render_all(out)  # a text over Discord's limit: the rest as follow-ups
        async with self.lock:
            if not self.expired:
                try:
                    return await self._answer(out, r, more, ephemeral)
                except discord.HTTPException as e:
                    if e.code != INVALID_TOKEN:
                        raise
                    self.expired, self.placeholder = True, False
            return await self._without_token(out, ephemeral)

    async def _answer(self, out: Out, r: Rendered, more: list[Rendered], ephemeral: bool) -> MessageRef | None:
        i = self.interaction
        message_id: int | None = None
        if not i.response.is_done():
            callback = await i.response.send_message(**r.send_kwargs(), ephemeral=ephemeral)
            message_id = callback.message_id
        elif self.placeholder and ephemeral:
            message_id = (await i.edit_original_response(**r.edit_kwargs())).id
            self.placeholder = False
        elif self.placeholder:
            try:
                ref = await self.adapter.send(self._channel(), out)
            except DiscordPermissionError:
                # Cannot post in the channel: at least the user sees the answer.
                await i.edit_original_response(**r.edit_kwargs())
                self.placeholder = False
                await self._follow(more, True)
                return None
            await self._drop_placeholder()
            return ref
        else:
            message_id = (await i.followup.send(**r.send_kwargs(), ephemeral=ephemeral, wait=True)).id
        await self._follow(more, ephemeral)
        if ephemeral or message_id is None:
            return None
        ref = self._ref(message_id)
        await self.adapter._seed(ref, r)
        return ref

    async def _without_token(self, out: Out, ephemeral: bool) -> MessageRef | None:
        """The interaction's token has expired (Discord keeps it 15 minutes): a public answer is
        posted in the channel as any message; a private one has no way to reach the user."""
        if ephemeral:
            log.warning("Discord: interaction %s answered after its token expired; the private "
                        "answer was not delivered", self.interaction.id)
            return None
        try:
            return await self.adapter.send(self._channel(), out)
        except DiscordPermissionError as e:
            log.warning("Discord: interaction %s answered after its token expired, and the channel "
                        "refuses the answer: %s", self.interaction.id, e)
            return None

    async def _drop_placeholder(self) -> None:
        """The "thinking" placeholder goes once the answer is in the channel; if it cannot (its
        token expired), it stays in the user's view only and the answer is out all the same."""
        self.placeholder = False
        try:
            await self.interaction.delete_original_response()
        except discord.HTTPException as e:
            log.warning("Discord: removing the placeholder of interaction %s failed: %s", self.interaction.id, e)

    def _channel(self) -> ChannelRef:
        i = self.interaction
        return ChannelRef(PLATFORM, str(i.channel_id), space_of(i.guild_id))

    async def _follow(self, more: list[Rendered], ephemeral: bool) -> None:
        for r in more:
            await self.interaction.followup.send(**r.send_kwargs(), ephemeral=ephemeral, wait=True)
