"""Driving the real bot with the real Matrix adapter in tests."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.matrix import MatrixAdapter, MatrixConfig
from bot.app import Bot, build_bot
from bot.clock import Clock

from .clients import BotMessage, Human, eventually
from .synapse import Account, Synapse


class HumanFactory:
    def __init__(self, synapse: Synapse) -> None:
        self.synapse = synapse
        self.made: list[Human] = []

    def __call__(self, name: str | None = None) -> Human:
        h = Human(self.synapse.url, self.synapse.register(_unique(name)))
        self.made.append(h)
        return h


_counter = 0


def _unique(name: str | None) -> str:
    global _counter
    _counter += 1
    return f"{name or 'user'}{_counter}"


class BotRunner:
    """The real bot with the real adapter; `restart()` keeps the database and the device."""

    def __init__(self, synapse: Synapse, db_path: Path | str, monkeypatch: pytest.MonkeyPatch,
                 key_store: Path | None = None) -> None:
        self.synapse = synapse
        self.db_path = db_path  # a file, or a PostgreSQL URL (then keys go in `key_store`)
        self.key_store = key_store
        self.monkeypatch = monkeypatch
        self.account: Account = synapse.register(_unique("logoff"))
        self.bot: Bot | None = None
        self.adapter: MatrixAdapter | None = None
        self.clock: Clock | None = None
        self.extensions: Sequence[str] | None = None
        self.use_password = False

    @property
    def user_id(self) -> str:
        return self.account.user_id

    def config(self) -> MatrixConfig:
        env = f"LOGOFF_TEST_SECRET_{os.getpid()}"
        if self.use_password:
            self.monkeypatch.setenv(env, self.account.password)
            return MatrixConfig(self.synapse.url, self.account.user_id, password_env=env,
                                device_id="LOGOFFTEST", key_store=self._keys())
        self.monkeypatch.setenv(env, self.account.access_token)
        return MatrixConfig(self.synapse.url, self.account.user_id, access_token_env=env,
                            key_store=self._keys())

    def _keys(self) -> str | None:
        return str(self.key_store) if self.key_store is not None else None

    async def start(self, *, clock: Clock | None = None,
                    extensions: Sequence[str] | None = None) -> tuple[Bot, MatrixAdapter]:
        self.clock = clock or self.clock
        self.extensions = extensions or self.extensions
        bot = await build_bot(str(self.db_path), clock=self.clock, extensions=self.extensions)
        # Short long-polls keep stop() quick; the product default is 30 s.
        adapter = MatrixAdapter(self.config(), sync_timeout_ms=5_000)
        bot.add_adapter(adapter)
        await bot.start()
        self.bot, self.adapter = bot, adapter
        return bot, adapter

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
        self.bot = self.adapter = None

    async def restart(self) -> tuple[Bot, MatrixAdapter]:
        await self.stop()
        return await self.start()

    async def idle(self) -> None:
        assert self.bot is not None
        await self.bot.cards.idle()

    async def join(self, owner: Human, **room: object) -> str:
        """A room `owner` creates with the bot invited; returns once the bot has joined."""
        room_id = await owner.create_room(invite=[self.user_id], **room)  # type: ignore[arg-type]

        async def joined() -> bool:
            return (await owner.members(room_id)).get(self.user_id) == "join"

        await eventually(joined, what=f"{self.user_id} to join {room_id}")
        return room_id


async def room_with(runner: BotRunner, owner: Human, *others: Human) -> str:
    """A room `owner` made, the bot and `others` in it."""
    room = await runner.join(owner)
    for h in others:
        await owner.invite(room, h.user_id)
        await h.join(room)
    return room


async def card_now(owner: Human, room: str, bot_id: str, event_id: str) -> BotMessage:
    msgs = await owner.bot_messages(room, bot_id)
    return next(m for m in msgs if m.event_id == event_id)


async def until_card(owner: Human, room: str, runner: BotRunner, event_id: str,
                     *patterns: str) -> BotMessage:
    """The card once every regex in `patterns` matches its current plain body."""

    async def check() -> BotMessage | None:
        card = await card_now(owner, room, runner.user_id, event_id)
        return card if all(re.search(p, card.body, re.M) for p in patterns) else None

    try:
        return await eventually(check, within=25, what=f"card to match {patterns}")
    except AssertionError:
        card = await card_now(owner, room, runner.user_id, event_id)
        raise AssertionError(f"card never matched {patterns}:\n{card.body}") from None


async def dm_reminder_due(runner: BotRunner, room: str, creator: Human, attendee: Human) -> None:
    """`attendee` takes reminders by DM and says ✅ to "Board games" (#1), which `creator`
    makes in `room` to start in 3 hours; the bot's clock (a ManualClock) then moves on to the
    event's 1-hour reminder."""
    assert runner.bot is not None
    await attendee.say(room, "!notify dm")
    await attendee.wait_bot_message(room, runner.user_id, "direct message")
    await creator.say(room, '!event create "Board games" when="in 3 hours"')
    card = await creator.wait_bot_message(room, runner.user_id, "#1")
    await attendee.react(room, card.event_id, "✅")
    await until_card(creator, room, runner, card.event_id, r"Going \(1\)")
    await runner.bot.scheduler.advance(timedelta(hours=2, minutes=1))
