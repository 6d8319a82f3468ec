"""Per-space settings with registered defaults and validation (in the spirit of Red's
`Config.register_guild`, but stored in a real table that can be queried).

Values are stored as normalised text; `get` returns the parsed value. A space's
rows are read once and cached, so a hot path costs a dict lookup.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, fields
from datetime import timedelta
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from .context import Refusal
from .durations import other_digits, other_digits_in, span_text
from .model import SpaceRef
from .storage import Database
from .timeparse import parse_duration

if TYPE_CHECKING:
    from .adapter import Capabilities

MIGRATIONS = [
    """
    CREATE TABLE settings (
        space TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (space, key)
    ) WITHOUT ROWID;
    """,
]


class SettingError(Refusal):
    """A setting or value that does not exist; the message says what would."""


def on_off(value: str) -> bool:
    """Parser for switches; stored normalised as "on"/"off" (see `switch_text`)."""
    v = value.strip().lower()
    if v in ("on", "yes", "true"):
        return True
    if v in ("off", "no", "false"):
        return False
    raise ValueError("say on or off")


def switch_text(value: bool) -> str:
    return "on" if value else "off"


# The range each bounded duration parser takes: a value stored before its range existed is
# used at its nearest bound (`Settings.get`), not silently swapped for the default.
_RANGES: weakref.WeakKeyDictionary[Callable[[str], Any], tuple[timedelta, timedelta]] = weakref.WeakKeyDictionary()


def _ranged(make: Callable[[timedelta, timedelta, str], Callable[[str], timedelta]]
            ) -> Callable[[timedelta, timedelta, str], Callable[[str], timedelta]]:
    @functools.wraps(make)
    def made(low: timedelta, high: timedelta, said: str) -> Callable[[str], timedelta]:
        parse = make(low, high, said)
        _RANGES[parse] = (low, high)
        return parse

    return made


@_ranged
def duration_within(low: timedelta, high: timedelta, said: str) -> Callable[[str], timedelta]:
    """Parser for a duration setting with bounds; `said` names them ("from 1h to 90d"). A value
    outside them is refused saying how it was read, so "3650d" is seen as ten years."""

    def parse(value: str) -> timedelta:
        d = parse_duration(value)
        if not low <= d <= high:
            raise ValueError(f"that is {span_text(d)}, {'longer' if d > high else 'shorter'} than it "
                             f"can be; it must be {said}")
        return d

    return parse


def _why(spec: SettingSpec, value: str, refused: ValueError) -> ValueError:
    """Why a value is refused. One with digits other than 0-9 ("９９d") is said as what it reads
    as, offered as the thing to type only where this setting takes that text: the duration
    parser's own offer knows nothing of the setting's bounds ("99d" for reminders of 30d at most)."""
    if not other_digits_in(value):
        return refused

    def reading(typed: str) -> str:
        spec.parse(typed)  # the setting's refusal of it says why it would not do either
        return ""

    try:
        other_digits(value.strip(), reading)
    except ValueError as e:
        return e
    return refused


def one_of(*allowed: str) -> Callable[[str], str]:
    """Parser for a setting with a fixed set of words."""

    def parse(value: str) -> str:
        v = value.strip().lower()
        if v not in allowed:
            raise ValueError(f"say {', '.join(allowed[:-1])} or {allowed[-1]}" if len(allowed) > 1 else f"say {allowed[0]}")
        return v

    return parse


# How a person would name the platform capabilities a setting may require.
CAPABILITY_NAMES = {"buttons": "buttons", "native_polls": "native polls",
                    "listings": "an events tab", "threads": "threads", "roles": "roles to hand out"}


@dataclass(frozen=True, slots=True)
class SettingSpec:
    key: str
    default: str
    parse: Callable[[str], Any]  # raises ValueError with a sentence
    allowed: str  # human description of allowed values
    description: str = ""
    normalize: Callable[[Any], str] | None = None
    requires: str = ""  # a Capabilities flag the platform must have, e.g. "buttons"


def used(spec: SettingSpec, stored: str) -> Any:
    """What a stored value means now. One valid when it was stored but not now: a duration
    past its range is used at the nearest bound (a stored 60d cooldown as the longest, 30d,
    not as the default 6h); anything else as the default."""
    try:
        return spec.parse(stored)
    except ValueError:
        pass
    bounds = _RANGES.get(spec.parse)
    if bounds is not None:
        try:
            return min(max(parse_duration(stored), bounds[0]), bounds[1])
        except ValueError:
            pass
    return spec.parse(spec.default)


class Settings:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._specs: dict[str, SettingSpec] = {}
        self._owners: dict[str, str] = {}
        self.owner = ""  # the cog being set up, which owns what it registers
        self._cache: dict[str, dict[str, str]] = {}
        self._watchers: dict[str, list[Callable[[SpaceRef], Awaitable[None]]]] = {}
        self._offered: dict[str, set[str]] = {}  # capability flag -> the platforms that have it

    def register_platform(self, section: str, specs: Iterable[SettingSpec], caps: Capabilities | None) -> None:
        """An installed platform's own settings, and what its adapter offers: a setting that
        needs one of those is said to apply there, wherever it is refused."""
        for spec in specs:
            self.register(spec, owner=f"the {section} platform")
        if caps is not None:
            for flag in (f.name for f in fields(caps) if getattr(caps, f.name) is True):
                self._offered.setdefault(flag, set()).add(caps.label or section)

    def applies_on(self, spec: SettingSpec) -> list[str]:
        """The platforms a setting that needs a capability applies on (none known: [])."""
        return sorted(self._offered.get(spec.requires, ())) if spec.requires else []

    def register(self, spec: SettingSpec, owner: str = "") -> None:
        """A setting belongs to the cog that registers it; one key, one owner."""
        owner = owner or self.owner or "the core"
        if spec.key in self._specs:
            raise ValueError(f"setting '{spec.key}' is registered by both "
                             f"{self._owners[spec.key]} and {owner}")
        self._owners[spec.key] = owner
        self._specs[spec.key] = spec

    def watch(self, key: str, callback: Callable[[SpaceRef], Awaitable[None]]) -> None:
        """Call `callback(space)` after `key` changes in a space (set or reset)."""
        self._watchers.setdefault(key, []).append(callback)

    async def _changed(self, space: SpaceRef, key: str) -> None:
        for callback in self._watchers.get(key, []):
            await callback(space)

    def specs(self) -> list[SettingSpec]:
        return list(self._specs.values())

    def spec(self, key: str) -> SettingSpec:
        try:
            return self._specs[key]
        except KeyError:
            known = ", ".join(sorted(self._specs))
            # A typo ("reminder", "timezon") is told the one it most likely meant first.
            close = get_close_matches(key.lower(), self._specs, n=1, cutoff=0.6)
            meant = f"did you mean {close[0]}? " if close else ""
            raise SettingError(f"there is no setting '{key[:40]}'; {meant}settings are: {known}") from None

    async def _space(self, space: SpaceRef) -> dict[str, str]:
        cached = self._cache.get(space.key)
        if cached is None:
            rows = await self.db.fetchall("SELECT key, value FROM settings WHERE space=?", (space.key,))
            cached = {k: v for k, v in rows}
            self._cache[space.key] = cached
        return cached

    async def get(self, space: SpaceRef, key: str) -> Any:
        spec = self.spec(key)
        return used(spec, (await self._space(space)).get(key, spec.default))

    async def raw(self, space: SpaceRef, key: str) -> tuple[str, bool]:
        """(value text, is default) of the value in use: a value set to what the default is
        counts as it, and one valid once but not now is shown as what `get` uses instead."""
        spec = self.spec(key)
        value = (await self._space(space)).get(key, spec.default)
        if self._parsed(spec, value) is None:  # never what is used, so never what is shown
            now = used(spec, value)
            value = spec.normalize(now) if spec.normalize else str(now)
        if value != spec.default and self._parsed(spec, value) == self._parsed(spec, spec.default):
            return spec.default, True  # stored before such values were written as the default is
        return value, value == spec.default

    def validate(self, key: str, value: str) -> str:
        spec = self.spec(key)
        try:
            parsed = spec.parse(value.strip())
        except ValueError as e:
            raise SettingError(f"{key} can't be '{value[:60]}': {_why(spec, value, e)}. "
                               f"Allowed: {spec.allowed}") from e
        # The default's value is written as the default is ("24h,1h", not "1d,1h"), so a
        # moderator sees it back as they would type it and `config show` calls it the default.
        if parsed == self._parsed(spec, spec.default):
            return spec.default
        if spec.normalize:
            return spec.normalize(parsed)
        return parsed if isinstance(parsed, str) else value.strip()  # a word as the table writes it

    @staticmethod
    def _parsed(spec: SettingSpec, text: str) -> Any:
        try:
            return spec.parse(text)
        except ValueError:
            return None

    async def set(self, space: SpaceRef, key: str, value: str) -> str:
        text = self.validate(key, value)
        await self.db.write(lambda c: c.execute(
            "INSERT INTO settings(space, key, value) VALUES(?, ?, ?) "
            "ON CONFLICT(space, key) DO UPDATE SET value=excluded.value", (space.key, key, text)))
        (await self._space(space))[key] = text
        await self._changed(space, key)
        return text

    async def reset(self, space: SpaceRef, key: str) -> str:
        spec = self.spec(key)
        await self.db.write(lambda c: c.execute(
            "DELETE FROM settings WHERE space=? AND key=?", (space.key, key)))
        (await self._space(space)).pop(key, None)
        await self._changed(space, key)
        return spec.default
