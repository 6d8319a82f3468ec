"""A platform that lives in files, so the process talking to it can be SIGKILLed.

`FilePlatformAdapter` is the FakeAdapter with its state made durable (every record is
flushed and fsynced before the call returns, like a platform acknowledging a request):

- `messages.jsonl`: every send attempt, `created` or absorbed by its idempotency key. Keys the
  platform has seen are read back at start, so a re-send after a crash de-duplicates the way
  Discord's message nonce and Matrix's txn_id do.
- `reactions.jsonl`: the platform's truth of reactions (one line per add/remove). It is
  written *before* the bot is told, as on a real platform; `fetch_reactions` reads it, so
  reconciliation at start sees what happened while the bot was down.
- `acks.jsonl`: an RSVP reaction is acknowledged here only after the bot's handler returned,
  i.e. after its `db.write` committed.

Used by the crash and shutdown workers (`crash_worker.py`), and by `logoff run` through
`AS_PLATFORM` (the worker puts it in the registry in place of the [discord] one).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from adapters.discord import config as discord_config
from bot.adapter import Capabilities, Platform
from bot.model import ChannelRef, MessageRef, ReactionChanged, UserRef
from bot.render import Out, Text
from bot.testing import FakeAdapter, Sent

PLATFORM = "file"
RSVP_EMOJI = ("✅", "🤔", "❌")
NOISE_EMOJI = "👍"  # not an RSVP: must change nothing


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Whole records only: a line torn by a kill is not a record."""
    if not path.exists():
        return []
    out = []
    data = path.read_bytes()  # bytes: a reader may catch a writer mid-character
    for ln in data[: data.rfind(b"\n") + 1].splitlines():
        try:
            out.append(json.loads(ln.decode("utf-8")))
        except ValueError:  # UnicodeDecodeError included
            continue
    return out


def _heal(path: Path) -> None:
    """Drop a torn last line, so the next append starts on a fresh line."""
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


class DurableLog:
    def __init__(self, path: Path) -> None:
        _heal(path)
        self.path = path
        self.fh: TextIO = open(path, "a", encoding="utf-8")  # noqa: SIM115 - lives with the adapter

    def append(self, record: Mapping[str, Any]) -> None:
        self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        self.fh.close()


@dataclass
class Storm:
    users: int = 300
    tasks: int = 40
    ops: int = 0  # 0: until stopped
    seed: int = 0


