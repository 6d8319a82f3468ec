"""Parts of the day beside a clock time ("saturday morning 7am", "tomorrow evening 7",
"tonight 8"). A part of the day says which half of the clock a bare hour is in, so "evening
7" is 19:00; one that does not hold the hour either way, or a night's small hours (that
night, or the next day's?), is refused with the readings. Used by bot/timeparse.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .timephrases import Ambiguous, Clock

PARTS = {"morning": range(0, 12), "afternoon": range(12, 18), "evening": range(17, 24),
         "night": range(18, 24)}
# "tonight 5" was always the evening's 17:00; earlier hours are not tonight's at all.
_TONIGHT_FROM = 17
# "morning 2" with no am/pm is more likely a slip than the small hours: asked, not read.
_BARE_MORNING_FROM = 4

_BARE = re.compile(r"^(?P<day>.*?)\s*\b(?P<part>morning|afternoon|evening|night|tonight)\s+(?:at\s+)?"
                   r"(?P<h>1[0-2]|[1-9])(?::(?P<m>[0-5]\d))?(?P<ampm>\s*[ap]\.?m\.?)?$")


def bare_hour(words: str, tail: str, ok: Callable[[str], bool]) -> str:
    """`words` with "<day> <part> <hour>" written as "<day> at HH:MM" when the part of the
    day holds the hour one way only. `tail` is the zone the text named, for the examples,
    which are kept only if `ok` (the parser) takes them."""
    m = _BARE.match(words)
    if not m or (m["ampm"] and m["part"] != "tonight"):
        return words  # an hour with am/pm is checked against its part by `agrees`
    day, part, h, mins = m["day"].strip(), m["part"], int(m["h"]), m["m"] or "00"
    said, written = m.group(0).strip(), f"{h}:{m['m']}" if m["m"] else str(h)
    if part == "tonight":
        if h == 12:
            return words  # "tonight 12": midnight, refused as a bare 12 is
        day = f"{day} today".strip()
        if m["ampm"]:
            if m["ampm"].strip()[0] == "a":
                raise Ambiguous(f"tonight at {written} in the morning? say which day and time, "
                                "e.g. tomorrow 8am")
            return f"{day} at {h + 12}:{mins}"
        if h + 12 < _TONIGHT_FROM:
            good = [e for e in (f"tomorrow {h}am{tail}", f"today {h}pm{tail}") if ok(e)]
            instead = f"; write {_quoted(good)}" if good else "; write the day and the time with am or pm"
            raise Ambiguous(f"'{said}' could be {h}am after midnight or {h}pm{instead}")
        return f"{day} at {h + 12}:{mins}"
    if day == "this":
        day = "today"
    if h == 12:
        raise Ambiguous(f"12 in the {part}: noon or midnight? say noon (or 12pm), or 00:00 with the "
                        "date you mean")
    hour = h if part == "morning" else h + 12
    small = part == "morning" and hour < _BARE_MORNING_FROM
    if hour in PARTS[part] and not small:
        return f"{day} at {hour:02d}:{mins}".strip()
    if part == "night":
        raise Ambiguous(f"'{said}' could be {h}am after midnight, early the next day, or {h}pm; write "
                        "the day and the time with am or pm")
    good = [e for e in (f"{day} {written}am{tail}".strip(), f"{day} {written}pm{tail}".strip()) if ok(e)]
    instead = f"; write {_quoted(good)}" if good else ""
    why = "say which" if small else f"neither is in the {part}"
    raise Ambiguous(f"'{said}': {h}am or {h}pm? {why}{instead}")


def _quoted(examples: list[str]) -> str:
    return " or ".join(f'"{e}"' for e in examples)


def agrees(rest: str, clock: Clock) -> None:
    """"saturday morning 7pm", "tomorrow night 2am": a part of the day beside a clock time
    must agree with it; an hour after midnight on a day's "night" could be either night."""
    for word, hours in PARTS.items():
        if re.search(rf"\b{word}\b", rest) and clock.hour not in hours:
            said = f"{clock.hour:02d}:{clock.minute:02d}"
            if word == "night" and clock.hour < 6:
                raise Ambiguous(f"{said} on that night could be early that day or after midnight at its "
                                "end; write the day and the time, e.g. saturday 23:30 or sunday 01:00")
            raise Ambiguous(f"{said} is not in the {word}; write the day and the time alone, "
                            "e.g. saturday 7pm")
