"""The reactions the bot adds to its cards (a part of DiscordAdapter): seeding them, knowing
which it has, putting them back after a moderator clears a card's reactions, and taking one
back when its card stops asking for it."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence

import discord

from bot.adapter import Capabilities
from bot.model import ChannelRef, MessageRef

from .render import Rendered

log = logging.getLogger(__name__)

SEEDED_KEPT = 10_000  # cards whose seeded reactions are remembered (the rest are read off an edit)
# A new card is tracked by the core once its send returns, its reactions seeded: a person's
# reaction before that waits for it (handlers.py), this long at most, for so many cards at once.
# Once seeded, the core tracks it as soon as the send returns: a little grace for that.
FRESH_FOR_S, FRESH_KEPT, SEEDED_GRACE_S = 60.0, 1000, 10.0


class Seeding:
    capabilities: Capabilities
    _seeded: OrderedDict[str, list[str]]  # card -> the bot's reactions on it, in their order
    _fresh: OrderedDict[str, tuple[MessageRef, float]]  # a card being seeded, until when reactions wait
    client: discord.Client | None

    def _channel(self, channel: ChannelRef) -> discord.PartialMessageable:
        raise NotImplementedError

    def _explain(self, e: discord.Forbidden, what: str, channel: ChannelRef) -> str:
        raise NotImplementedError

    def _remember(self, ref: MessageRef, emojis: list[str], *, replace: bool = False) -> list[str]:
        """The reactions the bot has on a card (in their order), kept for the latest cards;
        `replace` when `emojis` is all of them, as read from Discord."""
        seeded = self._seeded.setdefault(ref.key, [])
        seeded[:] = [*([] if replace else seeded), *(e for e in emojis if replace or e not in seeded)]
        self._seeded.move_to_end(ref.key)
        while len(self._seeded) > SEEDED_KEPT:
            self._seeded.popitem(last=False)
        return seeded

    async def _seed(self, ref: MessageRef, r: Rendered, emojis: Sequence[str] | None = None) -> None:
        emojis = r.reactions[: self.capabilities.max_reactions] if emojis is None else emojis
        if not emojis:
            return
        self._fresh[ref.key] = (ref, time.monotonic() + FRESH_FOR_S)  # seen by people from its first pill
        self._fresh.move_to_end(ref.key)
        while len(self._fresh) > FRESH_KEPT:
            self._fresh.popitem(last=False)
        try:
            await self._seed_each(ref, emojis)
        finally:
            self._fresh[ref.key] = (ref, time.monotonic() + SEEDED_GRACE_S)

    def _awaited(self, message: MessageRef) -> bool:
        """Whether `message` (this very card: its channel and server too, not a forgery naming its
        id) is a card being sent, or just sent, that the core will track."""
        fresh = self._fresh.get(message.key)
        return fresh is not None and fresh[0] == message and time.monotonic() < fresh[1]

    async def _seed_each(self, ref: MessageRef, emojis: Sequence[str]) -> None:
        partial = self._channel(ref.channel).get_partial_message(int(ref.id))
        seeded = self._remember(ref, [])
        for emoji in emojis:
            try:
                await partial.add_reaction(emoji)
                if emoji not in seeded:
                    seeded.append(emoji)
            except discord.Forbidden as e:
                self._explain(e, "add reactions", ref.channel)
                return
            except discord.HTTPException as e:
                log.warning("Discord: could not add %s to %s: %s", emoji, ref.key, e)

    async def _reseed(self, message: MessageRef, emoji: str | None) -> None:
        """Put back the bot's reactions that a clear (of all, or of `emoji`) took off. Unknown
        ones (a card not seen since start) come back with the card's next edit."""
        had = self._seeded.pop(message.key, None)
        if had is None:
            return
        lost = [e for e in had if emoji is None or e == emoji]
        self._remember(message, [e for e in had if e not in lost])
        await self._seed(message, Rendered(None), lost)

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        """DELETE …/reactions/{emoji}/@me (204 even where it was not there), then forgotten, so
        the card's next edit asking for it adds it again. A message gone has nothing to take."""
        me = self.client.user if self.client is not None else None
        if me is None:
            raise RuntimeError("Discord: not connected")
        partial = self._channel(message.channel).get_partial_message(int(message.id))
        try:
            await partial.remove_reaction(emoji, me)
        except discord.NotFound:
            pass
        if (seeded := self._seeded.get(message.key)) is not None and emoji in seeded:
            seeded.remove(emoji)
