"""Neutral output -> Discord message parts, within Discord's limits.

Plain `str` parts are user text: markdown is escaped and `@everyone`-like tokens are
defused, and every send carries `allowed_mentions` naming exactly the `Mention` users,
so nothing a user typed can ping anyone or change how the message looks.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

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
    and_more,
    defuse_mentions,
    list_items,
)

from .fitting import ELLIPSIS, Piece, clip, clip_before, fit, least, list_piece, share, split
from .views import action_view

log = logging.getLogger(__name__)

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
ALT_MAX = 1024  # an attachment's description (alt text)
DESCRIPTION_FLOOR = 200  # of a card's text, kept before fields of a card past every limit


# Every character Discord's markdown gives a meaning, escaped wherever it stands: text has no
# context here (a part may begin a line), and discord.utils.escape_markdown leaves channel, role,
# slash-command and timestamp tokens (`<#1>`, `<@&2>`, `</x:3>`, `<t:0>`) and numbered lists live.
_MD_SPECIAL = re.compile(r"([\\*_~`|>\[\]()#<:-])")
# "1. first" at the start of a line is a numbered list; the dot is escaped there.
_LIST_NUMBER = re.compile(r"^(\s*\d+)\.(?=\s|$)", re.MULTILINE)


def escape_markdown(s: str) -> str:
    """Literal text inside Discord markdown: every markdown character escaped."""
    return _LIST_NUMBER.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", s))


WEB_ADDRESS = re.compile(r"https?://[^\s<>]+")  # inside <…> Discord reads no markdown


def literal(s: str) -> str:
    """User text shown as typed: no markdown, no mention tokens."""
    return escape_markdown(defuse_mentions(s))


def inline(part: Inline) -> str:
    if isinstance(part, str):
        return literal(part)
    if isinstance(part, Strong):
        return f"**{literal(part.text)}**"
    if isinstance(part, Mention):
        if part.user.platform == "discord" and part.user.id.isdigit():
            return f"<@{part.user.id}>"
        return literal("@" + isolate(part.user.display))  # a linked platform's name, as typed
    if isinstance(part, Link):
        # In angle brackets: a link without a preview (a calendar's secret address is not
        # fetched by Discord to make one).
        return f"<{part.url}>" if WEB_ADDRESS.fullmatch(part.url) else literal(part.url)
    if isinstance(part, Time):
        stamp = int(part.at.timestamp())
        return f"<t:{stamp}:F> (<t:{stamp}:R>)" if part.relative else f"<t:{stamp}:F>"
    raise TypeError(f"unknown inline part {part!r}")


def render_line(ln: Line) -> str:
    return "".join(inline(p) for p in ln)


def piece(ln: Line) -> Piece:
    """A neutral line rendered, a list line (`bot.render.list_line`) as its items."""
    found = list_items(ln)
    if found is None:
        return Piece(render_line(ln))
    items, more = found
    return list_piece([render_line(item) for item in items], more)


def fit_lines(lines: Sequence[Line], limit: int) -> str:
    """Lines in one place of at most `limit` characters (fitting.fit): a long list ends in
    "and N more" counting exactly the people not shown."""
    return fit([piece(ln) for ln in lines], limit)


def split_lines(lines: Sequence[Line], limit: int) -> list[str]:
    """Lines as consecutive messages of at most `limit` characters each, nothing dropped."""
    return split([piece(ln) for ln in lines], limit)


def allowed_mentions(users: Sequence[UserRef]) -> discord.AllowedMentions:
    ids = [discord.Object(int(u.id)) for u in users if u.platform == "discord" and u.id.isdigit()]
    return discord.AllowedMentions(everyone=False, roles=False, users=ids, replied_user=False)


def is_refusal(out: Out) -> bool:
    return isinstance(out, Text) and out.refusal


@dataclass
class Rendered:
    content: str | None
    embed: discord.Embed | None = None
    attachment: Attachment | None = None
    view: discord.ui.View | None = None
    mentions: tuple[UserRef, ...] = ()
    reactions: tuple[str, ...] = ()

    def file(self) -> discord.File | None:
        # A discord.File is consumed by one request, so each send gets a fresh one.
        if self.attachment is None:
            return None
        alt = clip(self.attachment.alt, ALT_MAX) if self.attachment.alt else None
        return discord.File(io.BytesIO(self.attachment.data), filename=self.attachment.filename,
                            description=alt)

    def send_kwargs(self) -> dict[str, Any]:
        kw: dict[str, Any] = {"content": self.content, "allowed_mentions": allowed_mentions(self.mentions)}
        if self.embed is not None:
            kw["embed"] = self.embed
        if self.view is not None:
            kw["view"] = self.view
        f = self.file()
        if f is not None:
            kw["file"] = f
        return kw

    def edit_kwargs(self) -> dict[str, Any]:
        """A full replacement: absent parts are cleared (None), not left as they were."""
        kw: dict[str, Any] = {"content": self.content, "embed": self.embed, "view": self.view,
                              "allowed_mentions": allowed_mentions(self.mentions)}
        f = self.file()
        if f is not None:
            kw["attachments"] = [f]
        return kw


def render(out: Out) -> Rendered:
    """`out` as one message (an edit replaces one): a long text is shortened to fit."""
    if isinstance(out, Text):
        content = fit_lines(out.lines, CONTENT_MAX)
        return Rendered(content or "\u200b", mentions=out.mentions)
    if isinstance(out, Attachment):
        caption = clip(literal(out.caption), CONTENT_MAX) if out.caption else None
        return Rendered(caption, attachment=out)
    if isinstance(out, Card):
        preface = fit_lines(out.preface, CONTENT_MAX) if out.preface else None
        return Rendered(preface or None, embed=card_embed(out), view=action_view(out.actions),
                        mentions=out.mentions, reactions=out.reactions)
    raise TypeError(f"cannot render {out!r}")


def render_all(out: Out) -> list[Rendered]:
    """`out` as the messages that carry it when sent: a text over Discord's limit goes out as
    several messages, split between lines (a long list between names), so nothing is lost."""
    if isinstance(out, Text):
        chunks = split_lines(out.lines, CONTENT_MAX) or ["\u200b"]
        return [Rendered(chunk, mentions=out.mentions) for chunk in chunks]
    return [render(out)]


def card_embed(card: Card) -> discord.Embed:
    # Escaping can make a title of allowed length longer than Discord's: the id marker is kept.
    title = clip_before(literal(card.title), card.ref, TITLE_MAX)
    footer = clip(card.footer, FOOTER_MAX) if card.footer else ""
    budget = EMBED_TOTAL_MAX - len(title) - len(footer)

    # Every field is kept (their names carry the markers: Going (n), Maybe (n), Goal (n/goal)…);
    # within the 6000 characters of an embed their values share what is left, a list of names
    # shortened to an exact "and N more" rather than a field dropped.
    body = [piece(ln) for ln in card.body]
    body_floor = min(len(fit(body, DESCRIPTION_MAX)), DESCRIPTION_FLOOR)
    fields = list(card.fields)[:FIELDS_MAX]
    names = [clip(literal(f.name), FIELD_NAME_MAX) or ZWSP for f in fields]
    pieces = [[piece(ln) for ln in f.lines] for f in fields]
    natural = [min(FIELD_VALUE_MAX, len(fit(p, FIELD_VALUE_MAX))) or 1 for p in pieces]
    floor = [min(n, _least(p)) for n, p in zip(natural, pieces, strict=True)]

    def fits(k: int) -> bool:  # the first k fields, and one saying how many more
        more = len(ZWSP) + len(and_more(len(card.fields) - k)) if k < len(card.fields) else 0
        return (k <= FIELDS_MAX - (1 if more else 0)
                and sum(map(len, names[:k])) + sum(floor[:k]) + more + body_floor <= budget)

    kept = len(fields)
    while kept and not fits(kept):  # only for cards far beyond any a cog makes
        kept -= 1
    del fields[kept:], names[kept:], pieces[kept:], natural[kept:], floor[kept:]
    more = and_more(len(card.fields) - kept) if kept < len(card.fields) else ""
    budget -= sum(map(len, names)) + (len(ZWSP) + len(more) if more else 0)

    description = fit(body, max(0, min(DESCRIPTION_MAX, budget - sum(floor))))
    embed = discord.Embed(title=title or None, description=description or None,
                          colour=card.color if card.color is not None else None)
    budget -= len(description)
    rooms = share(natural, floor, budget)
    for f, name, lines, room in zip(fields, names, pieces, rooms, strict=True):
        embed.add_field(name=name, value=fit(lines, room) or ZWSP, inline=f.inline)
    if more:
        embed.add_field(name=ZWSP, value=more, inline=False)
    if footer:
        embed.set_footer(text=footer)
    return embed


def _least(lines: list[Piece]) -> int:
    """The room a field's value needs at least: its first line as short as it goes (a list as
    "and N more"), and "…" for the lines after it."""
    if not lines:
        return 1
    return least(lines[0]) + (len("\n" + ELLIPSIS) if len(lines) > 1 else 0)
