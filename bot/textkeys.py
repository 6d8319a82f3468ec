"""People's text as it looks, for the places that must treat two strings a reader cannot
tell apart as one: a one-word value (`going`, `2`, `yes`) matched against the words it may
be, and a poll's options checked for one given twice.

What draws nothing here is the zero-width characters and the bidi marks and controls: pasted
text carries them unseen, and a value matched with them in is refused while it reads exactly
like what it should be."""

from __future__ import annotations

import re
import unicodedata

# Zero-width space, non-joiner, joiner, LRM, RLM; word joiner; BOM; the embeddings and
# overrides; the isolates; the Arabic letter mark; the soft hyphen (drawn only at a line break).
INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"
                      "\u2066\u2067\u2068\u2069\u061c\u00ad")
# ZWNJ and ZWJ do show between two letters of a script that joins (Persian, Arabic, Indic) and
# between emoji (a family is one picture, its people apart three): there they are kept.
_JOINERS = frozenset("\u200c\u200d")
_SPACES = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """`text` without the characters that draw nothing: what is left is what the reader sees."""
    if text.isascii():
        return text
    return "".join(c for c in text if c not in INVISIBLE)


def _drawn(text: str) -> str:
    """`text` without what draws nothing in it, a joiner kept where it changes what is drawn:
    between two characters neither ASCII nor a space."""
    kept = [c for c in text if c not in INVISIBLE or c in _JOINERS]
    out = []
    for i, c in enumerate(kept):
        if c in _JOINERS:
            before = kept[i - 1] if i else " "
            after = kept[i + 1] if i + 1 < len(kept) else " "
            if before.isascii() or after.isascii() or before.isspace() or after.isspace() \
                    or before in _JOINERS or after in _JOINERS:
                continue
        out.append(c)
    return "".join(out)


def look_key(text: str) -> str:
    """What two pieces of text that look the same have in common: compatibility forms and the
    two ways of writing an accent made one (NFKC: "é" and "e" + U+0301, a no-break space and a
    space), case folded, what draws nothing left out, and a run of spaces one space."""
    text = _drawn(unicodedata.normalize("NFKC", text))
    text = unicodedata.normalize("NFKC", text.casefold())  # casefold may leave a decomposed form
    return _SPACES.sub(" ", text).strip()
