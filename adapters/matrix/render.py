"""Neutral output -> Matrix message content.

Every message is an `m.notice` (bots do not answer bots) with a plain `body` from the
core's `plain()` and an `org.matrix.custom.html` `formatted_body`. Plain `str` parts are
user text: HTML-escaped and defused ("@room" gets a zero-width space) in both bodies. The
only way to ping someone is a `Mention`, which becomes a pill *and* an entry in
`m.mentions`; `m.mentions` is always present, so clients that follow intentional mentions
ping exactly those users and nobody else.
"""

from __future__ import annotations

import re
from html import escape as _escape
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.bidi import isolate
from bot.model import UserRef
from bot.render import (
    ZWSP,
    Attachment,
    Card,
    Inline,
    Line,
    Link,
    Mention,
    Out,
    Strong,
    Text,
    Time,
    defuse_mentions,
    format_time,
    plain,
    truncate,
)

from .budget import fitted
from .rooms import PLATFORM


def escape_html(s: str) -> str:
    return _escape(s, quote=True)


# Text that is not a message's own (a poll's fallback, a file's caption) is kept short;
# a message's size is budgeted in bytes for the whole event (budget.py).
MAX_BODY = 12_000


_PERMALINK = re.compile(r"(matrix)(\.to/)", re.IGNORECASE)


def defuse(s: str) -> str:
    """User text, defused: no mention words, and no matrix.to link, which Element links and
    then shows as a pill of the person or room it names (in the plain body as well), as if
    the bot had mentioned them."""
    return _PERMALINK.sub(r"\1" + ZWSP + r"\2", defuse_mentions(s))


def addressable(user: UserRef) -> bool:
    """Only a Matrix user can be a pill or in `m.mentions`; anyone else (a linked platform's
    person) is shown by name, as text."""
    return user.platform == PLATFORM and user.id.startswith("@")


def pill(user_id: str, display: str) -> str:
    return (f'<a href="https://matrix.to/#/{quote(user_id, safe="@:")}">'
            f"{escape_html(defuse_mentions(isolate(display)))}</a>")


def html_inline(part: Inline, tz: ZoneInfo | None) -> str:
    if isinstance(part, str):
        return escape_html(defuse(part))
    if isinstance(part, Strong):
        return f"<strong>{escape_html(defuse(part.text))}</strong>"
    if isinstance(part, Mention):
        if addressable(part.user):
            return pill(part.user.id, part.user.display)
        return escape_html(defuse("@" + isolate(part.user.display)))  # a linked platform's name
    if isinstance(part, Link):
        url = escape_html(part.url)
        return f'<a href="{url}">{url}</a>' if part.url.startswith(("https://", "http://")) else url
    if isinstance(part, Time):
        return escape_html(format_time(part.at, tz))
    raise TypeError(part)


def html_line(ln: Line, tz: ZoneInfo | None) -> str:
    return "".join(html_inline(p, tz) for p in ln)


def html_lines(lines: tuple[Line, ...], tz: ZoneInfo | None) -> str:
    return "<br>".join(html_line(ln, tz) for ln in lines)


def html(out: Text | Card, tz: ZoneInfo | None) -> str:
    if isinstance(out, Text):
        return html_lines(out.lines, tz)
    parts: list[str] = []
    if out.preface:
        parts.append(f"<p>{html_lines(out.preface, tz)}</p>")
    title = escape_html(defuse(out.title))
    ref = f" <code>{escape_html(out.ref)}</code>" if out.ref else ""
    parts.append(f"<h4>{title}{ref}</h4>")
    if out.body:
        parts.append(f"<p>{html_lines(out.body, tz)}</p>")
    for f in out.fields:
        name = f"<strong>{escape_html(defuse(f.name))}</strong>"
        rows = "".join(f"<br>{html_line(ln, tz)}" for ln in f.lines)
        parts.append(f"<p>{name}{rows}</p>")
    if out.footer:
        parts.append(f"<p><em>{escape_html(defuse(out.footer))}</em></p>")
    return "".join(parts)


def plain_body(out: Out, tz: ZoneInfo | None) -> str:
    # Mention display names are user-chosen too ("room"), so the whole body is defused.
    return defuse(plain(out, tz))


def mentions(out: Out) -> dict[str, Any]:
    return {"user_ids": [u.id for u in out.mentions if addressable(u)]}


def notice(out: Text | Card, tz: ZoneInfo | None, *, encrypted: bool = False) -> dict[str, Any]:
    """An `m.notice`, shortened where it would be too big an event (budget.py)."""
    return fitted(lambda o: _notice(o, tz), out, encrypted)  # type: ignore[arg-type]


def _notice(out: Text | Card, tz: ZoneInfo | None) -> dict[str, Any]:
    return {"msgtype": "m.notice", "body": plain_body(out, tz), "format": "org.matrix.custom.html",
            "formatted_body": html(out, tz), "m.mentions": mentions(out)}


def replacement(event_id: str, out: Text | Card, tz: ZoneInfo | None, *,
                encrypted: bool = False) -> dict[str, Any]:
    """An `m.replace` edit, shortened where it would be too big an event (budget.py)."""
    return fitted(lambda o: _replacement(event_id, o, tz), out, encrypted)  # type: ignore[arg-type]


def _replacement(event_id: str, out: Text | Card, tz: ZoneInfo | None) -> dict[str, Any]:
    """The top-level `m.mentions` is empty on purpose: an edit of a live card never pings
    again; a cog that wants to tell someone posts a new message."""
    new = _notice(out, tz)
    content: dict[str, Any] = {
        "msgtype": "m.notice",
        "body": "* " + new["body"],
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
        "m.mentions": {},
    }
    if "formatted_body" in new:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = "* " + new["formatted_body"]
    return content


def in_thread(root: str, answered: str) -> dict[str, Any]:
    """The relation of a reply in a thread (clients without threads show it as a reply)."""
    return {"rel_type": "m.thread", "event_id": root, "is_falling_back": True,
            "m.in_reply_to": {"event_id": answered}}


def image_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's width and height, read off its header (IHDR), or None."""
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def file_message(att: Attachment, content_uri: str, keys: dict[str, Any] | None = None) -> dict[str, Any]:
    """An `m.file`, or an `m.image` (with its size, so clients lay it out before loading it).
    With `keys` (an encrypted room) the upload is ciphertext, named by `file` instead of `url`."""
    caption = defuse(att.caption) if att.caption else ""
    info: dict[str, Any] = {"mimetype": att.mime, "size": len(att.data)}
    image = att.mime.startswith("image/")
    if image and (size := image_size(att.data)) is not None:
        info["w"], info["h"] = size
    content: dict[str, Any] = {
        "msgtype": "m.image" if image else "m.file",
        # With a caption, `body` is the caption and `filename` the name (spec v1.10).
        "body": truncate(caption, MAX_BODY) if caption else att.filename,
        "filename": att.filename,
        **({"file": {**keys, "url": content_uri}} if keys else {"url": content_uri}),
        "info": info,
        "m.mentions": {"user_ids": []},
    }
    if caption:
        content["format"] = "org.matrix.custom.html"
        content["formatted_body"] = escape_html(caption)
    return content
