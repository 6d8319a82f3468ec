"""nio clients for the human test users, and reading what the bot really put in a room."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import nio
from nio import AsyncClient, AsyncClientConfig, MessageDirection

from .synapse import Account

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], *, within: float = 20.0,
                     interval: float = 0.1, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + within
    last: T | None = None
    while True:
        last = await check()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}; last: {last!r}")
        await asyncio.sleep(interval)


@dataclass
class BotMessage:
    """A bot message as a client shows it: the latest edit applied."""

    event_id: str
    original: dict[str, Any]
    content: dict[str, Any]
    edits: int = 0
    reactions: dict[str, list[str]] = field(default_factory=dict)

    @property
    def body(self) -> str:
        return str(self.content.get("body", ""))

    @property
    def html(self) -> str:
        return str(self.content.get("formatted_body", ""))

    def __contains__(self, needle: str) -> bool:
        return needle in self.body


class Human:
    def __init__(self, homeserver: str, account: Account) -> None:
        self.account = account
        self.user_id = account.user_id
        # A rate limit must fail the test loudly, not be slept through.
        self.client = AsyncClient(homeserver, account.user_id, device_id=account.device_id,
                                  config=AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0))
        self.client.access_token = account.access_token
        self.client.user_id = account.user_id

    async def close(self) -> None:
        await self.client.close()

    @staticmethod
    def _ok(resp: T, kind: type) -> T:
        assert isinstance(resp, kind), f"expected {kind.__name__}, got {resp}"
        return resp

    async def create_room(self, *, invite: list[str] = (),  # type: ignore[assignment]
                          name: str = "test room", power: dict[str, int] | None = None) -> str:
        # Room v12 (Synapse's default): the creator outranks everyone and must not be listed.
        override = {"users": dict(power)} if power else None
        resp = await self.client.room_create(name=name, invite=list(invite),
                                             power_level_override=override)
        return self._ok(resp, nio.RoomCreateResponse).room_id

    async def invite(self, room_id: str, user_id: str) -> None:
        self._ok(await self.client.room_invite(room_id, user_id), nio.RoomInviteResponse)

    async def join(self, room_id: str) -> None:
        self._ok(await self.client.join(room_id), nio.JoinResponse)

    async def say(self, room_id: str, text: str, *, msgtype: str = "m.text",
                  extra: dict[str, Any] | None = None) -> str:
        content = {"msgtype": msgtype, "body": text, **(extra or {})}
        resp = await self.client.room_send(room_id, "m.room.message", content)
        return self._ok(resp, nio.RoomSendResponse).event_id

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        resp = await self.client.room_send(room_id, "m.reaction", content)
        return self._ok(resp, nio.RoomSendResponse).event_id

    async def redact(self, room_id: str, event_id: str) -> None:
        self._ok(await self.client.room_redact(room_id, event_id), nio.RoomRedactResponse)

    async def members(self, room_id: str) -> dict[str, str]:
        """user id -> membership, from the room state."""
        resp = await self.client.room_get_state(room_id)
        state = self._ok(resp, nio.RoomGetStateResponse).events
        return {e["state_key"]: e["content"].get("membership", "") for e in state
                if e.get("type") == "m.room.member"}

    async def raw_events(self, room_id: str, limit: int = 500) -> list[dict[str, Any]]:
        """The room's timeline as raw events, oldest first."""
        out: list[dict[str, Any]] = []
        token: str | None = None
        while len(out) < limit:
            resp = await self.client.room_messages(room_id, start=token,
                                                   direction=MessageDirection.back, limit=100)
            resp = self._ok(resp, nio.RoomMessagesResponse)
            out.extend(ev.source for ev in resp.chunk)
            if not resp.chunk or not resp.end or resp.end == token:
                break
            token = resp.end
        out.reverse()
        return out

    async def bot_messages(self, room_id: str, bot_id: str) -> list[BotMessage]:
        events = await self.raw_events(room_id)
        by_id: dict[str, BotMessage] = {}
        order: list[BotMessage] = []
        for ev in events:
            content = ev.get("content") or {}
            rel = content.get("m.relates_to")
            rel = rel if isinstance(rel, dict) else {}
            if ev.get("type") == "m.reaction" and rel.get("rel_type") == "m.annotation":
                target = by_id.get(rel.get("event_id", ""))
                if target is not None:  # anyone's reaction on a bot message
                    target.reactions.setdefault(rel["key"], []).append(ev["sender"])
                continue
            if ev.get("sender") != bot_id:
                continue
            if ev.get("type") == "m.room.message" and rel.get("rel_type") == "m.replace":
                target = by_id.get(rel.get("event_id", ""))
                if target is not None:
                    target.content = content["m.new_content"]
                    target.edits += 1
            elif ev.get("type") == "m.room.message":
                msg = BotMessage(ev["event_id"], ev, content)
                by_id[msg.event_id] = msg
                order.append(msg)
        return order

    async def wait_bot_message(self, room_id: str, bot_id: str, needle: str, *,
                               after: int = 0, within: float = 20.0) -> BotMessage:
        """The first bot message (from index `after`) whose current body contains `needle`."""

        async def check() -> BotMessage | None:
            msgs = await self.bot_messages(room_id, bot_id)
            return next((m for m in msgs[after:] if needle in m.body), None)

        return await eventually(check, within=within, what=f"a bot message with {needle!r}")
