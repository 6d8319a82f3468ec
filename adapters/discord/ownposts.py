"""Finding the bot's own posts again (a part of DiscordAdapter): Discord holds a message nonce
only a few minutes, while a job re-run after a crash may come up to its grace later.

Before a job's keyed send the core keeps this adapter's mark of it: the snowflake of the time
then (less a margin for the clocks of this host and Discord's) and a hash of each message
it goes as (content and embed as Discord shows them back; no text kept). The send run again
lists the channel (or the DM) from that snowflake on, finds the bot's messages with those
hashes in order, and posts only the parts not found, with their nonces as before. A send may
have several marks (each try's render) and the message it is known to have made (an edited
card): that message is fetched first, and the rest looked for after it. When the history
cannot be read (no Read Message History, Discord's trouble, more than it pages through) it
cannot tell: the parts are posted again with their nonces, as without a mark.
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


def fingerprint(content: str | None, embed: discord.Embed | None, file_size: int | None = None) -> str:
    """A hash of what Discord shows of a message: the same for what is sent and read back. A
    file counts by its size (Discord may rename it), so a file alone is not any empty message."""
    shown: list[object] = [(content or "").strip()]
    if embed is not None:
        shown += [(embed.title or "").strip(), (embed.description or "").strip(),
                  [((f.name or "").strip(), (f.value or "").strip()) for f in embed.fields],
                  (embed.footer.text or "").strip()]
    if file_size is not None:
        shown.append(file_size)
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def sent_print(r: Rendered) -> str:
    return fingerprint(r.content, r.embed, len(r.attachment.data) if r.attachment is not None else None)


def shown_print(msg: discord.Message) -> str:
    return fingerprint(msg.content, next(iter(msg.embeds), None), msg.attachments[0].size if msg.attachments else None)


def _read(mark: str) -> tuple[list[tuple[int, list[str]]], int | None]:
    """The marks (time snowflake, hashes) a string of them holds, and the message made, if kept."""
    marks, made = [], None
    for line in mark.split("\n"):
        if line.startswith("@") and line[1:].isdigit():
            made = int(line[1:])
            continue
        since, _, hashes = line.partition(":")
        if since.isdigit() and hashes:
            marks.append((int(since), hashes.split(",")))
    return marks, made


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
        return f"{since}:" + ",".join(sent_print(r) for r in render_all(out))

    async def send_again(self, where: ChannelRef | UserRef, out: Out, key: str, marks: Sequence[str],
                         made: MessageRef | None) -> MessageRef | None:
        parts = render_all(out)
        # One string through `dm_parts` (which opens the DM channel first): a mark a line.
        mark = "\n".join([*marks, *([f"@{made.id}"] if made is not None else [])])
        if isinstance(where, UserRef):
            return await self.dm_parts(where, parts, key, mark)
        return await self.post_again(where, parts, key, mark)

    async def post_again(self, channel: ChannelRef, parts: Sequence[Rendered], key: str, mark: str) -> MessageRef:
        """Post what of `parts` is not in `channel` already (`mark` says what was sent before)."""
        found, of = await self._found(channel, parts, *_read(mark))
        if found and len(found) >= min(of, len(parts)):  # all of it (as it goes now) is there
            log.info("Discord: %s was posted before (%s); not posting it again", key, found[0].key)
            return found[0]
        ref = await self.post(channel, parts, key, skip=len(found))
        return found[0] if found else ref

    async def _found(self, channel: ChannelRef, parts: Sequence[Rendered], marks: list[tuple[int, list[str]]],
                     made: int | None) -> tuple[list[MessageRef], int]:
        """The bot's messages that carry the parts, in order, as far as found (the message made
        first, then those after it with the hashes of one mark since its time), and how many
        parts that mark has."""
        me = self._client().user
        if me is None or not marks:
            return [], 0
        where = self._channel(channel)
        start: list[discord.Message | int] = []
        if made is not None:
            try:
                start.append(await where.fetch_message(made))
            except discord.HTTPException as e:  # deleted since (by a moderator): made all the same
                log.info("Discord: message %s of a job's send could not be read back: %s", made, e)
                start.append(made)
        hits: list[list[discord.Message]] = [[] for _ in marks]
        try:
            if not any(len(start) >= len(h) for _, h in marks):
                after = max([min(s for s, _ in marks), *[made or 0]])
                async for msg in where.history(after=discord.Object(after), limit=PAGES * 100, oldest_first=True):
                    if msg.author.id != me.id:
                        continue
                    shown = shown_print(msg)
                    for n, (since, hashes) in enumerate(marks):
                        at = len(start) + len(hits[n])
                        if at < len(hashes) and msg.id > since and hashes[at] == shown:
                            hits[n].append(msg)
                    if any(len(start) + len(hits[n]) == len(h) for n, (_, h) in enumerate(marks)):
                        break
        except discord.HTTPException as e:  # 403 without Read Message History, Discord's trouble
            log.warning("Discord: could not read back channel %s to find %s: %s", channel.id, marks, e)
        best = max(range(len(marks)), key=lambda n: (len(start) + len(hits[n]) >= len(marks[n][1]), len(hits[n])))
        found: list[MessageRef] = []
        for n, m in enumerate([*start, *hits[best]]):
            ref = MessageRef(self.platform, str(channel.id), str(m if isinstance(m, int) else m.id), channel.space_id)
            if n < len(parts) and not isinstance(m, int):  # a card sent before a crash may lack its reactions
                mine = {str(r.emoji) for r in m.reactions if r.me}
                await self._seed(ref, parts[n], [e for e in parts[n].reactions if e not in mine])
            found.append(ref)
        return found, len(marks[best][1])
