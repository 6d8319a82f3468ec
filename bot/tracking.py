"""Which platform messages are live cards, and of what.

A cog tracks the message it posted for an object (an event's card, a poll); reactions on
it are routed to that cog, and at start each adapter's reactions are reconciled with
them. Rows are durable (the `messages` table) and mirrored in memory, where start-up
loads every live card as a tuple: building objects for tens of thousands of them showed
in start-up time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from .model import MessageRef, UserRef
from .storage import Database, Migration

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE messages (
        key TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        space_id TEXT NOT NULL DEFAULT '',
        cog TEXT NOT NULL,
        kind TEXT NOT NULL,
        object_id INTEGER NOT NULL,
        live INTEGER NOT NULL DEFAULT 1
    ) WITHOUT ROWID;
    CREATE INDEX messages_live ON messages(live, platform);
    CREATE INDEX messages_object ON messages(cog, kind, object_id);
    """,
]

# (platform, channel, message, space, cog, kind, object id)
_Row = tuple[str, str, str, str, str, str, int]


@dataclass(frozen=True, slots=True)
class Tracked:
    message: MessageRef
    cog: str
    kind: str
    object_id: int


@dataclass(slots=True)
class _InFlight:
    readings: int = 0  # readings of the card started and not yet done with
    applied: int = 0  # when the latest reading applied so far was started
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # (user key, canonical emoji) -> (when seen, who, added): each pair's latest live change
    live: dict[tuple[str, str], tuple[int, UserRef, bool]] = field(default_factory=dict)


class ReadingOrder:
    """Readings of one card in flight at once (the start-up's reading of every card, and one
    set off by a moderator clearing that card's reactions) are applied in the order they were
    started: one started before a reading already applied is dropped for that card, since it
    may show reactions cleared since. Two readings of a card are never applied at once (a
    cog's units for one could interleave with the other's). Readings of other cards never
    wait.

    A live reaction change on the card seen after a reading of it started is newer than what
    that reading shows for that person and emoji (the platform may have answered before the
    change): `newer` hands it over, so the reading is applied with it and never overrules it.
    Kept only while a reading of the card is in flight."""

    def __init__(self) -> None:
        self._started = itertools.count(1)
        self._cards: dict[str, _InFlight] = {}

    def begin(self, card: str) -> int:
        """A reading of the card starts (just before the platform is asked): its place in
        the order."""
        self._cards.setdefault(card, _InFlight()).readings += 1
        return next(self._started)

    def seen(self, card: str, user: UserRef, emoji: str, added: bool) -> None:
        """A person's live reaction change on the card (emoji canonical), as it arrives."""
        entry = self._cards.get(card)
        if entry is not None:
            entry.live[(user.key, emoji)] = (next(self._started), user, added)

    def now(self) -> int:
        """A place in the order: readings begun and live changes seen after it come later."""
        return next(self._started)

    def newer(self, card: str, than: int) -> list[tuple[UserRef, str, bool]]:
        """The live changes on the card seen after `than`: (who, emoji, added), each
        person's and emoji's latest."""
        entry = self._cards[card]
        return [(user, emoji, added) for (_, emoji), (when, user, added) in entry.live.items()
                if when > than]

    def end(self, card: str) -> None:
        """That reading was applied, dropped or failed."""
        entry = self._cards[card]
        entry.readings -= 1
        if entry.readings == 0:
            del self._cards[card]

    @asynccontextmanager
    async def applying(self, started: Mapping[str, int]) -> AsyncIterator[set[str]]:
        """Around applying readings of these cards (each with its place from `begin`): the
        cards whose reading is still the latest; no other reading of them is applied
        meanwhile."""
        entries = [(card, self._cards[card]) for card in sorted(started)]  # one order: no deadlock
        async with AsyncExitStack() as held:
            for _, entry in entries:
                await held.enter_async_context(entry.lock)
            latest = set()
            for card, entry in entries:
                if started[card] > entry.applied:
                    entry.applied = started[card]
                    latest.add(card)
            yield latest


