from bot.storage import Migration

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE link_codes (
        code TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        space_id TEXT NOT NULL,
        expires_at REAL NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TABLE link_members (
        channel TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        space_id TEXT NOT NULL,
        grp INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX link_members_grp ON link_members(grp);
    CREATE TABLE link_shared (
        owner TEXT NOT NULL,
        object_id INTEGER NOT NULL,
        channel TEXT NOT NULL,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        space_id TEXT NOT NULL,
        PRIMARY KEY (owner, object_id, channel)
    ) WITHOUT ROWID;
    CREATE INDEX link_shared_channel ON link_shared(owner, channel);
    """,
    "CREATE INDEX link_shared_space ON link_shared(owner, platform, space_id);",
]
