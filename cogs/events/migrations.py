from bot.bulk import ServerSide
from bot.marks import (
    drop_marks_user_index_sql,
    marks_by_card_sql,
    marks_seq_index_sql,
    marks_table_sql,
)
from bot.storage import Migration

from . import checkin_repo, links, native, native_listings, native_marked, notify, rsvp_unit

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        title TEXT NOT NULL,
        starts_at REAL NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        capacity INTEGER,
        state TEXT NOT NULL DEFAULT 'active',
        revision INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    CREATE INDEX events_upcoming ON events(space, state, starts_at);
    CREATE TABLE rsvps (
        event_id INTEGER NOT NULL,
        user TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        going_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (event_id, user)
    ) WITHOUT ROWID;
    CREATE INDEX rsvps_order ON rsvps(event_id, status, going_seq);
    """
    + marks_table_sql("event_marks"),
    # 2: indexes for the hot path of a reaction storm (next sequence numbers)
    marks_seq_index_sql("event_marks") + "\n"
    "CREATE INDEX IF NOT EXISTS rsvps_seq ON rsvps(event_id, going_seq);",
    # 3: fewer b-trees to update per RSVP: the next going_seq is read off rsvps_order
    # (only the going need an order), and marks by user off the primary key
    drop_marks_user_index_sql("event_marks") + "\nDROP INDEX IF EXISTS rsvps_seq;",
    # 4: when it ends (`duration=`; NULL for events made before: two hours)
    "ALTER TABLE events ADD COLUMN ends_at REAL;",
    # 5: recurring meetups. A series keeps its rule and its first local wall time (and zone), so
    # every occurrence keeps the wall-clock time across DST; each occurrence is an event row
    # that names its series and its local time, once (the unique index).
    """
    CREATE TABLE event_series (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        title TEXT NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        capacity INTEGER,
        rule TEXT NOT NULL,
        words TEXT NOT NULL,
        first_local TEXT NOT NULL,
        tz TEXT NOT NULL,
        length REAL NOT NULL,
        until_date TEXT,
        count INTEGER,
        ends_before TEXT,
        created_at REAL NOT NULL
    );
    ALTER TABLE events ADD COLUMN series_id INTEGER;
    ALTER TABLE events ADD COLUMN occurrence TEXT;
    CREATE UNIQUE INDEX events_occurrence ON events(series_id, occurrence);
    """,
    # 6: the web part's secret and each space's calendar address (links.py)
    links.MIGRATION,
    # 7: an occurrence's card is posted once; a card deleted by hand later is not posted again
    "ALTER TABLE events ADD COLUMN card_posted INTEGER NOT NULL DEFAULT 0;",
    # 8: who wants reminders by direct message too (notify.py)
    notify.MIGRATION,
    # 9: an event's native surfaces: its listing, thread and role (native.py)
    native.MIGRATION,
    # 10: turnout: goals (of events and series) and check-ins (checkin_repo.py)
    checkin_repo.MIGRATION,
    # 11: was the first form of the server-side RSVP function; 16 replaces it (where it was
    # made it stays, for processes of the previous version during an upgrade), so a new
    # database makes only that one
    ServerSide("SELECT 1"),
    # 12: an event listed in each space it is in (linked spaces), not only its own (native_listings.py)
    native_listings.MIGRATION,
    # 13: a series counts its changes, as an event does (the feed's SEQUENCE of its VEVENT)
    "ALTER TABLE event_series ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;",
    # 14: marks per card: an answer is the union of the person's reactions on the event's cards
    # (every row moves; those from before say no card)
    marks_by_card_sql("event_marks"),
    # 15: which cards carry each person's 📍 (checkin_repo.py)
    checkin_repo.CARDS_MIGRATION,
    # 16: an RSVP in one call on a database server, with marks per card (rsvp_unit.py); nothing
    # to do on SQLite
    rsvp_unit.FUNCTION,
    # 17: a series moved to a new time of day goes on as a new one; which one it goes on from
    # (series.py split_at), so an occurrence of the first still names the series
    "ALTER TABLE event_series ADD COLUMN follows INTEGER;",
    # 18: 📍 reactions from before an event's check-in opened, which do not count (checkin_repo.py)
    checkin_repo.STALE_MIGRATION,
    # 19: the spaces a cancelled event is known to have no listing left in (native_marked.py)
    native_marked.MIGRATION,
    # 20: which closing of a person's DMs their note is of (notify.py)
    notify.CLOSING_MIGRATION,
]
