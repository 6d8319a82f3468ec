"""Answering one interaction within Discord's deadline (the Context's responder)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.adapter import DeliveryFailed, DestinationClosed, DestinationGone
from bot.model import ChannelRef, MessageRef
from bot.render import Out

from .commands import Unreadable
from .refs import PLATFORM, DiscordPermissionError, space_of, user_ref
from .render import Rendered, is_refusal, literal, render_all

if TYPE_CHECKING:
    from .adapter import DiscordAdapter

log = logging.getLogger(__name__)

# The interaction can no longer be answered through its token: past its 15 minutes ("Invalid
# Webhook Token", or "Unknown Webhook"), or never acknowledged within 3 s ("Unknown interaction").
TOKEN_GONE = {50027, 10015, 10062}
ALREADY_ACKNOWLEDGED = 40060


@dataclass
class Sent:
    """How far one answer got: the parts delivered, in order, and the first public one."""

    parts: int = 0
    first: MessageRef | None = None
    private: bool = False  # the channel refused a public answer: the rest is private too


class InteractionResponder:
    """Context.responder for one interaction: answers within Discord's deadline.

    If the handler has not answered after `defer_after` seconds, the interaction is
    deferred: a command with an ephemeral "thinking" placeholder (so a refusal stays
    private), a button silently. A public answer after that is posted in the channel
    and the placeholder removed; a private one replaces the placeholder.

    Each part of an answer is delivered once. When the token stops working part-way (or
    before), the parts not yet delivered go on where they still can: a public answer in the
    channel, a private one by direct message (never in the channel). The public parts that
    would be follow-ups go in the channel too (`_follow`).
    """

    def __init__(self, adapter: DiscordAdapter, interaction: discord.Interaction[Any], *, component: bool) -> None:
        self.adapter = adapter
        self.interaction = interaction
        self.component = component
        self.lock = asyncio.Lock()
        self.placeholder = False
        self.acknowledged = False  # Discord took an acknowledgement whose answer was lost
        self.expired = False  # the token no longer works: answers go to the channel or by DM
        self.posts = 0  # answers posted in the channel as messages: each its own nonces

    @property
    def answered(self) -> bool:
        return self.acknowledged or self.interaction.response.is_done()

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
        if self.answered or self.expired:
            return
        try:
            if self.component:
                await self.interaction.response.defer()
            else:
                await self.interaction.response.defer(ephemeral=True, thinking=True)
                self.placeholder = True
        except discord.HTTPException as e:
            if e.code == ALREADY_ACKNOWLEDGED:  # the first try took; its answer was lost
                self.acknowledged, self.placeholder = True, not self.component
                return
            self.expired = e.code in TOKEN_GONE
            log.warning("Discord: deferring interaction %s failed: %s", self.interaction.id, e)

    async def _finish(self) -> None:
        async with self.lock:
            if self.expired:
                return
            try:
                if not self.answered:
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
        parts = render_all(out)  # a text over Discord's limit: several messages
        sent = Sent()
        async with self.lock:
            if not self.expired:
                try:
                    return await self._answer(parts, ephemeral, sent)
                except discord.HTTPException as e:
                    if e.code not in TOKEN_GONE:
                        raise
                    self.expired, self.placeholder = True, False
            rest = parts[sent.parts:]
            if rest:
                posted = await self._without_token(rest, ephemeral or sent.private, resumed=sent.parts > 0)
                return sent.first or posted
            return sent.first

    async def _answer(self, parts: Sequence[Rendered], ephemeral: bool, sent: Sent) -> MessageRef | None:
        i = self.interaction
        if self.placeholder and not ephemeral:
            return await self._in_channel(parts, sent)
        first = parts[0]
        if not self.answered:
            message_id = await self._respond(first, ephemeral, sent)
        elif self.placeholder:
            message_id = (await i.edit_original_response(**first.edit_kwargs())).id
            self.placeholder = False
        elif not ephemeral:  # a further public answer: as the later parts of one (`_follow`)
            await self._follow(parts, ephemeral, sent)
            return sent.first
        else:
            message_id = (await i.followup.send(**first.send_kwargs(), ephemeral=ephemeral, wait=True)).id
        sent.parts = 1
        if not ephemeral and message_id is not None:
            sent.first = self._ref(message_id)
            await self.adapter._seed(sent.first, first)
        await self._follow(parts, ephemeral, sent)
        return sent.first

    async def _respond(self, r: Rendered, ephemeral: bool, sent: Sent) -> int | None:
        """The interaction's own answer. A 5xx whose request Discord had carried out is retried by
        discord.py and refused as already acknowledged: the first try is the answer."""
        try:
            return (await self.interaction.response.send_message(**r.send_kwargs(), ephemeral=ephemeral)).message_id
        except discord.HTTPException as e:
            if e.code != ALREADY_ACKNOWLEDGED:
                raise
        self.acknowledged, sent.parts = True, 1
        if ephemeral:
            return None
        try:
            return (await self.interaction.original_response()).id
        except discord.HTTPException as e:  # posted all the same; only its reactions are missing
            log.warning("Discord: reading the answer of interaction %s failed: %s", self.interaction.id, e)
            return None

    async def _in_channel(self, parts: Sequence[Rendered], sent: Sent) -> MessageRef | None:
        """A public answer after the placeholder: posted in the channel as any message."""
        posted: list[MessageRef] = []
        try:
            await self.adapter.post(self._channel(), parts, posted=posted)
        except DiscordPermissionError:
            # Cannot post in the channel: at least the user sees the (rest of the) answer.
            sent.parts, sent.first, sent.private = len(posted), next(iter(posted), None), True
            i = self.interaction
            await i.edit_original_response(**parts[sent.parts].edit_kwargs())
            self.placeholder = False
            sent.parts += 1
            await self._follow(parts, True, sent)
            return sent.first
        await self._drop_placeholder()
        sent.parts, sent.first = len(parts), posted[0]
        return sent.first

    async def _without_token(self, rest: Sequence[Rendered], ephemeral: bool, *,
                             resumed: bool) -> MessageRef | None:
        """The token no longer works: a public answer is posted in the channel as any message (its
        first part returned: a card is tracked by it); a private one never is, it comes by direct
        message, with a line saying what it answers."""
        i = self.interaction
        if not ephemeral:
            posted: list[MessageRef] = []
            try:
                await self.adapter.post(self._channel(), rest, posted=posted)
            except DiscordPermissionError as e:
                log.warning("Discord: interaction %s could no longer be answered, and the channel "
                            "refuses the answer: %s", i.id, e)
            return next(iter(posted), None)
        try:
            dm = await self.adapter.dm_parts(user_ref(i.user), [self._note(resumed), *rest])
        except DeliveryFailed as e:
            dm, why = None, str(e)
        else:
            why = "they do not accept DMs"
        if dm is None:
            log.warning("Discord: interaction %s could no longer be answered and the private "
                        "answer was not delivered by DM (%s)", i.id, why)
        return None

    def _note(self, resumed: bool) -> Rendered:
        """What a private answer by DM answers: the command, and the channel it was given in."""
        i = self.interaction
        what = "button"
        if not self.component:
            found = self.adapter.table.walk(i.data)
            what = "/" + " ".join(found[0]) if found is not None and not isinstance(found, Unreadable) else "command"
        where = f"<#{i.channel_id}>" if i.guild_id else "our DMs"
        if resumed:
            return Rendered(f"The rest of the answer to your {literal(what)} in {where}, which Discord "
                            "no longer took there:")
        return Rendered(f"Your {literal(what)} in {where} took longer than Discord waits for an answer, "
                        "so here it is, for you only:")

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

    async def _follow(self, parts: Sequence[Rendered], ephemeral: bool, sent: Sent) -> None:
        """The parts after those sent, counted as they go. A public one is posted in the channel
        as any message, with a nonce: a follow-up takes none, and discord.py retries one whose
        answer was lost (a 5xx after Discord made it), which posts it twice. Where the channel
        refuses the bot or is not one it can see (a user-installed app's), and for a private
        answer (only a follow-up can carry one; none can be looked for, so such a retry may show
        a part twice, to its reader only), follow-ups."""
        if not ephemeral and sent.parts < len(parts):
            self.posts += 1
            posted: list[MessageRef] = []
            try:
                await self.adapter.post(self._channel(), parts, f"a{self.interaction.id}.{self.posts}",
                                        posted, skip=sent.parts)
            except (DiscordPermissionError, DestinationGone, DestinationClosed) as e:  # gone: a channel the bot cannot see
                log.info("Discord: the rest of the answer to interaction %s as follow-ups: %s",
                         self.interaction.id, e)
            sent.first = sent.first or next(iter(posted), None)
            sent.parts += len(posted)
        for r in parts[sent.parts:]:
            msg = await self.interaction.followup.send(**r.send_kwargs(), ephemeral=ephemeral, wait=True)
            sent.parts += 1
            if not ephemeral and sent.first is None:  # a further answer's first part
                sent.first = self._ref(msg.id)
                await self.adapter._seed(sent.first, r)
