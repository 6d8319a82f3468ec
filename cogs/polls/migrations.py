from bot.marks import marks_seq_index_sql, marks_table_sql
from bot.storage import Migration

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE polls (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        multi INTEGER NOT NULL DEFAULT 0,
        closes_at REAL,
        closed_at REAL,
        created_at REAL NOT NULL
    );
    CREATE INDEX polls_space ON polls(space, closed_at);
    """
    + marks_table_sql("poll_marks"),
    # 2: the next vote's sequence number without scanning all votes
    marks_seq_index_sql("poll_marks"),
    # 3: options that read as times, fixed when the poll is made (JSON list, null for text)
    "ALTER TABLE polls ADD COLUMN option_times TEXT;",
    # 4: a poll another feature's durable job made, once per job (PollService.post_poll's key)
    "ALTER TABLE polls ADD COLUMN made_for TEXT;\n"
    "CREATE UNIQUE INDEX polls_made_for ON polls(made_for);",
]
