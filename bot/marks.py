"""Choices people make by reacting (votes, RSVPs), kept as ordered *marks*.

A mark is (object, user, value, source, seq). A user's current choice is their
most recent mark still present; taking a reaction back removes its mark and so
falls back to the one before. Marks from text commands (`source='text'`) are not
reactions: reconciling with the platform's reactions never touches them.

An object with several cards on one platform (an event: `event show` posts another) keeps its
marks per card (`Marks(by_card=True)`), so a choice is the union of the person's reactions on
them: taking one back leaves the same reaction on another live card standing.

Each cog keeps its own marks table (created with `marks_table_sql`); these
functions run inside the cog's write units.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Mapping


def marks_table_sql(table: str) -> str:
    return f"""
    CREATE TABLE {table} (
        object_id INTEGER NOT NULL,
        user TEXT NOT NULL,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (object_id, user, value, source)
    ) WITHOUT ROWID;
    CREATE INDEX {table}_user ON {table}(object_id, user, seq);
    """


def drop_marks_user_index_sql(table: str) -> str:
    """For a cog whose queries find a user's marks by the primary key's (object, user)
    prefix only (a user has a handful of marks; `latest` sorts them in passing), the
    (object, user, seq) index of the first release is a b-tree insert per reaction for
    nothing. Polls keep theirs: their tally takes each user's MAX(seq) off it."""
    return f"DROP INDEX IF EXISTS {table}_user;"


def marks_seq_index_sql(table: str) -> str:
    """Added after the first release of the table: the next sequence number is read on
    every reaction, and without this it scans all marks of the object."""
    return f"CREATE INDEX IF NOT EXISTS {table}_seq ON {table}(object_id, seq);"


def marks_by_card_sql(table: str) -> str:
    """The table again with the card a reaction was made on in its key (a message's key; ''
    for text marks, and for reactions recorded before cards were told apart). SQLite cannot
    change a primary key in place: the rows move to a new table, all of them."""
    return f"""
    CREATE TABLE {table}_by_card (
        object_id INTEGER NOT NULL,
        user TEXT NOT NULL,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        card TEXT NOT NULL DEFAULT '',
        seq INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (object_id, user, value, source, card)
    ) WITHOUT ROWID;
    INSERT INTO {table}_by_card(object_id, user, value, source, card, seq, name)
        SELECT object_id, user, value, source, '', seq, name FROM {table};
    DROP TABLE {table};
    ALTER TABLE {table}_by_card RENAME TO {table};
    CREATE INDEX {table}_seq ON {table}(object_id, seq);
    """


