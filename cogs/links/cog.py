"""Linked spaces: one community on two platforms. A moderator types `link` in one channel
and gets a one-time code (valid ten minutes); a moderator in a channel on another platform
types `link <code>` there. Linked channels form a group: polls and events made in one are
posted in all, with one tally and one RSVP list (the polls and events cogs do that through
`LinkService`). `unlink` takes a channel out of its group; what was shared stays shared.
Nothing merges people across platforms: each person is who they are on their platform."""

from __future__ import annotations

import logging
import secrets
import sqlite3
import unicodedata
from datetime import timedelta

from bot.cog import Cog
from bot.commands import Option, command
from bot.context import Context, Refusal
from bot.model import ChannelRef, SpaceRef
from bot.render import Out, line, text
from bot.timelinks import LinkedChannels

from .migrations import MIGRATIONS
from .service import LinkService

log = logging.getLogger(__name__)
CODE_LIFE = timedelta(minutes=10)
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or retyped
CODE_LEN = 8


def _ref(row: sqlite3.Row | tuple) -> ChannelRef:
    return ChannelRef(row[0], row[1], row[2])


def _normal(code: str) -> str:
    """The code's own characters in what was typed: a phone's autocorrect turns the dash into
    an en dash or a Unicode hyphen, people type a space or none, and a fullwidth keyboard gives
    fullwidth letters; none of that is part of the code, so only the alphabet's characters count."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", code).upper() if ch in ALPHABET)


def _group(conn: sqlite3.Connection, channel: ChannelRef) -> int | None:
    row = conn.execute("SELECT grp FROM link_members WHERE channel=?", (channel.key,)).fetchone()
    return int(row[0]) if row else None


def _platforms(conn: sqlite3.Connection, grp: int) -> list[str]:
    return [str(r[0]) for r in conn.execute("SELECT platform FROM link_members WHERE grp=?", (grp,))]


def _new_group(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(grp), 0) + 1 FROM link_members").fetchone()[0])


def _join(conn: sqlite3.Connection, channel: ChannelRef, grp: int) -> None:
    conn.execute("INSERT INTO link_members(channel, platform, channel_id, space_id, grp) VALUES (?, ?, ?, ?, ?)",
                 (channel.key, channel.platform, channel.id, channel.space_id, grp))


class LinksCog(Cog, LinkService):
    name = "links"
    migrations = MIGRATIONS

    async def setup(self) -> None:
        self.bot.provide(LinkService, self, self.name)
        self.bot.provide(LinkedChannels, self, self.name)

    def _label(self, channel: ChannelRef) -> str:
        caps = self.bot.capabilities(channel.platform)
        return (caps.label if caps and caps.label else channel.platform)

    # --- commands --------------------------------------------------------------------------------

    @command("link", "link this channel with one on another platform: one RSVP list for both",
             Option("code", "the code `link` gave in the other space", required=False, rest=True,
                    max_length=40),
             moderator_only=True)
    async def link(self, ctx: Context, code: str | None) -> None:
        if code is None:
            await self._new_code(ctx)
            return
        normal = _normal(code)
        if len(normal) != CODE_LEN:
            # Not a code's shape: "unknown or used" would send them for a new code when theirs
            # may be fine, only mistyped. Only the code's own characters are said back: what
            # else was typed may be marks or mentions that should not be repeated.
            read = f"{len(normal)}: {normal}" if normal else "none"
            raise Refusal(f"a code has {CODE_LEN} letters or digits, like ABCD-2345, and I read {read}; "
                          f"type it as the other space shows it, or ask for a new one with {ctx.prefix}link there")
        await self._use_code(ctx, normal)

    async def _new_code(self, ctx: Context) -> None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
        expires = ctx.now + CODE_LIFE
        here = ctx.channel
        # Codes are few and short-lived: the expired ones go when a new one is made.
        await self.db.execute("DELETE FROM link_codes WHERE expires_at <= ?", (ctx.now.timestamp(),))
        await self.db.execute(
            "INSERT INTO link_codes(code, channel, platform, channel_id, space_id, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)", (code, here.key, here.platform, here.id, here.space_id,
                                          expires.timestamp()))
        shown = f"{code[:4]}-{code[4:]}"
        lines = [line(f"🔗 To link this channel with one on another platform, a moderator there types "
                      f"link {shown} (valid 10 minutes, once)."),
                 line("Polls and events made in either then appear in both, with one tally and one RSVP list.")]
        # Which platforms are running is not the links feature's to know, so a code for a group
        # that has them all is not refused here; it says what the code can still add.
        linked = await self.linked(here)
        if linked:
            with_ = ", ".join(f"{self._label(c)} channel {c.id}" for c in linked)
            lines.append(line(f"This channel is linked already with {with_}: the code can only add a "
                              "channel on a platform not in that group yet."))
        await ctx.reply(text(*lines), ephemeral=True)

    async def _use_code(self, ctx: Context, code: str) -> None:
        here = ctx.channel
        now = ctx.now.timestamp()

        def unit(conn: sqlite3.Connection) -> ChannelRef | str:
            row = conn.execute("SELECT channel, platform, channel_id, space_id, expires_at, used "
                               "FROM link_codes WHERE code=?", (code,)).fetchone()
            if row is None or row[5]:
                return "that code is unknown or was used already; ask for a new one with link in the other space"
            if row[4] <= now:  # ten minutes to the second: at the tenth it is gone
                return "that code has expired (they last 10 minutes); ask for a new one with link in the other space"
            there = ChannelRef(row[1], row[2], row[3])
            if there.key == here.key:
                return "that code was made in this channel; type it in the channel to link with"
            if there.platform == here.platform:
                return (f"that code was made in another {self._label(there)} channel, and link joins channels on "
                        "two different platforms; type it in a channel on the other platform")
            theirs, mine = _group(conn, there), _group(conn, here)
            if theirs is not None and theirs == mine:
                return "these channels are linked already"
            # One channel per platform in a group: each card's reactions are read back per
            # platform, so two cards on one platform would count each other's people out.
            clash = set(_platforms(conn, theirs) if theirs is not None else {there.platform}) & set(
                _platforms(conn, mine) if mine is not None else {here.platform})
            if clash:
                return (f"that would link two {', '.join(sorted(clash))} channels into one group; a group has "
                        "one channel per platform (unlink one first)")
            conn.execute("UPDATE link_codes SET used=1 WHERE code=?", (code,))
            if theirs is None:
                theirs = mine if mine is not None else _new_group(conn)
                _join(conn, there, theirs)
            if mine is None:
                _join(conn, here, theirs)
            elif mine != theirs:  # two groups become one
                conn.execute("UPDATE link_members SET grp=? WHERE grp=?", (theirs, mine))
            return there

        there = await self.db.write(unit)
        if isinstance(there, str):
            raise Refusal(there)
        await ctx.reply(text(f"🔗 Linked with {self._label(there)} channel {there.id}: polls and events made "
                             "here or there now appear in both, with one tally and one RSVP list."))
        await self._tell(there, text(f"🔗 Linked with {self._label(here)} channel {here.id}: polls and "
                                     "events made here or there now appear in both."))

    @command("unlink", "stop sharing new polls and events with linked channels", moderator_only=True)
    async def unlink(self, ctx: Context) -> None:
        here = ctx.channel
        others = await self.linked(here)
        if not others:
            raise Refusal("this channel is not linked with another, so there is nothing to unlink; "
                          f"to link it, run {ctx.prefix}link here and then {ctx.prefix}link <code> in the other channel")

        def unit(conn: sqlite3.Connection) -> bool:
            # The other side may have unlinked since `others` was read (both moderators at
            # once): then this channel is out already, as asked, and they said so.
            grp = _group(conn, here)
            if grp is None:
                return False
            conn.execute("DELETE FROM link_members WHERE channel=?", (here.key,))
            left = conn.execute("SELECT channel FROM link_members WHERE grp=?", (grp,)).fetchall()
            if len(left) == 1:
                conn.execute("DELETE FROM link_members WHERE grp=?", (grp,))
            return True

        removed = await self.db.write(unit)
        await ctx.reply(text("🔗 Unlinked. New polls and events stay here; those shared before stay where "
                             "they are."))
        for other in others if removed else ():
            await self._tell(other, text(f"🔗 {self._label(here)} channel {here.id} unlinked itself; "
                                         "new polls and events are no longer shared with it."))

    async def _tell(self, channel: ChannelRef, out: Out) -> None:
        """The other side is told when it can be: the link or unlink is done, and said done here,
        so a failure there must not read as this command's (a retry would be refused)."""
        try:
            await self.bot.send(channel, out)
        except Exception as e:  # noqa: BLE001
            log.warning("telling linked channel %s failed: %s", channel.key, e)

    # --- LinkService -----------------------------------------------------------------------------

    async def linked(self, channel: ChannelRef) -> list[ChannelRef]:
        rows = await self._small(
            "SELECT m.platform, m.channel_id, m.space_id FROM link_members m JOIN link_members me "
            "ON me.grp = m.grp WHERE me.channel=? AND m.channel != me.channel ORDER BY m.channel",
            (channel.key,))
        return [_ref(r) for r in rows]

    async def share(self, owner: str, object_id: int, channels: list[ChannelRef]) -> None:
        rows = [(owner, object_id, c.key, c.platform, c.id, c.space_id) for c in channels]
        await self.db.write(lambda c: c.executemany(
            "INSERT OR IGNORE INTO link_shared(owner, object_id, channel, platform, channel_id, space_id)"
            " VALUES (?, ?, ?, ?, ?, ?)", rows))

    async def shared(self, owner: str, object_id: int) -> list[ChannelRef]:
        rows = await self._small(
            "SELECT platform, channel_id, space_id FROM link_shared WHERE owner=? AND object_id=? "
            "ORDER BY channel", (owner, object_id))
        return [_ref(r) for r in rows]

    async def shared_into(self, owner: str, space: SpaceRef) -> list[int]:
        # A channel stored without a space is a space of its own (ChannelRef.space).
        rows = await self.db.fetchall(
            "SELECT object_id FROM link_shared WHERE owner=? AND platform=? AND (space_id=? OR "
            "(space_id='' AND channel_id=?)) ORDER BY object_id", (owner, space.platform, space.id, space.id))
        return [int(r[0]) for r in rows]

    async def _small(self, sql: str, params: tuple[object, ...]) -> list[sqlite3.Row]:
        # Read for every card render and every command on a shared object: a few rows by
        # key, on the loop's thread (bot.storage.Database.read_small).
        return await self.db.read_small(lambda c: c.execute(sql, params).fetchall())
