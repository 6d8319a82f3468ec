"""`logoff run | try | check-config`.

Platforms and features come from the registry (bot/plugins.py), so the CLI names none;
`logoff try` loads the console, which is part of the developer's kit, by module name.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Sequence

from .app import Bot, build_bot
from .clock import ManualClock
from .config import (
    Config,
    ConfigError,
    address,
    check_database,
    load,
    shown_env,
    sqlite_problem,
    web_config,
)
from .health import HealthServer
from .pgconnect import describe, is_postgres_url
from .plugins import platforms
from .redact import configured_secrets, install
from .storage import StorageError
from .web import WebConfig

EXIT_CONFIG = 2
EXIT_STORAGE = 3
EXIT_START = 4
CONSOLE = "adapters.console"
# Said on stderr when the console reads a pipe, so a script's output stays the bot's own.
PIPED_BANNER = "logoff console: reading commands from standard input (:help lists console commands)"

log = logging.getLogger("logoff")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="logoff", description="Helps online communities meet in person.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_run = sub.add_parser("run", help="connect to the platforms in the config")
    p_run.add_argument("--config", default="config.toml")
    p_run.add_argument("-v", "--verbose", action="store_true")
    p_try = sub.add_parser("try", help="a local chat in the terminal; needs no account")
    p_try.add_argument("--db", default=":memory:", help="keep the database in this file between runs")
    p_try.add_argument("--timezone", default="UTC")
    p_try.add_argument("--web", metavar="HOST:PORT", help="also serve the calendar feed and event pages")
    p_chk = sub.add_parser("check-config", help="validate the config and print what would start")
    p_chk.add_argument("--config", default="config.toml")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "check-config":
            return check_config(args.config)
        if args.cmd == "try":
            logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
            try:
                web = web_config({"listen": args.web}, local=True) if args.web else None
            except ConfigError:
                raise ConfigError(f"--web must be host:port, e.g. --web 127.0.0.1:8080; "
                                  f"got {args.web[:80]!r}") from None
            return asyncio.run(try_console(args.db, args.timezone, web))
        logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return asyncio.run(run(args.config))
    except ConfigError as e:
        print(f"logoff: config error: {e}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as e:
        print(f"logoff: database error: {e}", file=sys.stderr)
        return EXIT_STORAGE
    except KeyboardInterrupt:
        return 0


def check_config(path: str) -> int:
    cfg = load(path)
    print(f"config {cfg.path} is valid")
    shown = describe(cfg.bot.database) if is_postgres_url(cfg.bot.database) else cfg.bot.database
    print(f"  database: {shown}; timezone: {cfg.bot.timezone}; prefix: {cfg.bot.command_prefix}")
    password_env = cfg.bot.database_password_env
    password_set = password_env is None or bool(os.environ.get(password_env))
    if password_env is not None:  # `run` stops at an unset one: so does the check
        print(f"  database password: {'found' if password_set else 'NOT found'} in "
              f"{shown_env(password_env, 'database_password_env')}")
    unusable = sqlite_problem(cfg.bot.database)
    if unusable is not None:
        print(f"  database: would NOT open ({unusable})")
    plan = cfg.startable()
    if not plan:
        sections = " or ".join(f"[{s}]" for s in platforms())
        print(f"  no {sections} section: nothing would start (try `logoff try`)")
    for platform, ok, why in plan:
        print(f"  {platform}: {'would start' if ok else 'would NOT start'} ({why})")
    if cfg.web is not None:
        print(f"  web pages and calendar feed: would listen on {address(cfg.web.host, cfg.web.port)}, "
              f"linked as {cfg.web.public_url}")
    if cfg.metrics is not None:
        print(f"  metrics and /healthz: would listen on {address(*cfg.metrics)}")
    if password_set and unusable is None and any(ok for _, ok, _ in plan):
        return 0
    # The file is well formed, yet `run` would stop: say so where an exit code is read.
    why = unusable or not_ready(cfg) or "the database password is not set"
    print(f"logoff: `logoff run` would stop here: {why}", file=sys.stderr)
    return EXIT_CONFIG


def not_ready(cfg: Config) -> str | None:
    """Why no platform can start, or None when one can."""
    plan = cfg.startable()
    if any(ok for _, ok, _ in plan):
        return None
    if not plan:
        sections = " or ".join(f"[{s}]" for s in platforms())
        return f"no platform can start: add a {sections} section (try `logoff try`, which needs none)"
    return "no platform can start: " + "; ".join(f"{p}: {why}" for p, _, why in plan)


async def try_console(db: str, timezone: str, web: WebConfig | None = None) -> int:
    from .timeparse import TimeParseError, zone

    try:
        timezone = zone(timezone).key  # a city is kept as its zone's name
    except TimeParseError as e:
        raise ConfigError(f"--timezone: {e}") from e
    check_database(db, None, key="--db")
    console = importlib.import_module(CONSOLE)
    bot = await build_bot(db, clock=ManualClock(), timezone=timezone, rate_limit=False)
    # From here on the bot is stopped however the run ends: a bot left running keeps the
    # process from exiting.
    try:
        adapter = console.ConsoleAdapter()
        bot.add_adapter(adapter)
        # No standard input at all (`<&-`): Python's sys.stdin is None, read as ended input.
        interactive = sys.stdin is not None and sys.stdin.isatty()
        if interactive:
            print("logoff console: a local chat with the bot. Type !help, or :help for console commands.")
        else:
            print(PIPED_BANNER, file=sys.stderr)
        await bot.start()
        if web is not None:
            await _listen(bot.web.start(web), "--web", web.host, web.port)
            print(f"logoff console: web pages on {bot.web.url('')}", file=sys.stderr)
        prompt = (lambda: f"{adapter.current.display}> ") if interactive else None
        await console.run_console(bot, adapter, sys.stdin, prompt)
    finally:
        await bot.web.stop()
        await bot.stop()
    return 0


async def build_from_config(cfg: Config, extensions: Sequence[str] | None = None) -> Bot:
    plan = [p for p, ok, _ in cfg.startable() if ok]
    for platform, ok, why in cfg.startable():
        if not ok:
            log.warning("%s is configured but will not start: %s", platform, why)
    stopped = not_ready(cfg)
    if stopped is not None:
        raise ConfigError(stopped)
    bot = await build_bot(cfg.bot.database, timezone=cfg.bot.timezone, prefix=cfg.bot.command_prefix,
                          database_password=cfg.bot.database_password(),
                          extensions=extensions)
    for platform in plan:
        bot.add_adapter(platforms()[platform].create(cfg.platforms[platform]))
    return bot


async def run(config_path: str) -> int:
    cfg = load(config_path)
    install(configured_secrets(cfg))
    bot = await build_from_config(cfg)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    server = HealthServer(bot, *cfg.metrics) if cfg.metrics is not None else None
    try:
        # Our own addresses first: one that is taken is the operator's to fix, and is found
        # before any platform is logged in to.
        if server is not None:
            await _listen(server.start(), "[metrics] listen", server.host, server.port)
        if cfg.web is not None:
            await _listen(bot.web.start(cfg.web), "[web] listen", cfg.web.host, cfg.web.port)
        try:
            await bot.start()
        except Exception as e:  # a platform refused us (bad token, unreachable server)
            log.debug("start failed", exc_info=True)
            print(f"logoff: could not start: {e}", file=sys.stderr)
            return EXIT_START
        log.info("logoff is running on %s", ", ".join(bot.adapters))
        await stop.wait()
        log.info("stopping")
    finally:
        if server is not None:
            await server.stop()
        await bot.web.stop()
        await bot.stop()
    return 0


async def _listen(starting: Awaitable[None], key: str, host: str, port: int) -> None:
    try:
        await starting
    except OSError as e:
        raise ConfigError(f"{key}: cannot listen on {host}:{port} ({e.strerror or e}); pick another "
                          "address or stop what is using it") from e


if __name__ == "__main__":
    raise SystemExit(main())
