"""Reaching PostgreSQL: which URLs are its, how one is shown, connecting with errors a person
can act on, and which errors mean the server is away rather than that a statement is wrong."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import asyncpg

from .process import APP_PREFIX, process_name
from .stores import StorageError, StorageUnavailable

CONNECT_TIMEOUT_S = 10.0
# The server is away or going away (a restart, a failover, a network cut).
UNREACHABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresConnectionError,
                asyncpg.InterfaceError, asyncpg.exceptions.OperatorInterventionError)


def session_settings() -> dict[str, str]:
    """Every session of this process carries its name, so other processes can tell whether it
    is still there (bot/jobs.py, `Gone`)."""
    return {"application_name": APP_PREFIX + process_name()}


def is_postgres_url(database: str) -> bool:
    # A URL's scheme is case-insensitive; the config accepts any case, so must this.
    return database.lower().startswith(("postgresql://", "postgres://"))


def describe(url: str) -> str:
    """The URL as it may be shown: never a password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"postgresql://{user}{host}{port}{parts.path}"


def _numeric(text: str) -> int | float:
    """SUM and AVG of integers are numeric in PostgreSQL; SQLite gives int or float."""
    return int(text) if text.lstrip("-").isdigit() else float(text)


async def setup(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


async def reset(conn: asyncpg.Connection) -> None:
    """A read connection going back to the pool. asyncpg's own reset is a second round trip
    per read (unlisten, reset settings, close cursors, unlock) for state our units never
    leave; only a transaction a failed unit left open needs ending."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def cannot_create(where: str, e: Exception) -> StorageError:
    return StorageError(f"PostgreSQL at {where}: {e}; the bot's user must be able to create its "
                        "tables there: make it the database's owner (ALTER DATABASE ... OWNER TO ...)")


async def connect(url: str, password: str | None, where: str) -> asyncpg.Connection:
    try:
        conn = await asyncpg.connect(url, password=password, timeout=CONNECT_TIMEOUT_S,
                                     statement_cache_size=1024, server_settings=session_settings())
    except asyncpg.InvalidPasswordError as e:
        raise StorageError(f"PostgreSQL at {where} refused the password ({e}); check the "
                           "environment variable named by database_password_env (or PGPASSWORD, "
                           "when none is named)") from e
    except asyncpg.InvalidCatalogNameError as e:
        raise StorageError(f"PostgreSQL at {where}: {e}; create it (createdb) or fix the URL") from e
    except asyncpg.InvalidAuthorizationSpecificationError as e:
        raise StorageError(f"PostgreSQL at {where} refused the user: {e}") from e
    except asyncpg.ClientConfigurationError as e:  # an option of the URL's query string
        raise StorageError(f"PostgreSQL at {where}: the URL's options are wrong ({e}); fix them "
                           "in the database URL") from e
    except asyncpg.PostgresError as e:  # e.g. a setting in the URL's query the server does not know
        raise StorageError(f"PostgreSQL at {where} refused the connection: {e}") from e
    except UNREACHABLE as e:
        raise StorageUnavailable(f"cannot reach PostgreSQL at {where}: {e or type(e).__name__}; "
                                 "is it running, and is the host and port right?") from e
    await setup(conn)
    return conn


async def open_pool(url: str, password: str | None, size: int) -> asyncpg.Pool:
    """The readers' pool: sessions set up as the writer's is."""
    return await asyncpg.create_pool(url, password=password, min_size=1, max_size=size,
                                     timeout=CONNECT_TIMEOUT_S, statement_cache_size=1024,
                                     init=setup, reset=reset, server_settings=session_settings())
