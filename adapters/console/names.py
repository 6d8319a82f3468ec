"""Who `:as <name> [mod]` makes you: the name read with the commands' quoting, so a name
with spaces is quoted (`:as "Bob Smith" mod`); one that is too long or holds control
characters is refused, never cut or cleaned."""

from __future__ import annotations

import unicodedata

from bot.commands import UsageError, tokens
from bot.textkeys import strip_invisible

LONGEST = 40
EXAMPLE = 'e.g. :as bob, :as bob mod for a moderator, or :as "Bob Smith" for a name with spaces'


def who(rest: str) -> tuple[str, bool]:
    """(name, moderator) from what follows `:as`; ValueError says what to type instead."""
    if len(rest) > 4 * LONGEST:  # no name and mod is that long (and the parser caps a line)
        raise ValueError(f"a name is at most {LONGEST} characters; that was {len(rest.strip())}: "
                         "type a shorter one")
    try:
        words = tokens(rest)
    except UsageError:  # the one refusal of quoting: a quote never closed
        raise ValueError(f"the quote in '{_cut(rest.strip())}' is never closed; close it after the name, "
                         'as in :as "Bob Smith"') from None
    left_open = next((w.unclosed for w in words if w.unclosed), None)
    if left_open is not None:  # the apostrophe would be part of the name: "'Bob"
        raise ValueError(f"{left_open.message}; close it after the name, as in :as 'Bob Smith', "
                         "or write \\' for an apostrophe in the name")
    mod = len(words) > 1 and not words[-1].quoted and words[-1].text.lower() == "mod"
    if mod:
        words = words[:-1]
    if not words or not words[0].text.strip():
        raise ValueError(f"who should you be? {EXAMPLE}")
    if len(words) > 1:
        got = " ".join(w.raw for w in words)
        raise ValueError(f"a name is one word, or in quotes, then mod or nothing; got '{_cut(got)}'; "
                         f"{EXAMPLE}")
    name = words[0].text.strip()
    if not strip_invisible(name).strip():  # zero-width spaces, bidi marks: a name no one can see
        raise ValueError(f"that name has no letter you can see; who should you be? {EXAMPLE}")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ValueError("a name cannot hold control characters (an escape, a tab, a bell); "
                         f"type it with letters, digits and spaces: {EXAMPLE}")
    if len(name) > LONGEST:
        raise ValueError(f"a name is at most {LONGEST} characters; '{_cut(name)}' has {len(name)}: "
                         "type a shorter one")
    return " ".join(name.split()), mod


def _cut(text: str) -> str:
    return text if len(text) <= 60 else text[:60] + "…"
