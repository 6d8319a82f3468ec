"""What `config set`, `config reset` and `help` suggest while they are typed: the settings that
apply on this platform, the values a setting takes (read from its own parser), command names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.commands import CommandSpec
from bot.context import Context
from bot.render import truncate
from bot.settings import SettingError, Settings, SettingSpec
from bot.suggestions import MAX_SUGGESTIONS

from . import zones

# An `allowed` that only lists words ("on or off", "low, medium or high"): those words are the
# values. Anything else ("a duration, e.g. 30m") is free-form and offers no list of its own.
_WORDS = re.compile(r"^\w+(?:, \w+)*(?: or \w+)?$")
DESCRIPTION_MAX = 50
# The setting whose values are IANA zone names: suggested from the zone database as typed.
ZONE_KEY = "timezone"


def applies(spec: SettingSpec, ctx: Context) -> bool:
    return not spec.requires or bool(getattr(ctx.adapter.capabilities, spec.requires, False))


def _matches(key: str, typed: str) -> int | None:
    """0: the key starts with what was typed; 1: one of its dotted parts does; None: neither."""
    if key.startswith(typed):
        return 0
    return 1 if any(part.startswith(typed) for part in key.split(".")[1:]) else None


def keys(settings: Settings, ctx: Context, typed: str) -> list[tuple[str, str]]:
    typed = typed.strip().lower()
    found: list[tuple[int, str, SettingSpec]] = []
    for spec in settings.specs():
        rank = _matches(spec.key, typed)
        if rank is not None and applies(spec, ctx):
            found.append((rank, spec.key, spec))
    return [(f"{spec.key} — {truncate(spec.description, DESCRIPTION_MAX)}" if spec.description else spec.key,
             spec.key) for _, _, spec in sorted(found, key=lambda f: (f[0], f[1]))]


def words(spec: SettingSpec) -> list[str]:
    """The values a setting takes when its `allowed` lists them, each one its parser accepts."""
    allowed = spec.allowed.strip()
    if not _WORDS.match(allowed):
        return []
    out = []
    for word in re.split(r", | or ", allowed):
        try:
            spec.parse(word)
        except ValueError:
            continue
        out.append(word)
    return out


async def values(settings: Settings, ctx: Context, key: str, typed: str) -> list[tuple[str, str]]:
    """The current value first, then the others it takes (or its default), matching `typed`."""
    try:
        spec = settings.spec(key.strip().lower())
    except SettingError:
        return []
    if not applies(spec, ctx):
        return []
    current, _ = await settings.raw(ctx.space, spec.key)
    if spec.key == ZONE_KEY and typed.strip():
        return _zones(spec, current, typed)
    said_as = typed.strip()
    typed = said_as.lower()
    listed = [(f"{current} (now)", current)] + [(w, w) for w in words(spec)]
    listed.append((f"{spec.default} (default)", spec.default))
    offered = [v for v in listed if v[1].lower().startswith(typed)]
    if typed:
        try:  # what was typed, as it would be stored ("120m" is kept as 2h)
            said = settings.validate(spec.key, said_as)
        except SettingError:
            said = ""
        if said:
            offered.insert(1 if offered and offered[0][1] == current else 0, (said, said))
    return offered  # the core keeps the first of values offered twice (bot/suggestions.py)


def _zones(spec: SettingSpec, current: str, typed: str) -> list[tuple[str, str]]:
    """Zones matching what was typed, best first; the current one and the default say so."""
    marks = {spec.default: " (default)", current: " (now)"}
    return [(name + marks.get(name, ""), name) for name in zones.matching(typed, spec, MAX_SUGGESTIONS)]


def commands(specs: Iterable[CommandSpec], typed: str) -> list[tuple[str, str]]:
    """Command names starting with what was typed, all of them as `help` lists them."""
    typed = " ".join(typed.lower().split())
    return [(f"{s.name} — {truncate(s.description, DESCRIPTION_MAX)}", s.name) for s in specs
            if s.name.startswith(typed)]
