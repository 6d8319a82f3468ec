"""Secrets never reach the log, not even with `logoff run -v`.

The core's own messages never hold one, but at DEBUG the libraries under the adapters dump
whole requests and responses, and a login's response carries the access token it hands out.
So every record is masked on its way out: the values the config names in the environment, and
the value of any key that reads as a credential (`"access_token": "…"`, `password=…`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Iterable

from .config import Config

MASK = "***"
_KEYED = re.compile(
    r"""((?<![\w-])(?:access_token|refresh_token|password|passwd|token|secret|authorization)['"]?\s*[:=]\s*['"]?"""
    r"""(?:(?:Bearer|Bot|Basic)\s+)?)([^'"\s,;&}\]]+)""", re.IGNORECASE)
# Only text holding one of these can hold a keyed credential: the regex runs on nothing else
# (a sync dump at DEBUG is megabytes, on the event loop).
_HINTS = ("token", "passw", "secret", "authorization")


def configured_secrets(cfg: Config) -> list[str]:
    """The values of the environment variables the config names (`*_env` keys), and the
    database client's own password variable."""
    sections: list[object] = [cfg.bot, *cfg.platforms.values()]
    names = [getattr(s, f.name) for s in sections if dataclasses.is_dataclass(s)
             for f in dataclasses.fields(s) if f.name.endswith("_env")]
    if "://" in cfg.bot.database:  # PostgreSQL reads its own variable when none is named
        names.append("PGPASSWORD")
    return [v for n in names if isinstance(n, str) and (v := os.environ.get(n))]


class Redact(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that holds another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for s in self.secrets:
            if s in text:
                text = text.replace(s, MASK)
        lower = text.lower()
        if any(h in lower for h in _HINTS):
            text = _KEYED.sub(lambda m: m.group(1) + MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad log call: the handler reports it, as without us
            return True
        # Formatted once, here: the formatter then has nothing left to format.
        record.msg, record.args = self.mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def install(secrets: Iterable[str]) -> None:
    """On every handler of the root logger, where all records end up."""
    redact = Redact(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
