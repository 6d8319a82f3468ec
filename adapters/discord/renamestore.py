"""The renames still to land (renames.py), kept across restarts: the adapter's own table
(migration component "discord"). A row is written before a rename is first tried and taken
away once that name landed, was refused for good or is moot (the thread closed, the role
deleted); one left by a stop is tried again at the next start. The name is the event's, as on
its thread or role; nobody's message text."""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage import Database, Migration

COMPONENT = "discord"

MIGRATIONS: Sequence[Migration] = [
    """
    CREATE TABLE discord_renames (
        key TEXT PRIMARY KEY,
        space TEXT NOT NULL,
        name TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
]


class RenameStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def migrate(self) -> None:
        await self.db.migrate(COMPONENT, MIGRATIONS)

    async def want(self, key: str, space: str, name: str) -> None:
        await self.db.execute(
            "INSERT INTO discord_renames(key, space, name) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET space=excluded.space, name=excluded.name", (key, space, name))

    async def done(self, key: str, name: str | None = None) -> None:
        """`name` is over (or, without one, whatever `key` wanted): a newer name stays."""
        if name is None:
            await self.db.execute("DELETE FROM discord_renames WHERE key=?", (key,))
        else:
            await self.db.execute("DELETE FROM discord_renames WHERE key=? AND name=?", (key, name))

    async def pending(self) -> list[tuple[str, str, str]]:
        rows = await self.db.fetchall("SELECT key, space, name FROM discord_renames ORDER BY key")
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
