"""`logoff try`: a terminal chat with the whole bot behind it.

It is the FakeAdapter with a printer and a line reader. Time is a manual clock:
`:wait 2h` fires whatever falls due in between, each at its own time.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.adapter import AdapterHost, Capabilities
from bot.testing import FakeAdapter, Sent
from bot.timeparse import TimeParseError, parse_duration

HELP = """Type !help for the commands. Console commands:
  :as <name> [mod]           become user <name> (a moderator with mod)
  :react <msg> <emoji>       react to a bot message (<msg> is m3 or last)
  :unreact <msg> <emoji>     take a reaction back
  :wait <duration>           advance the clock, e.g. :wait 2h
  :quit                      leave"""


class ConsoleAdapter(FakeAdapter):
    def __init__(self, out: TextIO | None = None) -> None:
        super().__init__("console", space="local", channel="general",
                         capabilities=Capabilities(buttons=False, ephemeral=False, edits_per_window=0))
        self.out = out or sys.stdout
        self.current = self.user("you")

    def on_output(self, sent: Sent, *, edited: bool = False) -> None:
        who = f" to {sent.to_user.display}" if sent.to_user else ""
        mark = " (edited)" if edited else ""
        lines = sent.text.splitlines() or [""]
        self.out.write(f"[{sent.id}] logoff{who}{mark}: {lines[0]}\n")
        for ln in lines[1:]:
            self.out.write(f"      {ln}\n")
        seeded = [e for e, users in self.reactions.get(sent.id, {}).items() if self.me in users]
        if seeded and not edited:
            self.out.write(f"      reactions: {' '.join(seeded)}\n")
        self.out.flush()

    def note(self, text: str) -> None:
        self.out.write(f"* {text}\n")
        self.out.flush()

    async def handle_line(self, line: str) -> bool:
        """One line of input; False means quit."""
        assert self.bot is not None
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return await self._console_command(line)
        if line.startswith((self.bot.prefix, "/")):
            text = line[len(self.bot.prefix):] if line.startswith(self.bot.prefix) else line[1:]
            await self.invoke(text, self.current)
            return True
        await self.say(line, self.current)
        return True

    async def _console_command(self, line: str) -> bool:
        assert self.bot is not None
        cmd, _, rest = line[1:].partition(" ")
        args = rest.split()
        cmd = cmd.lower()
        if cmd in ("quit", "q", "exit"):
            return False
        if cmd == "as" and args:
            mod = len(args) > 1 and args[1].lower() == "mod"
            self.current = self.user(args[0][:40], mod=mod)
            self.note(f"you are now {self.current.display}{' (moderator)' if mod else ''}")
        elif cmd in ("react", "unreact") and len(args) == 2:
            try:
                ref = self._ref(args[0])
            except (KeyError, LookupError):
                self.note(f"⚠️ there is no message {args[0]}; use an id like m3, or last")
                return True
            await self.react(ref, args[1], self.current, added=cmd == "react")
        elif cmd == "wait" and args:
            try:
                delta = parse_duration(" ".join(args))
            except TimeParseError as e:
                self.note(f"⚠️ {e}")
                return True
            await self.bot.advance(delta)
            self.note(f"it is now {self.bot.clock.now():%a %d %b %Y %H:%M} UTC")
        elif cmd == "help":
            self.note(HELP)
        else:
            self.note("⚠️ unknown console command; try :help")
        return True


async def run_console(bot: AdapterHost, adapter: ConsoleAdapter, stream: TextIO | None = None,
                      prompt: Callable[[], None] | None = None) -> None:
    """Read lines until end of input (or :quit)."""
    stream = stream or sys.stdin
    loop = asyncio.get_running_loop()
    while True:
        if prompt:
            prompt()
        line = await loop.run_in_executor(None, stream.readline)
        if not line:
            break
        try:
            if not await adapter.handle_line(line):
                break
        except Exception as e:  # the console never dies on one bad line
            adapter.note(f"⚠️ that failed: {e}")
