"""What both stores (SQLite, PostgreSQL) and their users share: a write unit, a migration,
the errors a store raises, and how a migration script is cut into statements."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from .bulk import ServerSide

T = TypeVar("T")
# A write (or read) unit: a plain function of a connection shaped like sqlite3's.
Unit = Callable[[sqlite3.Connection], T]
Migration = str | ServerSide | Callable[[sqlite3.Connection], None]


class StorageError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


class StorageUnavailable(StorageError):
    """The database server is not answering (for now): nothing of the unit was written,
    except for the subclass below, which says that this is not known."""

    # What the person whose command it was is told.
    said = ("I can't reach my database right now, so nothing was changed; please try "
            "again in a minute")
    # Said instead when an earlier write of the same command had already committed.
    partly = ("I can't reach my database right now, after part of that was saved; please "
              "check what it changed before trying again in a minute")


class CommitOutcomeUnknown(StorageUnavailable):
    """The connection broke during COMMIT and the server could not be asked in time whether it
    committed: the unit's writes may or may not be there."""

    said = ("I lost my database while saving that, so I can't tell whether it went "
            "through; please check in a minute before trying again")
    partly = said


def split_sql(script: str) -> list[str]:
    out: list[str] = []
    buf = ""
    for ln in script.splitlines(keepends=True):
        buf += ln
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
