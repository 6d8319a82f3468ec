"""Suggestions while a person types an option (where a platform can show them): the cog
method the option names answers; flood control of its own, a time bound, tidy short labels,
and never an exception to the adapter. Suggestions only help typing: the command validates
whatever is finally sent, so an empty list is always a safe answer."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Mapping
from typing import Any

from .clock import Clock
from .commandspec import CommandSpec
from .context import Context
from .ratelimit import RateLimiter
from .render import defuse_mentions, truncate
from .storage import StorageUnavailable

log = logging.getLogger(__name__)

Suggestion = tuple[str, str]  # (label shown, value the option takes)

MAX_SUGGESTIONS = 25
LABEL_MAX = 100
TYPED_MAX = 100
# Well inside the few seconds a platform waits for them: a slow database gives no
# suggestions rather than a late answer nobody sees.
TIMEOUT_S = 1.5
# A request per keystroke or so: generous, but separate from the commands' own bucket, so
# typing never uses up what the command itself needs.
BURST, PER_SECOND = 20, 5.0


# Rows a suggester reads to match against, at most: a bound on the work per keystroke.
READ_MAX = 300


def match_numbered(number: int, text: str, typed: str) -> int | None:
    """How well a numbered thing (an event, a poll) fits what was typed: 0 when its number
    starts with it ("#" allowed), 1 when its text holds it (or nothing was typed), else None."""
    typed = typed.strip()
    digits = typed.lstrip("#")
    if digits and digits.isascii() and digits.isdigit() and str(number).startswith(digits):
        return 0
    return 1 if typed.casefold() in " ".join(text.split()).casefold() else None


def numbered_label(number: int, text: str, tail: str = "") -> str:
    """"#12 Board games — Sat 12 Dec 2026 18:30 CET": the text shortened so the whole fits."""
    head = f"#{number} "
    return head + truncate(defuse_mentions(" ".join(text.split())), LABEL_MAX - len(head) - len(tail)) + tail


def _label(text: str) -> str:
    """One short line: control characters and runs of whitespace become one space."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return truncate(defuse_mentions(" ".join(cleaned.split())), LABEL_MAX)


def tidy(found: Any) -> list[Suggestion]:
    """What a suggester gave, as at most MAX_SUGGESTIONS distinct (label, value) pairs;
    anything else it gave is dropped."""
    out: list[Suggestion] = []
    seen: set[str] = set()
    for item in found if isinstance(found, (list, tuple)) else ():
        if not (isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            continue
        label, value = _label(item[0]), item[1].strip()
        if label and value and value not in seen:
            seen.add(value)
            out.append((label, value))
        if len(out) == MAX_SUGGESTIONS:
            break
    return out


class Suggestions:
    def __init__(self, clock: Clock) -> None:
        self.limiter = RateLimiter(clock, burst=BURST, per_second=PER_SECOND)

    async def __call__(self, spec: CommandSpec, option: str, typed: str, given: Mapping[str, str],
                       ctx: Context) -> list[Suggestion]:
        opt = spec.option(option)
        if opt is None or not opt.suggest or ctx.user.is_bot:
            return []
        if spec.moderator_only and not ctx.is_moderator:
            return []  # the command would be refused: nothing to help type
        if not self.limiter.allow(ctx.user):
            return []
        method = getattr(spec.cog, opt.suggest, None)
        if not callable(method):
            log.error("%s option %s: the cog has no suggester %r", spec.name, option, opt.suggest)
            return []
        try:
            found = await asyncio.wait_for(method(ctx, typed[:TYPED_MAX], dict(given)), TIMEOUT_S)
        except TimeoutError:
            log.warning("suggestions for %s %s took longer than %ss; none given", spec.name, option, TIMEOUT_S)
            return []
        except StorageUnavailable as e:
            log.warning("suggestions for %s %s: %s", spec.name, option, e)
            return []
        except Exception:
            log.exception("suggestions for %s %s failed (user %s)", spec.name, option, ctx.user.key)
            return []
        return tidy(found)
