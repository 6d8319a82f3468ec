"""One community on Discord and Matrix, seen from the platforms' side: a channel on the fake
Discord (tests/discord_fake) and a room on a real Synapse (tests/matrix_harness), the people
in each, and the bot with both real adapters, in this process (`start_bot`) or as
`python -m bot.cli run` in a process of its own that can be killed with SIGKILL (`CliBot`).
Everything a test asserts is read from the platforms: the fake's messages, nonces and
reactions; the room's events as a member sees them."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nio

from adapters.discord import DiscordAdapter, DiscordConfig
from adapters.matrix import MatrixAdapter, MatrixConfig
from bot.app import Bot, build_bot
from bot.clock import Clock
from tests.discord_fake import MANAGE_GUILD, FakeDiscord, InteractionResult, message_text
from tests.matrix_harness import BotMessage, Human, HumanFactory, Synapse, eventually
from tests.matrix_harness.synapse import Account

REPO = Path(__file__).resolve().parents[3]
DISCORD_TOKEN_ENV = "LOGOFF_TEST_LINKED_DISCORD_TOKEN"
MATRIX_TOKEN_ENV = "LOGOFF_TEST_LINKED_MATRIX_TOKEN"
EXTENSIONS = ("cogs.admin", "cogs.links", "cogs.polls", "cogs.events")
JSON = dict[str, Any]
_BOTS = itertools.count()  # one Matrix account per bot in a test session


async def until_text(read: Any, what: str, patterns: tuple[str, ...], within: float) -> str:
    """`await read()` once every regex in `patterns` matches it (multi-line)."""

    async def check() -> str:  # "" until it matches
        body: str = await read()
        return body if all(re.search(p, body, re.M) for p in patterns) else ""

    try:
        return await eventually(check, within=within, interval=0.05, what=what)
    except AssertionError:
        raise AssertionError(f"{what} never matched {patterns}:\n{await read()}") from None


@dataclass
class DiscordSide:
    """A server with one channel on the fake Discord; `users` by name ("mod" has Manage Server)."""

    fake: FakeDiscord
    guild: int
    channel: int
    users: dict[str, int] = field(default_factory=dict)

    @classmethod
    async def open(cls, *names: str) -> DiscordSide:
        fake = FakeDiscord(token=f"linked-{os.getpid()}")
        await fake.start()
        guild = fake.add_guild("Hikers")
        side = cls(fake, guild, fake.add_channel(guild, "general"))
        mods = fake.add_role(guild, "mods", MANAGE_GUILD)
        side.users["mod"] = fake.add_member(guild, "mod", roles=[mods])
        for name in names:
            side.users[name] = fake.add_member(guild, name)
        return side

    def config(self) -> DiscordConfig:
        return DiscordConfig(token_env=DISCORD_TOKEN_ENV, api_base=self.fake.api_base,
                             gateway_url=self.fake.gateway_url)

    @property
    def key(self) -> str:
        return f"discord:{self.channel}"

    def posts(self, needle: str = "") -> list[JSON]:
        """The bot's visible messages in the channel whose text has `needle`, oldest first."""
        return [m for m in self.fake.channel_messages(self.channel) if needle in message_text(m)]

    def card(self, needle: str) -> int:
        [msg] = self.posts(needle)
        return int(msg["id"])

    def text(self, message_id: int) -> str:
        return message_text(self.fake.messages[message_id])

    async def until(self, message_id: int, *patterns: str, within: float = 20) -> str:
        async def read() -> str:
            return self.text(message_id)

        return await until_text(read, f"Discord message {message_id}", patterns, within)

    def react(self, name: str, message_id: int, emoji: str, *, added: bool = True) -> None:
        """A member reacts (or takes it back); the gateway event goes out if the bot is connected."""
        act = self.fake.add_reaction if added else self.fake.remove_reaction
        assert act(message_id, emoji, self.users[name]), f"{name} {emoji} on {message_id}: no change"

    async def slash(self, name: str, command: str, options: JSON | None = None) -> InteractionResult:
        return await self.fake.send_interaction(command, options or {}, user=self.users[name],
                                                channel=self.channel, wait_s=10)


