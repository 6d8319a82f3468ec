import sqlite3

from bot.storage import Migration

from .memory import MIGRATION as CALIBRATION_TABLE
from .signals import EXTRA


def _directed_signals(conn: sqlite3.Connection) -> None:
    """Reasons stored before they carried a direction name an input only, and were shown with
    its "high" words even when the input had pushed the score by being low. Which side it was
    cannot be told afterwards (the model of the time may have weighed it the other way), so
    only the reasons that have no side are kept."""
    rows = conn.execute("SELECT id, signals FROM offline_prompts WHERE signals <> ''").fetchall()
    for prompt_id, stored in rows:
        kept = ",".join(name for name in stored.split(",") if name in EXTRA)
        conn.execute("UPDATE offline_prompts SET signals=? WHERE id=?", (kept, prompt_id))


# Prompts are recorded without any message text: who was addressed is not stored either,
# only how many, so moderators see how prompts are received and nothing about the talk.
MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE offline_prompts (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        channel TEXT NOT NULL,
        at REAL NOT NULL,
        auto INTEGER NOT NULL,
        sensitivity TEXT NOT NULL DEFAULT '',
        score REAL,
        addressed INTEGER NOT NULL DEFAULT 0,
        dismissed INTEGER NOT NULL DEFAULT 0,
        proposed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX offline_prompts_channel ON offline_prompts(channel, at);
    CREATE INDEX offline_prompts_space ON offline_prompts(space, at);
    """,
    # Why an automatic prompt fired (scorer input names, never text), which wording it used,
    # and whether its reasons were already shown.
    """
    ALTER TABLE offline_prompts ADD COLUMN signals TEXT NOT NULL DEFAULT '';
    ALTER TABLE offline_prompts ADD COLUMN variant TEXT NOT NULL DEFAULT '';
    ALTER TABLE offline_prompts ADD COLUMN explained INTEGER NOT NULL DEFAULT 0;
    """,
    _directed_signals,
    CALIBRATION_TABLE,
]
