"""Which store a configured database opens: the shared PostgreSQL one or a SQLite file."""

from __future__ import annotations

from .pgconnect import is_postgres_url
from .postgres import PostgresDatabase
from .storage import Database


def make_database(database: str, *, password: str | None = None, group_commit: bool = True,
                  synchronous: str = "FULL") -> Database:
    """A PostgreSQL URL opens the shared store, anything else a SQLite file."""
    if is_postgres_url(database):
        return PostgresDatabase(database, password=password, group_commit=group_commit)
    return Database(database, group_commit=group_commit, synchronous=synchronous)
