"""Finding the bot's own posts again (a part of DiscordAdapter): Discord holds a message nonce
only a few minutes, while a job re-run after a crash may come up to its grace later.

Before a job's keyed send the core keeps this adapter's mark of it: the snowflake of the time
then (less a margin for the clocks of this host and Discord's) and a hash of each message
it goes as (content and embed as Discord shows them back; no text kept). The send run again
lists the channel (or the DM) from that snowflake on, finds the bot's messages with those
hashes in order, and posts only the parts not found, with their nonces as before. When the
history cannot be read (no Read Message History, Discord's trouble, more than it pages
through) it cannot tell: the parts are posted again with their nonces, as without a mark.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.model import ChannelRef, MessageRef, UserRef
from bot.render import Out

from .gateway import LogoffClient
from .render import Rendered, render_all

log = logging.getLogger(__name__)

MARGIN = timedelta(minutes=1)  # clocks of this host and of Discord may differ this much
PAGES = 10  # of 100 messages read back at most per send (a busy channel since the mark)


def fingerprint(content: str | None, embed: discord.Embed | None) -> str:
    """A hash of what Discord shows of a message: the same for what is sent and read back."""
    shown: list[object] = [(content or "").strip()]
    if embed is not None:
        shown += [(embed.title or "").strip(), (embed.description or "").strip(),
                  [((f.name or "").strip(), (f.value or "").strip()) for f in embed.fields],
                  (embed.footer.text or "").strip()]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


class OwnPosts:
    platform: str

    def _client(self) -> LogoffClient:
        raise NotImplementedError

    def _channel(self, channel: ChannelRef) -> discord.PartialMessageable:
        raise NotImplementedError

    async def post(self, channel: ChannelRef, parts: Sequence[Rendered], idempotency_key: str | None = None,
                   posted: list[MessageRef] | None = None, *, skip: int = 0) -> MessageRef:
        raise NotImplementedError

    if TYPE_CHECKING:  # DirectMessages' own, after this part in DiscordAdapter's bases
        async def dm_parts(self, user: UserRef, parts: Sequence[Rendered], idempotency_key: str | None = None,
                           mark: str | None = None) -> MessageRef | None: ...

    async def _seed(self, ref: MessageRef, r: Rendered, emojis: Sequence[str] | None = None) -> None:
        raise NotImplementedError

    def post_mark(self, out: Out) -> str | None:
        since = discord.utils.time_snowflake(datetime.now(UTC) - MARGIN)
        return f"{since}:" + ",".join(fingerprint(r.content, r.embed) for r in render_all(out))

    async def send_again(self, where: ChannelRef | UserRef, out: Out, key: str, mark: str) -> MessageRef | None:
        parts = render_all(out)
        if isinstance(where, UserRef):
            return await self.dm_parts(where, parts, key, mark)
        return await self.post_again(where, parts, key, mark)

    async def post_again(self, channel: ChannelRef, parts: Sequence[Rendered], key: str, mark: str) -> MessageRef:
        """Post what of `parts` is not in `channel` already (`mark` says what was sent before)."""
        found = await self._found(channel, parts, mark)
        hashes = mark.partition(":")[2].split(",")
        if found and len(found) >= min(len(hashes), len(parts)):  # all of it (as it goes now) is there
            log.info("Discord: %s was posted before (%s); not posting it again", key, found[0].key)
            return found[0]
        ref = await self.post(channel, parts, key, skip=len(found))
        return found[0] if found else ref

    async def _found(self, channel: ChannelRef, parts: Sequence[Rendered], mark: str) -> list[MessageRef]:
        """The bot's messages since the mark that carry its parts, in order, as far as found."""
        since, _, wanted = mark.partition(":")
        hashes = wanted.split(",")
        me = self._client().user
        found: list[MessageRef] = []
        if not since.isdigit() or me is None:
            return found
        try:
            async for msg in self._channel(channel).history(after=discord.Object(int(since)),
                                                              limit=PAGES * 100, oldest_first=True):
                if msg.author.id != me.id or fingerprint(msg.content, next(iter(msg.embeds), None)) != hashes[len(found)]:
                    continue
                ref = MessageRef(self.platform, str(msg.channel.id), str(msg.id), channel.space_id)
                if len(found) < len(parts):  # a card sent before a crash may lack its reactions
                    mine = {str(r.emoji) for r in msg.reactions if r.me}
                    await self._seed(ref, parts[len(found)], [e for e in parts[len(found)].reactions
                                                              if e not in mine])
                found.append(ref)
                if len(found) == len(hashes):
                    break
        except discord.HTTPException as e:  # 403 without Read Message History, Discord's trouble
            log.warning("Discord: could not read back channel %s to find %s: %s", channel.id, mark, e)
        return found
