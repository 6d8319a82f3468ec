"""`logoff try`: a terminal chat with the whole bot behind it.

It is the FakeAdapter with a printer and a line reader. Time is a manual clock:
`:wait 2h` fires whatever falls due in between, each at its own time. What a platform
would keep (ids, reactions, the time) is kept in the bot's database (store.py), so a run
with `--db` goes on from the one before. `:react last ✅` names the latest card that offers
✅ (a notice or a poll's results may have come after it), `:unreact last ✅` the latest
message you reacted ✅ to; `last` passes over replies only their asker would see
(reacting.py).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.adapter import AdapterHost, Capabilities
from bot.bidi import isolate
from bot.clock import ManualClock
from bot.model import ChannelRef, MessageRef, UserRef
from bot.render import Attachment, Card, Out, text
from bot.testing import FakeAdapter, Sent
from bot.textkeys import look_key
from bot.timeparse import TimeParseError, format_time, parse_duration

from .names import _cut, who
from .reacting import note_card, react_line
from .store import ConsoleStore
from .terminal import Reader, Screen, signals_wake

HELP = """Type !help for the bot's commands. Console commands:
  :as <name> [mod]           become user <name> (a moderator with mod); a name with spaces
                             goes in quotes: :as "Bob Smith"
  :react <msg> <emoji>       react to a card (<msg> is an id like m3, or last: the latest card
                             that offers that emoji); <emoji> may be ✅, 1 to 10,
                             :white_check_mark:, :thinking:, :x:, :round_pushpin: (📍: I'm here,
                             once check-in opens)
  :unreact <msg> <emoji>     take a reaction back (last: the latest message you reacted it to)
  :wait <duration>           move the clock on, e.g. :wait 2h (what falls due happens on time)
  :help                      this list
  :quit                      leave (so does Ctrl-C, or the end of input)"""


# How far `:wait` goes: short of the last date Python keeps (31 Dec 9999) by more than the bot
# works out ahead of now (a series' occurrences run years on), so nothing it does then overflows.
LATEST = datetime(9990, 1, 1, tzinfo=UTC)
LONGEST_WAIT = 40  # characters: no length of time anyone types is longer

# Only these words: any other text is chat (PRODUCT.md), a smiley like ":D" or ":P" included.
CONSOLE_COMMAND = re.compile(r":(?:as|react|unreact|wait|help|quit|q|exit)(?:\s|$)", re.IGNORECASE)


class ConsoleAdapter(FakeAdapter):
    def __init__(self, out: TextIO | None = None, files: Path | None = None) -> None:
        super().__init__("console", space="local", channel="general",
                         capabilities=Capabilities(buttons=False, ephemeral=False, edits_per_window=0,
                                                                   direct_messages=True))
        self.out = out or sys.stdout
        self.screen = Screen(self.out)
        self.files_dir = files  # where files the bot sends are written (made on first use)
        self.current = self.user("you")
        self._added: dict[str, list[str]] = {}  # reactions an edit of a card added (📍 once check-in opens)
        self._store: ConsoleStore | None = None  # set at start: the database is the bot's
        self._kept: datetime | None = None  # the time last kept in it
        self.were_cards: set[str] = set()  # messages the bot ever put a reaction on, kept once it took them off

    async def start(self) -> None:
        """Carry on from earlier runs on the same database (`--db`): ids go on after theirs,
        their messages and reactions are there to react to and to edit, and the clock does
        not go back. Before the core reconciles its cards with what is here."""
        assert self.bot is not None
        self._store = ConsoleStore(self.bot.db, self.platform)
        earlier = await self._store.load()
        for ref, ephemeral in earlier.messages:  # in the order they were sent, so `last` is the latest
            sent = Sent(ref, text(), "", ephemeral=ephemeral)  # its text was printed then
            self.messages[ref.id] = sent
            self.log.append(sent)
        self.reactions.update(earlier.reactions)
        self.were_cards.update(earlier.cards)
        for key, message_id in earlier.keys.items():  # a scheduled post re-sent after a crash
            if message_id in self.messages:
                self.by_key[key] = self.messages[message_id]
        self._ids = itertools.count(earlier.last_number + 1)
        clock = self.bot.clock
        if earlier.now is not None and isinstance(clock, ManualClock):
            clock.set(earlier.now)  # only ever forward
            self._kept = earlier.now
        # Kept now, not only at a `:wait` or a stop: what this run prints is at this time, and
        # a kill before either must not let a next run (its computer's clock behind) go back.
        await self._keep_time(clock.now())
        await super().start()

    async def stop(self) -> None:
        if self.bot is not None:
            await self._keep_time(self.bot.clock.now())
        await super().stop()

    async def _keep_time(self, now: datetime) -> None:
        # Kept as each step of a `:wait` begins, before a job due then prints anything: a
        # kill halfway leaves the next run's clock no earlier than a line already shown.
        if self._store is not None and (self._kept is None or now > self._kept):
            await self._store.clock(now)
            self._kept = now

    async def on_recorded(self, sent: Sent) -> None:
        note_card(self, sent.id)
        # Kept before it is printed, since a printed line cannot be taken back: a crash
        # before the job that sent it is marked done re-sends it with the same key, which
        # finds it here (the next run's `by_key`) instead of printing it again. A terminal
        # cannot be asked what it showed, so a kill between this commit and the print loses
        # that one line: never twice, as a platform with a message nonce.
        if self._store is not None:
            await self._store.message(sent.ref, _number(sent.id), bot=True, key=sent.key,
                                      reactions=self.reactions.get(sent.id), ephemeral=sent.ephemeral)

    async def on_reactions_changed(self, message_id: str) -> None:
        note_card(self, message_id)
        if self._store is not None:
            await self._store.reactions(message_id, self.reactions.get(message_id, {}))

    def on_output(self, sent: Sent, *, edited: bool = False) -> None:
        who = f" to {sent.to_user.display}" if sent.to_user else ""
        mark = " (edited)" if edited else ""
        lines = sent.text.splitlines() or [""]
        if isinstance(sent.out, Attachment) and not edited:
            lines.extend(sent.out.alt.splitlines())  # a chart as text, beside the image file
            lines.append(f"saved to {self._save(sent.out)}")
        self._write(f"[{sent.id}] logoff{who}{mark}: {lines[0]}")
        for ln in lines[1:]:
            self._write(f"      {ln}")
        seeded = [e for e, users in self.reactions.get(sent.id, {}).items() if self.me in users]
        if seeded and not edited:
            self._write(f"      reactions: {' '.join(seeded)}")
        added = self._added.pop(sent.id, []) if edited else []
        if added:
            self._write(f"      reactions: + {' '.join(added)}")
        self._flush()

    def _write(self, line: str) -> None:
        self.screen.line(line)

    def _flush(self) -> None:
        self.screen.flush()

    async def edit(self, message: MessageRef, out: Out) -> None:
        """As a platform does: a reaction the edited card asks for that is not there yet is added."""
        # Kept per message: the live-card editor edits several cards at once (an event's card
        # and a copy `event show` posted), and each edit says what it added to its own card.
        if isinstance(out, Card) and not self.messages[message.id].deleted:
            mine = self.reactions.setdefault(message.id, {})
            added = [e for e in out.reactions if self.me not in mine.get(e, [])]
            for emoji in added:
                mine.setdefault(emoji, []).append(self.me)
            if added:
                self._added[message.id] = added
                await self.on_reactions_changed(message.id)
        try:
            await super().edit(message, out)
        finally:
            self._added.pop(message.id, None)

    async def take_back_own_reaction(self, message: MessageRef, emoji: str) -> None:
        had = self.me in self.reactions.get(message.id, {}).get(emoji, [])
        await super().take_back_own_reaction(message, emoji)
        if had:  # as an edit's added ones are shown, under the card's number
            self._write(f"[{message.id}] reactions: - {emoji}")
            self._flush()

    def _save(self, att: Attachment) -> Path:
        if self.files_dir is None:
            self.files_dir = Path(tempfile.mkdtemp(prefix="logoff-files-"))
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(att.filename).name
        path.write_bytes(att.data)
        return path

    def note(self, text: str) -> None:
        for i, ln in enumerate(text.split("\n")):
            self._write(ln if i else f"* {ln}")
        self._flush()


    async def handle_line(self, line: str) -> bool:
        """One line of input; False means quit."""
        assert self.bot is not None
        line = line.strip()
        if not line:
            return True
        # A console command is one of its words after the colon; ":)", ":D" or ":tada: we did
        # it" is chat like any other text.
        if CONSOLE_COMMAND.match(line):
            return await self._console_command(line)
        if line.startswith((self.bot.prefix, "/")):
            text = line[len(self.bot.prefix):] if line.startswith(self.bot.prefix) else line[1:]
            await self.invoke(text, self.current)
            return True
        await self.say(line, self.current)
        return True

    async def on_said(self, message_id: str, user: UserRef, channel: ChannelRef, text: str) -> None:
        # Its id is kept before it is printed or handled: a kill while the bot handles it would
        # otherwise let the next run hand the same id to another message. Printed before the
        # bot hears of it, so a reply to it shows below it.
        if self._store is not None:
            await self._store.message(MessageRef(self.platform, channel.id, message_id, channel.space_id),
                                      _number(message_id), bot=False)
        self._write(f"[{message_id}] {isolate(user.display)}: {text}")
        self._flush()

    def _become(self, rest: str) -> None:
        """`:as <name> [mod]`; a name with spaces is quoted, as in a command."""
        try:
            name, mod = who(rest)
        except ValueError as e:
            self.note(f"⚠️ {e}")
            return
        # A person under the bot's name would be taken for the bot, in any letters that look
        # like it (Ｌogoff in fullwidth, a zero-width space inside).
        if look_key(name) == look_key(self.me.display):
            self.note(f"⚠️ {name} is, or looks like, the bot's name ({self.me.display}); pick another, e.g. :as bob")
            return
        self.current = self.user(name, mod=mod)
        self.note(f"you are now {isolate(self.current.display)}{' (moderator)' if mod else ''}")

    async def _console_command(self, line: str) -> bool:
        assert self.bot is not None
        typed_cmd, rest = (line[1:].split(None, 1) + [""])[:2]
        args = rest.split()
        cmd = typed_cmd.lower()
        if cmd in ("quit", "q", "exit"):
            return False
        if cmd == "as":
            self._become(rest)
        elif cmd in ("react", "unreact") and len(args) == 2:
            await react_line(self, cmd, args)
        elif cmd == "wait" and args:
            if len(rest) > LONGEST_WAIT:  # its refusal would quote it all back
                self.note(f"⚠️ {_cut(rest)} is too long for a length of time; type one like 2h, 3d or 1h30m")
                return True
            try:
                delta = parse_duration(" ".join(args))
            except TimeParseError as e:
                self.note(f"⚠️ {e}")
                return True
            now = self.bot.clock.now()
            if delta > LATEST - now:
                tz = await self.bot.timezone(self.channel.space)
                self.note(f"⚠️ {_cut(' '.join(args))} is too far: the console's clock goes no further than "
                          f"{format_time(LATEST, tz)}, {(LATEST - now).days} days from now; wait less")
                return True
            await self.bot.advance(delta, self._keep_time)
            tz = await self.bot.timezone(self.channel.space)
            self.note(f"it is now {format_time(self.bot.clock.now(), tz)}")
        elif cmd == "help":
            self.note(HELP)
        else:
            self.note(f"⚠️ {_usage(cmd, args)}")
        return True


def _number(message_id: str) -> int:
    """The count in an id the adapter handed out (m12, u13)."""
    return int(message_id[1:])


def _usage(cmd: str, args: list[str]) -> str:
    """What was wrong with a console command the loop above did not take."""
    if cmd in ("react", "unreact"):
        got = f"got {len(args)} word{'s' if len(args) != 1 else ''}" + (f" ({_cut(' '.join(args))})" if args else "")
        return f":{cmd} takes a message and an emoji, e.g. :{cmd} m3 ✅ or :{cmd} last 2; {got}"
    return "how long? e.g. :wait 2h or :wait 3d"


async def run_console(bot: AdapterHost, adapter: ConsoleAdapter, stream: TextIO | None = None,
                      prompt: Callable[[], str] | None = None) -> None:
    """Read lines until end of input (or :quit)."""
    loop = asyncio.get_running_loop()
    reader = Reader(loop, stream or sys.stdin, prompt)
    try:
        with signals_wake(loop):
            while not adapter.screen.gone and (line := await reader.lines.get()) is not None:
                try:
                    if not await adapter.handle_line(line):
                        break
                except Exception as e:  # the console never dies on one bad line
                    adapter.note(f"⚠️ that failed: {e}")
                if adapter.screen.gone:  # `logoff try | head`: the reader has left
                    break
                reader.ready()
    finally:
        reader.close()