@dataclass
class MatrixSide:
    """A room on Synapse made by its first human; "mod" has power level 50 there."""

    synapse: Synapse
    account: Account  # the bot's
    humans: dict[str, Human]
    room: str = ""
    reactions: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @classmethod
    def open(cls, synapse: Synapse, factory: HumanFactory, *names: str) -> MatrixSide:
        account = synapse.register(f"logofflinked{os.getpid()}x{next(_BOTS)}")
        return cls(synapse, account, {n: factory(n) for n in ("mod", *names)})

    def config(self) -> MatrixConfig:
        return MatrixConfig(self.synapse.url, self.account.user_id, access_token_env=MATRIX_TOKEN_ENV)

    @property
    def bot_id(self) -> str:
        return self.account.user_id

    @property
    def key(self) -> str:
        return f"matrix:{self.room}"

    @property
    def reader(self) -> Human:
        return next(iter(self.humans.values()))

    async def make_room(self) -> None:
        """Made by the first human other than "mod", with the bot and everyone invited; returns
        once all have joined. The bot joins by itself, so it must be running."""
        owner = next(h for n, h in self.humans.items() if n != "mod")
        others = [h for h in self.humans.values() if h is not owner]
        self.room = await owner.create_room(invite=[self.bot_id, *(h.user_id for h in others)],
                                            name="Hikers", power={self.humans["mod"].user_id: 50})
        for h in others:
            await h.join(self.room)

        async def joined() -> bool:
            return (await owner.members(self.room)).get(self.bot_id) == "join"

        await eventually(joined, within=30, what="the bot to join the room")

    async def say(self, name: str, line: str) -> None:
        await self.humans[name].say(self.room, line)

    async def messages(self) -> list[BotMessage]:
        return await self.reader.bot_messages(self.room, self.bot_id)

    async def posts(self, needle: str = "") -> list[BotMessage]:
        return [m for m in await self.messages() if needle in m.body]

    async def card(self, needle: str, within: float = 20) -> str:
        async def find() -> list[BotMessage]:
            return await self.posts(needle)

        try:
            [msg] = await eventually(find, within=within, what=f"a bot message with {needle!r}")
        except AssertionError:
            said = "\n".join(m.body for m in await self.messages())
            raise AssertionError(f"no bot message with {needle!r} in the room; the bot said:\n{said}") from None
        return msg.event_id

    async def text(self, event_id: str) -> str:
        msg = next(m for m in await self.messages() if m.event_id == event_id)
        return msg.body.replace("\u200b", "")

    async def until(self, event_id: str, *patterns: str, within: float = 25) -> str:
        return await until_text(lambda: self.text(event_id), f"Matrix event {event_id}", patterns, within)

    async def react(self, name: str, event_id: str, key: str) -> None:
        self.reactions[(name, event_id, key)] = await self.humans[name].react(self.room, event_id, key)

    async def unreact(self, name: str, event_id: str, key: str) -> None:
        await self.humans[name].redact(self.room, self.reactions.pop((name, event_id, key)))

    async def own_events(self) -> list[JSON]:
        """The room's events as the bot's own device reads them: with `unsigned.transaction_id`
        on what that device sent (Synapse shows a txn id only to the device that used it)."""
        client = nio.AsyncClient(self.synapse.url, self.bot_id, device_id=self.account.device_id)
        client.access_token, client.user_id = self.account.access_token, self.bot_id
        try:
            out: list[JSON] = []
            token: str | None = None
            while True:
                resp = await client.room_messages(self.room, start=token, limit=100,
                                                  direction=nio.MessageDirection.back)
                assert isinstance(resp, nio.RoomMessagesResponse), resp
                out.extend(ev.source for ev in resp.chunk)
                if not resp.chunk or not resp.end or resp.end == token:
                    return out[::-1]
                token = resp.end
        finally:
            await client.close()


async def start_bot(db: Path, clock: Clock, discord: DiscordSide, matrix: MatrixSide) -> Bot:
    """The bot with both real adapters in this process (the env vars must hold the tokens)."""
    bot = await build_bot(str(db), clock=clock, extensions=EXTENSIONS)
    bot.add_adapter(DiscordAdapter(discord.config(), guild_ready_timeout=0.05, ready_timeout=10,
                                   identify_interval=0.0))
    bot.add_adapter(MatrixAdapter(matrix.config(), sync_timeout_ms=5_000))
    try:
        await bot.start()
    except BaseException:
        await bot.stop()
        raise
    return bot


class CliBot:
    """`python -m bot.cli run --config <file>` with [discord] and [matrix] on the same database,
    its log in a file; started and SIGKILLed by its pid only."""

    RUNNING = "logoff is running on"

    def __init__(self, folder: Path, db: Path, discord: DiscordSide, matrix: MatrixSide) -> None:
        self.config = folder / "logoff.toml"
        self.log = folder / "logoff.log"
        self.config.write_text(
            f'[bot]\ndatabase = "{db}"\n\n'
            f'[discord]\ntoken_env = "{DISCORD_TOKEN_ENV}"\napi_base = "{discord.fake.api_base}"\n'
            f'gateway_url = "{discord.fake.gateway_url}"\n\n'
            f'[matrix]\nhomeserver = "{matrix.synapse.url}"\nuser_id = "{matrix.bot_id}"\n'
            f'access_token_env = "{MATRIX_TOKEN_ENV}"\n')
        self.env = {**os.environ, DISCORD_TOKEN_ENV: discord.fake.token,
                    MATRIX_TOKEN_ENV: matrix.account.access_token}
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def _spawn(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--config", str(self.config)],
                                         cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        self.starts += 1

    async def start(self, within: float = 60) -> None:
        """Start it and wait until it says it is running on both platforms."""
        self._spawn()

        async def running() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode}:\n{self._log_text()[-3000:]}")
            return self._log_text().count(self.RUNNING) >= self.starts

        await eventually(running, within=within, what="the bot to say it is running")

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def problems(self) -> list[str]:
        """ERROR lines and tracebacks in its log."""
        return [ln for ln in self._log_text().splitlines() if " ERROR " in ln or "Traceback" in ln]


async def settle(seconds: float = 0.3) -> None:
    """Let events already sent reach the bot (a gateway frame, a /sync) before looking."""
    await asyncio.sleep(seconds)