class FilePlatformAdapter(FakeAdapter):
    def __init__(self, root: str | Path, *, run: str = "r", capabilities: Capabilities | None = None,
                 storm: Storm | None = None) -> None:
        super().__init__(PLATFORM, space="s1", channel="general", capabilities=capabilities)
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.run = run
        self.storm_plan = storm
        self._storm_tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self.acked = 0
        # Load the platform's state: messages (and the keys it has seen), reactions.
        top = 0
        for rec in read_jsonl(self.root / "messages.jsonl"):
            top = max(top, int(rec["id"][1:]))
            if rec["created"]:
                ref = MessageRef(PLATFORM, rec["channel"], rec["id"], "s1")
                sent = Sent(ref, Text(((rec["text"],),)), rec["text"], rec["key"])
                self.messages[ref.id] = sent
                if rec["key"]:
                    self.by_key[rec["key"]] = sent
        self._ids = itertools.count(top + 1)
        for rec in read_jsonl(self.root / "reactions.jsonl"):
            self._apply_truth(rec)
        self.sent_log = DurableLog(self.root / "messages.jsonl")
        self.truth_log = DurableLog(self.root / "reactions.jsonl")
        self.ack_log = DurableLog(self.root / "acks.jsonl")

    # --- the platform's durable records ------------------------------------------------------

    def _apply_truth(self, rec: Mapping[str, Any]) -> None:
        user = UserRef(PLATFORM, rec["user"], rec.get("name", ""), bool(rec.get("bot", False)))
        users = self.reactions.setdefault(rec["msg"], {}).setdefault(rec["emoji"], [])
        if rec["added"] and user not in users:
            users.append(user)
        elif not rec["added"] and user in users:
            users.remove(user)

    async def send(self, channel: ChannelRef, out: Out, *, idempotency_key: str | None = None) -> MessageRef:
        if idempotency_key is not None and idempotency_key in self.by_key:
            sent = self.by_key[idempotency_key]
            self.sent_log.append({"id": sent.id, "channel": channel.id, "key": idempotency_key,
                                  "created": False, "text": sent.text})
            return sent.ref
        return await super().send(channel, out, idempotency_key=idempotency_key)

    async def _record(self, channel: ChannelRef, out: Out, *, key: str | None = None, ephemeral: bool = False,
                      to_user: UserRef | None = None, reply_to: UserRef | None = None) -> Sent:
        sent = await super()._record(channel, out, key=key, ephemeral=ephemeral, to_user=to_user,
                                     reply_to=reply_to)
        self.sent_log.append({"id": sent.id, "channel": channel.id, "key": key, "created": True,
                              "text": sent.text})
        for emoji, users in self.reactions.get(sent.id, {}).items():  # the bot's own seeds
            for u in users:
                self.truth_log.append({"op": f"{self.run}-seed-{sent.id}-{emoji}", "msg": sent.id,
                                       "user": u.id, "name": u.name, "bot": u.is_bot, "emoji": emoji,
                                       "added": True})
        return sent

    async def edit(self, message: MessageRef, out: Out) -> None:
        if message.id in self.messages:
            await super().edit(message, out)

    async def fetch_reactions(self, message: MessageRef) -> Mapping[str, Sequence[UserRef]] | None:
        return await super().fetch_reactions(message)

    # --- users reacting -----------------------------------------------------------------------------

    async def platform_react(self, op: str, msg: str, user: UserRef, emoji: str, added: bool) -> None:
        """The platform records the reaction, delivers it to the bot, and we note the ack."""
        assert self.bot is not None
        rec = {"op": op, "msg": msg, "user": user.id, "name": user.name, "bot": user.is_bot,
               "emoji": emoji, "added": added}
        self.truth_log.append(rec)
        self._apply_truth(rec)
        ref = self.messages[msg].ref
        await self.bot.reaction_changed(ReactionChanged(ref, user, emoji, added))
        self.ack_log.append(rec)  # the handler returned: its db.write committed
        self.acked += 1

    def event_cards(self) -> list[str]:
        return sorted((m for m, s in self.messages.items() if s.text.startswith("📅")),
                      key=lambda m: int(m[1:]))

    async def storm(self, plan: Storm) -> None:
        """Many users reacting on every event card; one user's reactions on one card are
        sequential (each acknowledged before the next), many users at once."""
        cards = self.event_cards()
        rnd = random.Random(f"{plan.seed}-{self.run}")
        busy: set[tuple[str, str]] = set()
        counter = itertools.count()

        async def worker() -> None:
            while not self._stopping:
                n = next(counter)
                if plan.ops and n >= plan.ops:
                    return
                uid = f"u{rnd.randrange(plan.users):04d}"
                msg = rnd.choice(cards)
                if (uid, msg) in busy:
                    await asyncio.sleep(0)
                    continue
                busy.add((uid, msg))
                try:
                    user = UserRef(PLATFORM, uid, f"User {uid[1:]}")
                    have = [e for e, us in self.reactions.get(msg, {}).items() if user in us]
                    if have and rnd.random() < 0.4:
                        emoji, added = rnd.choice(have), False
                    else:
                        choices = [e for e in (*RSVP_EMOJI, NOISE_EMOJI) if e not in have]
                        if not choices:
                            continue
                        emoji, added = rnd.choice(choices), True
                    await self.platform_react(f"{self.run}-{n}", msg, user, emoji, added)
                finally:
                    busy.discard((uid, msg))

        self._storm_tasks = [asyncio.create_task(worker()) for _ in range(plan.tasks)]
        await asyncio.gather(*self._storm_tasks)

    async def start(self) -> None:
        await super().start()  # reconciles the live cards with reactions.jsonl
        if self.storm_plan is not None:
            self._storm_tasks = []
            asyncio.get_running_loop().call_soon(self._launch_storm)

    def _launch_storm(self) -> None:
        assert self.storm_plan is not None
        self._storm_main = asyncio.create_task(self.storm(self.storm_plan))
        print("storming", flush=True)

    async def stop(self) -> None:
        """Graceful: take no new reactions, let those in flight finish (and be acked)."""
        self._stopping = True
        if self._storm_tasks:
            await asyncio.gather(*self._storm_tasks, return_exceptions=True)
        await super().stop()
        for log in (self.sent_log, self.truth_log, self.ack_log):
            log.close()


def create(section: Any) -> FilePlatformAdapter:
    """`bot.cli.build_from_config` calls this like a real platform's `create`."""
    root = os.environ["LOGOFF_RELIABILITY_DIR"]
    storm = Storm(users=int(os.environ.get("LOGOFF_RELIABILITY_USERS", "300")),
                  tasks=int(os.environ.get("LOGOFF_RELIABILITY_TASKS", "40")))
    caps = None
    if os.environ.get("LOGOFF_RELIABILITY_PACED"):  # Discord-like: 5 card edits per 5 s per channel
        caps = Capabilities(buttons=True, ephemeral=True, edits_per_window=5)
    return FilePlatformAdapter(root, run=os.environ.get("LOGOFF_RELIABILITY_RUN", "serve"), storm=storm,
                               capabilities=caps)


AS_PLATFORM = Platform("discord", discord_config.parse, lambda _: (True, "the file platform"), create)
