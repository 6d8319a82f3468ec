"""Timezones people name: IANA names (zoneinfo and tzdata), city names looked up among
them, and the abbreviations people type after a time.

An abbreviation after a time means the offset it names ("7pm EST" is 19:00 at UTC-5). As
a space's timezone an abbreviation, a legacy zone name (CET, EST5EDT) or a fixed offset is
refused: none is a place's name, which brings its clocks' rules (a fixed offset keeps no
summer time, so half the year every time would be an hour off); the refusal suggests IANA
names instead.
An abbreviation that means several zones (IST: India, Ireland or Israel) is refused both
ways, with the candidates. Except in a space whose own zone's clocks show those letters:
there they mean what those clocks mean (IST in Kolkata is UTC+5:30; PST in Manila is UTC+8,
not the Pacific's UTC-8), so a time a card shows, typed back, is the same moment.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


class ZoneError(ValueError):
    """A sentence: what was not a timezone, and what to write instead."""


# Offsets in hours of the abbreviations that mean one thing.
FIXED: dict[str, float] = {
    "utc": 0, "gmt": 0, "z": 0, "wet": 0, "west": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3,
    "msk": 3, "est": -5, "edt": -4, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
    "akst": -9, "akdt": -8, "hst": -10, "jst": 9, "kst": 9, "hkt": 8, "sgt": 8, "aest": 10,
    "aedt": 11, "acst": 9.5, "acdt": 10.5, "awst": 8, "nzst": 12, "nzdt": 13,
}
# What an abbreviation most likely stands for, as a space's timezone.
SUGGEST: dict[str, tuple[str, ...]] = {
    "est": ("America/New_York", "America/Toronto"), "edt": ("America/New_York", "America/Toronto"),
    "cst": ("America/Chicago", "Asia/Shanghai", "America/Havana"),
    "cdt": ("America/Chicago",), "mst": ("America/Denver", "America/Phoenix"),
    "mdt": ("America/Denver",), "pst": ("America/Los_Angeles", "America/Vancouver"),
    "pdt": ("America/Los_Angeles",), "akst": ("America/Anchorage",), "hst": ("Pacific/Honolulu",),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "bst": ("Europe/London", "Asia/Dhaka"), "ast": ("America/Halifax", "Asia/Riyadh"),
    "cet": ("Europe/Berlin", "Europe/Paris"), "cest": ("Europe/Berlin", "Europe/Paris"),
    "eet": ("Europe/Athens", "Europe/Helsinki"), "eest": ("Europe/Athens", "Europe/Helsinki"),
    "wet": ("Europe/Lisbon",), "west": ("Europe/Lisbon",), "gmt": ("Europe/London", "UTC"),
    "msk": ("Europe/Moscow",), "jst": ("Asia/Tokyo",), "kst": ("Asia/Seoul",),
    "hkt": ("Asia/Hong_Kong",), "sgt": ("Asia/Singapore",), "aest": ("Australia/Sydney",),
    "aedt": ("Australia/Sydney",), "acst": ("Australia/Adelaide",), "awst": ("Australia/Perth",),
    "nzst": ("Pacific/Auckland",), "nzdt": ("Pacific/Auckland",),
}
AMBIGUOUS = {"ist", "cst", "bst", "ast", "sst", "ect", "gst"}
SUGGEST.update({"sst": ("Pacific/Pago_Pago", "Asia/Singapore"), "gst": ("Asia/Dubai", "Atlantic/South_Georgia"),
                "ect": ("America/Guayaquil", "Europe/Paris")})
# Zones named by region, with their rules (summer time included): "10am PT".
REGIONAL = {"pt": "America/Los_Angeles", "mt": "America/Denver", "ct": "America/Chicago",
            "et": "America/New_York", "uk": "Europe/London"}
# Names the zone database keeps from before places were named, with summer time by US or
# Central European rules: a place's name says which rules its clocks follow, and these say
# none (CET is both Berlin's winter letters and such a zone).
LEGACY: dict[str, tuple[str, ...]] = {
    "met": ("Europe/Berlin", "Europe/Paris"), "est5edt": ("America/New_York", "America/Toronto"),
    "cst6cdt": ("America/Chicago",), "mst7mdt": ("America/Denver",), "pst8pdt": ("America/Los_Angeles",),
}
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")


def abbreviation(word: str) -> tzinfo | None:
    """The fixed zone an abbreviation after a time names; None if `word` is none."""
    w = word.lower()
    if w in AMBIGUOUS:
        options = ", ".join(SUGGEST.get(w, ()))
        raise ZoneError(f"{word.upper()} can mean several timezones ({options}); name the one you "
                        f"mean, e.g. 7pm {SUGGEST[w][0] if w in SUGGEST else 'Europe/Berlin'}")
    if w in REGIONAL:
        return ZoneInfo(REGIONAL[w])
    if w in FIXED:
        hours = FIXED[w]
        return timezone(timedelta(hours=hours), word.upper()) if hours else UTC
    m = _OFFSET.match(w)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        if delta > timedelta(hours=14):
            raise ZoneError(f"{word} is not an offset a clock can have; offsets go to ±14:00")
        return timezone(sign * delta)
    return None


def own_letters(word: str, home: tzinfo | None, year: int) -> tzinfo | None:
    """The offset the letters `word` stand for in the zone `home` itself, or None if its clocks
    never show them: in a space, its own zone's letters mean what its clocks mean by them
    (Manila's PST is UTC+8, not the Pacific's UTC-8; Kolkata's IST is not Dublin's). Read
    over `year` and the years `when=` reaches."""
    if not isinstance(home, ZoneInfo) or not word.isalpha():
        return None
    offsets = _letters(home.key, year).get(word.lower())
    if not offsets:
        return None
    if len(offsets) > 1:
        shown = " or ".join(f"UTC{_hours(o)}" for o in sorted(offsets))
        raise ZoneError(f"{word.upper()} means {shown} in {home.key}, depending on the date; write the "
                        f"offset you mean, e.g. 7pm UTC{_hours(min(offsets))}")
    return timezone(next(iter(offsets)), word.upper())


def letters(word: str, home: tzinfo | None, year: int, linked: tuple[ZoneInfo, ...] = ()) -> tzinfo | None:
    """The zone letters after a time name: the space's own zone's meaning if its clocks show
    them, else the usual one (`abbreviation`). In linked spaces (bot/timelinks.py) people read
    each other's cards, so letters a linked space's zone shows with another meaning are
    refused with every reading; letters only a linked zone shows mean what they mean there."""
    own = own_letters(word, home, year)
    there = {z.key: found for z in linked if z != home and (found := own_letters(word, z, year))}
    try:
        here = own or abbreviation(word)
    except ZoneError:  # letters of several usual meanings: with a linked zone's, that one counts
        if not there:
            raise
        here = None
    if not there:
        return here
    readings = dict(there)
    if here is not None:
        name = home.key if own is not None and isinstance(home, ZoneInfo) else SUGGEST.get(word.lower(), ("",))[0]
        readings = {name or f"the usual {word.upper()}": here, **readings}
    offsets = {z.utcoffset(None) for z in readings.values()}
    if len(offsets) == 1:
        return here or next(iter(there.values()))
    shown = " and ".join(f"UTC{_hours(z.utcoffset(None) or timedelta())} in {name}" for name, z in readings.items())
    names = " or ".join(f"7pm {name}" for name in readings)
    raise ZoneError(f"{word.upper()} means {shown} (this space is linked with one in "
                    f"{', '.join(there)}); name the zone you mean, e.g. {names}")


@cache
def _letters(key: str, year: int) -> dict[str, frozenset[timedelta]]:
    """The abbreviations a zone's clocks show, each with its offsets, a week apart over
    `year` and the six after it (a season is longer than a week)."""
    tz, seen = ZoneInfo(key), dict[str, set[timedelta]]()
    at, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 7, 1, 1, tzinfo=UTC)
    while at < end:
        local = at.astimezone(tz)
        name, offset = local.tzname() or "", local.utcoffset()
        if name.isalpha() and offset is not None:
            seen.setdefault(name.lower(), set()).add(offset)
        at += timedelta(days=7)
    return {name: frozenset(offsets) for name, offsets in seen.items()}


def _why_not(key: str) -> str:
    """Why `key` is refused as a space's timezone, true for each kind: CET has summer time
    (as a legacy zone), so "a fixed offset" would be false there."""
    if key in AMBIGUOUS:
        return "means several timezones"
    if _OFFSET.match(key) or key.startswith("etc/gmt"):
        return "is a fixed offset with no summer time"
    letters = key in FIXED or key in SUGGEST
    if key in LEGACY or key.upper() in _all_lower():  # CET, EET, WET, EST, MST, HST
        kind = "an abbreviation and a legacy zone name" if letters else "a legacy zone name"
    else:
        kind = "an abbreviation"
    return f"is {kind}, not a place's name (which brings its clocks' rules, summer time included)"


def _hours(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60}" + (f":{abs(minutes) % 60:02d}" if minutes % 60 else "")


@cache
def _by_city() -> dict[str, str]:
    """'new york' -> 'America/New_York', from the last part of every IANA name."""
    out: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        out.setdefault(_plain(name.rsplit("/", 1)[1].replace("_", " ")), name)
    return out


# Places only, for a city written after a time ("7pm new york"): the old names of whole
# regions (US/, Canada/, Brazil/...) and zone names that are ordinary words ("6pm west",
# "6pm christmas") or name two places (Victoria) would be a guess.
_PLACE_AREAS = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")
_NOT_AFTER_A_TIME = {"act", "north", "south", "west", "east", "center", "general", "oral", "knox",
                     "christmas", "easter", "wake", "troll", "virgin", "victoria", "queensland",
                     "tasmania", "nsw", "lhi", "canary", "reunion", "jersey", "midway", "stanley"}


@cache
def _places() -> dict[str, str]:
    return {key: name for key, name in _by_city().items()
            if name.startswith(_PLACE_AREAS) and key not in _NOT_AFTER_A_TIME}


def city(words: str) -> ZoneInfo | None:
    """The zone of a city written after a time ("7pm new york", "6pm São Paulo"), or None."""
    name = _places().get(_plain(" ".join(words.replace("_", " ").split())))
    return ZoneInfo(name) if name else None


def _plain(name: str) -> str:
    """Lower case without accents: IANA names are ASCII ("Sao_Paulo"), people write "São Paulo"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def iana(name: str) -> ZoneInfo | None:
    """An IANA zone by its name (any case), or None."""
    if not name or name.startswith(("/", ".")) or ".." in name or " " in name.strip():
        return None
    # Files of the zone database that name no place: a zone with no abbreviation ("-00"), and
    # copies of the real zones under other rules (leap seconds) that calendars do not know.
    if name.lower().startswith(("posix/", "right/")) or name.lower() in ("factory", "localtime", "posixrules"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    wanted = name.lower()
    match = next((z for z in _all_lower() if z.lower() == wanted), None)
    return ZoneInfo(match) if match else None


@cache
def _all_lower() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def space_zone(text: str) -> ZoneInfo:
    """A space's timezone: an IANA name with its rules, or a city looked up among them."""
    name = " ".join(text.split())
    if not name:
        raise ZoneError("say which timezone, e.g. Europe/Berlin or America/New_York")
    key = name.lower()
    if key in ("utc", "etc/utc", "gmt", "z", "zulu", "universal"):
        return ZoneInfo("UTC")
    if key in REGIONAL:
        return ZoneInfo(REGIONAL[key])
    if key in SUGGEST or key in FIXED or key in LEGACY or _OFFSET.match(key) or key.startswith("etc/gmt"):
        options = SUGGEST.get(key) or LEGACY.get(key) or ("Europe/Berlin", "America/New_York")
        raise ZoneError(f"{name} {_why_not(key)}; use the IANA name of your place, e.g. " + " or ".join(options))
    found = iana(name) if "/" in name or name[:1].isupper() else None
    if found is None:
        city = _by_city().get(_plain(key.replace("_", " ")))
        found = ZoneInfo(city) if city else None
    if found is None:
        raise ZoneError(f"'{name[:60]}' is not a timezone I know; use an IANA name such as "
                        "Europe/Berlin or America/New_York, or a city such as New York")
    return found
