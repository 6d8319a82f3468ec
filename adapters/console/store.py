"""The console's own tables (migration component "console"): what a platform would keep
for `logoff try --db PATH`, so a later run on the same database goes on where the last
one stopped.

- `console_messages`: every id the console handed out (the bot's messages and people's),
  each kept before it is printed or handled, so a later run numbers on after them and an
  id from an earlier run still names the message it named then, even after a kill. A
  scheduled post keeps its idempotency key here, as a platform keeps a message nonce or a
  transaction id: a job re-run after a crash finds its key and prints nothing again.
- `console_reactions`: the reactions on each bot message, the bot's own included, in the
  order they were made. They are the platform's truth that the core reconciles its cards
  with at start; without them a card from an earlier run would look bare and its
  reaction RSVPs and votes would be taken back.
- `console_clock`: where the manual clock had got to, kept as a run starts and as each step
  of a `:wait` begins, before anything due then is printed. Time does not go back between
  runs, even after a kill halfway through a wait: a later run's clock is no earlier than
  anything an earlier one printed, and a reminder or poll deadline falls due when the
  earlier run said it would.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime

from bot.model import MessageRef, UserRef
from bot.storage import Database, Migration

COMPONENT = "console"

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE console_messages (
        id TEXT PRIMARY KEY,
        n INTEGER NOT NULL,
        channel_id TEXT NOT NULL,
        space_id TEXT NOT NULL,
        bot INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE console_reactions (
        message_id TEXT NOT NULL,
        emoji TEXT NOT NULL,
        place INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        display TEXT NOT NULL,
        is_bot INTEGER NOT NULL,
        PRIMARY KEY (message_id, emoji, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE console_clock (
        one INTEGER PRIMARY KEY,
        now TEXT NOT NULL
    );
    """,
    "ALTER TABLE console_messages ADD COLUMN idem_key TEXT",
    # A reply only its asker would see on a platform: `last` passes over it, in a later run too.
    "ALTER TABLE console_messages ADD COLUMN ephemeral INTEGER NOT NULL DEFAULT 0",
    # A card whose bot reactions came off (its event ended, its poll closed) is still told
    # apart from a notice in a later run.
    "ALTER TABLE console_messages ADD COLUMN card INTEGER NOT NULL DEFAULT 0",
]

Reactions = dict[str, list[UserRef]]


@dataclass(slots=True)
class Earlier:
    """What earlier runs left: the bot's messages, their reactions, the last id, the time."""

    messages: list[tuple[MessageRef, bool]] = field(default_factory=list)  # and whether ephemeral
    reactions: dict[str, Reactions] = field(default_factory=dict)
    last_number: int = 0
    now: datetime | None = None
    keys: dict[str, str] = field(default_factory=dict)  # idempotency key -> the message sent with it
    cards: set[str] = field(default_factory=set)  # the bot's messages it ever put a reaction on


class ConsoleStore:
    def __init__(self, db: Database, platform: str) -> None:
        self.db = db
        self.platform = platform

    async def load(self) -> Earlier:
        await self.db.migrate(COMPONENT, MIGRATIONS)
        platform = self.platform

        def unit(conn: sqlite3.Connection) -> Earlier:
            earlier = Earlier()
            for mid, n, channel, space, bot, key, ephemeral, card in conn.execute(
                    "SELECT id, n, channel_id, space_id, bot, idem_key, ephemeral, card FROM console_messages"
                    " ORDER BY n").fetchall():
                if card:
                    earlier.cards.add(mid)
                earlier.last_number = max(earlier.last_number, int(n))
                if bot:
                    earlier.messages.append((MessageRef(platform, channel, mid, space), bool(ephemeral)))
                if key is not None:
                    earlier.keys[key] = mid
            for mid, emoji, uid, display, is_bot in conn.execute(
                    "SELECT message_id, emoji, user_id, display, is_bot FROM console_reactions"
                    " ORDER BY message_id, emoji, place").fetchall():
                users = earlier.reactions.setdefault(mid, {}).setdefault(emoji, [])
                users.append(UserRef(platform, uid, display, is_bot=bool(is_bot)))
                if is_bot:
                    earlier.cards.add(mid)
            row = conn.execute("SELECT now FROM console_clock WHERE one=1").fetchone()
            earlier.now = datetime.fromisoformat(row[0]) if row else None
            return earlier

        return await self.db.read(unit)

    async def message(self, ref: MessageRef, number: int, *, bot: bool, key: str | None = None,
                      reactions: Reactions | None = None, ephemeral: bool = False) -> None:
        def unit(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO console_messages(id, n, channel_id, space_id, bot, idem_key, ephemeral)"
                         " VALUES(?,?,?,?,?,?,?) ON CONFLICT(id) DO NOTHING",
                         (ref.id, number, ref.channel_id, ref.space_id, 1 if bot else 0, key, int(ephemeral)))
            if reactions:
                _put_reactions(conn, ref.id, reactions)

        await self.db.write(unit)

    async def reactions(self, message_id: str, reactions: Reactions) -> None:
        await self.db.write(lambda conn: _put_reactions(conn, message_id, reactions))

    async def clock(self, now: datetime) -> None:
        await self.db.write(lambda conn: conn.execute(
            "INSERT INTO console_clock(one, now) VALUES(1, ?) ON CONFLICT(one) DO UPDATE SET now=excluded.now",
            (now.isoformat(),)))


def _put_reactions(conn: sqlite3.Connection, message_id: str, reactions: Reactions) -> None:
    conn.execute("DELETE FROM console_reactions WHERE message_id=?", (message_id,))
    if any(u.is_bot for users in reactions.values() for u in users):
        conn.execute("UPDATE console_messages SET card=1 WHERE id=?", (message_id,))
    for emoji, users in reactions.items():
        for place, u in enumerate(users):
            conn.execute("INSERT INTO console_reactions(message_id, emoji, place, user_id, display, is_bot)"
                         " VALUES(?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                         (message_id, emoji, place, u.id, u.name, 1 if u.is_bot else 0))
