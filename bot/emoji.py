"""One spelling per reaction key, whatever the client sent.

Clients differ in how they spell the same emoji: with or without U+FE0F (the emoji
presentation selector), with a text selector U+FE0E, or with a run of selectors a
hostile client adds to make two keys the platform keeps apart look the same on screen.
Platforms store such keys as different reactions; people see one emoji. So the core
compares reactions by their canonical key: every variation selector dropped, and a
keycap ("1⃣", "1️⃣") spelled the way the cogs seed it, with U+FE0F before U+20E3.

A key that is not an emoji once canonicalised (nothing left, words, spaces, control
characters, a sequence far longer than any emoji) has no canonical form.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

_SELECTORS = {"\ufe0e", "\ufe0f"}
_KEYCAP = "\u20e3"
_KEYCAP_BASES = set("0123456789#*")
# The longest emoji in Unicode's lists (family and flag-tag sequences) are 10 code points.
_MAX_LEN = 16
_MAX_RAW = 64  # with variation selectors, which a hostile client may repeat
_NOT_EMOJI = ("L", "Z", "C")  # letters, separators, controls (ZWJ and tags are allowed below)
_FORMAT_OK = {"\u200d"} | {chr(c) for c in range(0xE0020, 0xE0080)}


def canonical(key: str) -> str | None:
    """The key as the core compares it, or None if it is not an emoji."""
    # Bounded before the cache: the cache must not keep long junk keys alive.
    return _canonical(key) if len(key) <= _MAX_RAW else None


@lru_cache(maxsize=4096)  # called for every reaction; a handful of keys recur
def _canonical(key: str) -> str | None:
    stripped = "".join(ch for ch in key if ch not in _SELECTORS)
    if not stripped or len(stripped) > _MAX_LEN:
        return None
    if len(stripped) == 2 and stripped[1] == _KEYCAP and stripped[0] in _KEYCAP_BASES:
        return stripped[0] + "\ufe0f" + _KEYCAP
    symbols = 0
    for ch in stripped:
        if ch in _FORMAT_OK:
            continue
        category = unicodedata.category(ch)
        if category.startswith(_NOT_EMOJI) or category == "Nd":
            return None
        symbols += category[0] in "SP"  # a joiner or combining mark alone is no emoji
    return stripped if symbols else None