class Tracker:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.readings = ReadingOrder()
        self._rows: dict[str, _Row] = {}
        self._by_object: dict[tuple[str, str, int], set[str]] = {}  # -> message keys

    async def load(self) -> None:
        await self.db.migrate("core", MIGRATIONS)
        rows = await self.db.fetchall(
            "SELECT key, platform, channel_id, message_id, space_id, cog, kind, object_id "
            "FROM messages WHERE live=1")
        for key, platform, channel, message, space, cog, kind, object_id in rows:
            self._rows[key] = (platform, channel, message, space, cog, kind, object_id)
            self._by_object.setdefault((cog, kind, object_id), set()).add(key)

    async def track(self, message: MessageRef, cog: str, kind: str, object_id: int) -> None:
        # Routed from now on, before the commit: a reaction arriving while it commits would
        # otherwise be dropped (its own write queues behind this one, so it commits after).
        self._forget(message.key)
        m = message
        self._rows[m.key] = (m.platform, m.channel_id, m.id, m.space_id, cog, kind, object_id)
        self._by_object.setdefault((cog, kind, object_id), set()).add(m.key)
        try:
            await self.db.write(lambda c: c.execute(
                "INSERT INTO messages(key, platform, channel_id, message_id, space_id, cog,"
                " kind, object_id, live) VALUES(?,?,?,?,?,?,?,?,1) ON CONFLICT(key) DO UPDATE SET"
                " platform=excluded.platform, channel_id=excluded.channel_id, message_id=excluded.message_id,"
                " space_id=excluded.space_id, cog=excluded.cog, kind=excluded.kind,"
                " object_id=excluded.object_id, live=1",
                (message.key, message.platform, message.channel_id, message.id, message.space_id,
                 cog, kind, object_id)))
        except BaseException:
            self._forget(message.key)
            raise

    async def untrack(self, cog: str, kind: str, object_id: int, *, durably: bool = True,
                      card: MessageRef | None = None) -> None:
        """The object is no longer live (closed, cancelled). Not `durably`: only until the
        next start, which finds its messages live still (an edit owed them has not landed).
        With a `card`, only that one of its messages (the edit owed it has landed); the others
        stay as they are (one on a platform this process does not run is its process's)."""
        if card is not None:
            self._forget(card.key)
            if durably:
                await self.db.write(lambda c: c.execute(
                    "UPDATE messages SET live=0 WHERE key=? AND cog=? AND kind=? AND object_id=?",
                    (card.key, cog, kind, object_id)))
            return
        if durably:
            await self.db.write(lambda c: c.execute(
                "UPDATE messages SET live=0 WHERE cog=? AND kind=? AND object_id=?",
                (cog, kind, object_id)))
        for key in list(self._by_object.get((cog, kind, object_id), ())):
            self._forget(key)

    async def drop(self, message: MessageRef) -> None:
        """The message itself is gone (deleted, redacted). Forgotten at once, before the
        write: nothing may start an edit of it while the write waits for its commit."""
        self._forget(message.key)
        await self.db.write(lambda c: c.execute(
            "UPDATE messages SET live=0 WHERE key=?", (message.key,)))

    def lookup(self, message: MessageRef) -> Tracked | None:
        """The tracked card this reference names: the same message in the same channel and
        space. A platform event naming a card's id with another channel or server (forged,
        or a platform whose ids are unique only per channel) is not about that card."""
        row = self._rows.get(message.key)
        if row is None or row[1] != message.channel_id or row[3] != message.space_id:
            return None
        return Tracked(MessageRef(row[0], row[1], row[2], row[3]), row[4], row[5], row[6])

    def __len__(self) -> int:
        return len(self._rows)

    def messages_of(self, cog: str, kind: str, object_id: int) -> list[MessageRef]:
        return [MessageRef(*self._rows[k][:4]) for k in self._by_object.get((cog, kind, object_id), ())]

    def live(self, platform: str) -> list[MessageRef]:
        return [MessageRef(*row[:4]) for row in self._rows.values() if row[0] == platform]

    def _forget(self, key: str) -> None:
        row = self._rows.pop(key, None)
        if row is None:
            return
        obj = (row[4], row[5], row[6])
        keys = self._by_object.get(obj)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_object[obj]
