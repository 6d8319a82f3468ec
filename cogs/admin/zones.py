"""The timezones `config set timezone` suggests while a name is typed: IANA names matching it by
area, city or any word of the city ("berl", "new y", "sao_paulo", "São"), case and accents
aside, the closest matches first; an abbreviation (CET, PST) offers the zones it stands for.
Only names the setting itself accepts, and keeps as they are written, are offered."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from bot.settings import SettingSpec
from bot.timezones import SUGGEST

# Areas of places: their zones come before the old names of whole regions (US/, Canada/…) and
# the abbreviation-like names that a match would otherwise put first.
_PLACES = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
           "Europe/", "Indian/", "Pacific/")
# Zone files that name no place (leap-second and POSIX copies, the local clock): never offered,
# whatever the setting's parser says of them.
_NO_PLACE = ("posix/", "right/", "SystemV/")
_NO_PLACE_NAMES = {"Factory", "localtime", "posixrules"}


def plain(text: str) -> str:
    """Lower case without accents, "_" and runs of spaces as one space: "São_Paulo" -> "sao paulo"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("_", " "))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass(frozen=True, slots=True)
class _Zone:
    name: str
    full: str  # "america/new york"
    city: str  # "new york"; the whole name for one with no area ("utc")
    words: tuple[str, ...]  # every word of every part
    place: bool


def _stored(spec: SettingSpec, name: str) -> str | None:
    """What the setting keeps when `name` is set; None when it refuses it."""
    try:
        parsed = spec.parse(name)
    except ValueError:
        return None
    return spec.normalize(parsed) if spec.normalize else name


@lru_cache(maxsize=8)
def _zones(spec: SettingSpec) -> tuple[_Zone, ...]:
    """Every zone the setting accepts and keeps as it is named ("GMT", kept as UTC, is left to
    UTC), sorted by name; made once, so a keystroke only compares strings."""
    out = []
    for name in sorted(available_timezones()):
        if name.startswith(_NO_PLACE) or name in _NO_PLACE_NAMES or _stored(spec, name) != name:
            continue
        full = plain(name)
        city = full.rsplit("/", 1)[-1]
        words = tuple(w for part in full.split("/") for w in part.split())
        out.append(_Zone(name, full, city, words, name.startswith(_PLACES)))
    return tuple(out)


def _rank(z: _Zone, typed: str, compact: str) -> int | None:
    """0: the name or city is what was typed; 1: the city starts with it; 2: the whole name
    does; 3: a word of it does; 4: it is somewhere in the name, or the city written without
    its spaces starts with it ("newyork"); None: nowhere."""
    if typed in (z.full, z.city):
        return 0
    if z.city.startswith(typed):
        return 1
    if z.full.startswith(typed):
        return 2
    if any(w.startswith(typed) for w in z.words):
        return 3
    if typed in z.full or (compact and z.city.replace(" ", "").startswith(compact)):
        return 4
    return None


def matching(typed: str, spec: SettingSpec, limit: int) -> list[str]:
    """At most `limit` zone names for what was typed, best first: how closely each matches, then
    places before old region names, then alphabetical."""
    want = plain(typed)
    if not want:
        return []
    zones = _zones(spec)
    known = {z.name for z in zones}
    abbreviated = [n for n in SUGGEST.get(want, ()) if n in known]
    compact = want.replace(" ", "")
    found = []
    for z in zones:
        rank = _rank(z, want, compact)
        if rank is not None:
            found.append((rank, not z.place, z.name))
    found.sort()
    ranked = abbreviated + [name for *_, name in found if name not in abbreviated]
    return ranked[:limit]