class Marks:
    def __init__(self, table: str, *, by_card: bool = False) -> None:
        if not table.isidentifier():
            raise ValueError(table)
        self.t = table
        self.by_card = by_card

    def add(self, conn: sqlite3.Connection, object_id: int, user: str, value: str, source: str,
            name: str = "", *, exclusive: bool = True, card: str = "") -> bool:
        """True if this is a new mark (a repeated reaction changes nothing). An exclusive
        text choice replaces the user's earlier text choice. By card, the same reaction on
        another card is a mark of its own, and the latest."""
        if source == "text" and exclusive:
            conn.execute(f"DELETE FROM {self.t} WHERE object_id=? AND user=? AND source='text'",
                         (object_id, user))
        cols, extra = ("card, ", (card,)) if self.by_card else ("", ())
        cur = conn.execute(
            f"INSERT OR IGNORE INTO {self.t}(object_id, user, value, source, {cols}seq, name) VALUES(?, ?, ?, ?, "
            f"{'?, ' if self.by_card else ''}(SELECT COALESCE(MAX(seq), 0) + 1 FROM {self.t} WHERE object_id=?), ?)",
            (object_id, user, value, source, *extra, object_id, name))
        return cur.rowcount > 0

    def remove(self, conn: sqlite3.Connection, object_id: int, user: str, value: str,
               source: str = "reaction", *, card: str = "", live: Collection[str] = ()) -> bool:
        """By card: the mark of `card`, and the same reaction's marks on cards no longer among
        `live` (the object's cards now; those gone, or unknown from before cards were told
        apart): what holds the choice after this is the same reaction on another live card."""
        sql = f"DELETE FROM {self.t} WHERE object_id=? AND user=? AND value=? AND source=?"
        args: tuple[object, ...] = (object_id, user, value, source)
        others = sorted(set(live) - {card})
        if self.by_card and others:
            sql += f" AND card NOT IN ({', '.join('?' * len(others))})"
            args += tuple(others)
        return conn.execute(sql, args).rowcount > 0

    def latest(self, conn: sqlite3.Connection, object_id: int, user: str) -> str | None:
        # `+seq`: found by the primary key and sorted in passing (a user has a few marks);
        # ordering by the seq index instead would walk every newer mark of the object.
        row = conn.execute(
            f"SELECT value FROM {self.t} WHERE object_id=? AND user=? ORDER BY +seq DESC LIMIT 1",
            (object_id, user)).fetchone()
        return row[0] if row else None

    def reconcile(self, conn: sqlite3.Connection, object_id: int,
                  truth: Mapping[str, Iterable[tuple[str, str]]], platform: str | None = None,
                  take_back: bool = True) -> set[str]:
        """Make reaction marks equal the platform's reactions ({value: [(user, name)]}).
        With `platform`, only the marks of that platform's people are compared: an object with
        a card on another platform too (linked spaces) has marks made there as well.
        Without `take_back`, marks are only added: the reactions are known to be incomplete.
        Marks already present keep their order; new ones go after, in the given order.
        Returns the users whose marks changed."""
        want = {(user, value): name for value, users in truth.items() for user, name in users}
        have = {(r[0], r[1]) for r in conn.execute(
            f"SELECT user, value FROM {self.t} WHERE object_id=? AND source='reaction'", (object_id,))
            if platform is None or r[0].partition(":")[0] == platform}
        changed: set[str] = set()
        for user, value in have - want.keys() if take_back else ():
            self.remove(conn, object_id, user, value)
            changed.add(user)
        for (user, value), name in want.items():
            if (user, value) not in have:
                self.add(conn, object_id, user, value, "reaction", name)
                changed.add(user)
        return changed

    def reconcile_card(self, conn: sqlite3.Connection, object_id: int, card: str,
                       truth: Mapping[str, Iterable[tuple[str, str]]], take_back: bool = True) -> set[str]:
        """By card: make the reaction marks of `card` equal its reactions ({value: [(user,
        name)]}); without `take_back`, only add. Returns the users whose marks changed. A
        reaction on it that a mark from before cards were told apart stands for takes that
        mark's place in the order: the upgrade changes nobody's choice (`forget_cardless`)."""
        want = {(user, value): name for value, users in truth.items() for user, name in users}
        have = {(r[0], r[1]) for r in conn.execute(
            f"SELECT user, value FROM {self.t} WHERE object_id=? AND source='reaction' AND card=?",
            (object_id, card))}
        changed: set[str] = set()
        for user, value in have - want.keys() if take_back else ():
            conn.execute(f"DELETE FROM {self.t} WHERE object_id=? AND user=? AND value=? AND "
                         "source='reaction' AND card=?", (object_id, user, value, card))
            changed.add(user)
        for (user, value), name in want.items():
            if (user, value) in have:
                continue
            if conn.execute(
                    f"INSERT INTO {self.t}(object_id, user, value, source, card, seq, name) "
                    f"SELECT object_id, user, value, source, ?, seq, ? FROM {self.t} "
                    "WHERE object_id=? AND user=? AND value=? AND source='reaction' AND card=''",
                    (card, name, object_id, user, value)).rowcount == 0:
                self.add(conn, object_id, user, value, "reaction", name, card=card)
                changed.add(user)
        return changed

    def forget_cardless(self, conn: sqlite3.Connection, object_id: int, platform: str) -> set[str]:
        """Once every live card of the object on `platform` was read (`reconcile_card`), the
        reaction marks of its people from before cards were told apart go: what they stood
        for is on the cards now. Returns whose marks changed."""
        users = {r[0] for r in conn.execute(
            f"SELECT DISTINCT user FROM {self.t} WHERE object_id=? AND source='reaction' AND card=''",
            (object_id,)) if r[0].partition(":")[0] == platform}
        for user in users:
            conn.execute(f"DELETE FROM {self.t} WHERE object_id=? AND user=? AND source='reaction' AND card=''",
                         (object_id, user))
        return users
