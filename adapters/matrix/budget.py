"""Fitting a message into the homeserver's event size limit.

Synapse refuses an event over 64 KiB of canonical JSON (UTF-8), counted for the whole event:
an edit carries its text four times (`body`, `formatted_body`, and both again in
`m.new_content`), and in an encrypted room nio encrypts the JSON with every non-ASCII
character escaped (an emoji is 12 bytes) and base64-encodes the result. A refused edit
would leave a live card stale for good, so a card too big is shortened until it fits: long
names in its lists are cut, then each list keeps its first names and says how many more
there are ("and 12 more"), so the counts it shows stay exact. Only then is the rich text
dropped and the plain text cut.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from bot.render import Card, Field, Line, Out, first_items, list_items, list_line, truncate

EVENT_LIMIT = 65_536
# The event around the content (ids, hashes, signatures, auth and prev events), with room
# to spare.
ENVELOPE = 4_096
# Encryption: the room id and type beside the content, then the ciphertext's own fields
# (sender key, session id, device id, MAC, signature).
ENCRYPTED_EXTRA = 400
NAME_CHARS = 64
KEEP_NAMES = (30, 20, 12, 8, 5, 3, 1)

Content = dict[str, Any]


def wire_size(content: Content, encrypted: bool) -> int:
    if encrypted:
        ascii_json = len(json.dumps(content, separators=(",", ":")))  # nio's Api.to_json
        return (ascii_json + ENCRYPTED_EXTRA) * 4 // 3 + ENCRYPTED_EXTRA
    return len(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode())


def fits(content: Content, encrypted: bool) -> bool:
    return wire_size(content, encrypted) + ENVELOPE <= EVENT_LIMIT


def fitted(build: Callable[[Out], Content], out: Out, encrypted: bool) -> Content:
    """The content `build` makes of `out`, or of the least shortened `out` that fits."""
    content = build(out)
    if fits(content, encrypted):
        return content
    if isinstance(out, Card):
        for smaller in _shorter(out):
            content = build(smaller)
            if fits(content, encrypted):
                return content
    return _plain_only(content, encrypted)


def _shorter(card: Card) -> Iterator[Card]:
    capped = _with_lines(card, _cap_names)
    yield capped
    for keep in KEEP_NAMES:
        yield _with_lines(capped, lambda ln, k=keep: first_items(ln, k))  # type: ignore[misc]


def _with_lines(card: Card, change: Callable[[Line], Line]) -> Card:
    fields = tuple(Field(f.name, tuple(change(ln) for ln in f.lines), f.inline) for f in card.fields)
    return replace(card, fields=fields)


def _cap_names(ln: Line) -> Line:
    found = list_items(ln)
    if found is not None:  # still a list, a cut name still one item of it
        items, more = found
        return list_line((_cap_names(item) for item in items), more)
    return tuple(truncate(p, NAME_CHARS) if isinstance(p, str) else p for p in ln)


def _plain_only(content: Content, encrypted: bool) -> Content:
    """The last resort: no rich text, and the plain text cut until the event fits."""
    content = _without_html(content)
    lo, hi = 0, max((len(b) for b in _bodies(content)), default=0)
    best = _cut(content, 0)
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = _cut(content, mid)
        if fits(candidate, encrypted):
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best


def _without_html(content: Content) -> Content:
    out = {k: v for k, v in content.items() if k not in ("format", "formatted_body")}
    if isinstance(new := out.get("m.new_content"), dict):
        out["m.new_content"] = _without_html(new)
    return out


def _bodies(content: Content) -> list[str]:
    found = [content["body"]] if isinstance(content.get("body"), str) else []
    if isinstance(new := content.get("m.new_content"), dict):
        found += _bodies(new)
    return found


def _cut(content: Content, chars: int) -> Content:
    out = dict(content)
    if isinstance(out.get("body"), str):
        out["body"] = truncate(out["body"], chars)
    if isinstance(new := out.get("m.new_content"), dict):
        out["m.new_content"] = _cut(new, chars)
    return out
