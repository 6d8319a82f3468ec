"""The events of a native poll (MSC3381) beside a poll card: its start and its end, each
kept under the homeserver's event limit in bytes (budget.py) by shortening its texts."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.render import Card, Choices, plain_line, truncate

from .budget import fits
from .render import MAX_BODY, defuse

START = "org.matrix.msc3381.poll.start"
START_TYPES = (START, "m.poll.start")
END = "org.matrix.msc3381.poll.end"
TEXT = "org.matrix.msc1767.text"
DISCLOSED = "org.matrix.msc3381.poll.disclosed"
# The keys the poll cards seed and count (canonical, bot.emoji): answer n is NUMBER_KEYS[n-1].
NUMBER_KEYS = (*(f"{n}\ufe0f\u20e3" for n in range(1, 10)), "\U0001f51f")
# The longest a question or answer is shown in a poll's events, then shorter until the event
# fits (an emoji is up to 16 bytes of an encrypted event, and each text is there twice).
TEXT_CHARS = (500, 300, 200, 120, 80, 50, 30, 20, 12)


# --- contents ------------------------------------------------------------------------------


def start_content(card: Card, choices: Choices, tz: ZoneInfo | None, encrypted: bool = False,
                  relates_to: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The poll's start, its texts shortened (each ending "…") until the event fits the
    homeserver's limit in bytes; None if even the shortest does not (the card goes alone).
    `relates_to`: the card's thread, where the poll goes beside it."""
    for chars in TEXT_CHARS:
        content = _start(card, choices, tz, chars)
        if relates_to is not None:
            content["m.relates_to"] = relates_to
        if fits(content, encrypted):
            return content
    return None


def _start(card: Card, choices: Choices, tz: ZoneInfo | None, chars: int) -> dict[str, Any]:
    question = truncate(defuse(choices.question), chars)
    answers = [truncate(defuse(plain_line(o, tz)), chars)
               for o in choices.options[: len(NUMBER_KEYS)]]
    # Clients without polls show this text; the #id says which card `poll vote` means.
    fallback = truncate("\n".join([f"📊 {question} {card.ref}".strip(),
                                   *(f"{n}. {a}" for n, a in enumerate(answers, 1))]), MAX_BODY)
    return {
        TEXT: fallback,
        "body": fallback,
        START: {
            "kind": DISCLOSED,
            "max_selections": len(answers) if choices.multi else 1,
            "question": {TEXT: question},
            "answers": [{"id": str(n), TEXT: a} for n, a in enumerate(answers, 1)],
        },
        "m.mentions": {},
    }


def end_content(start_id: str, card: Card, tz: ZoneInfo | None, encrypted: bool = False) -> dict[str, Any]:
    """The end, its results as the fallback text; a line too long for the event's limit in
    bytes is shortened (ending "…"), the counts after it kept."""
    for chars in TEXT_CHARS:
        content = _end(start_id, card, tz, chars)
        if fits(content, encrypted):
            return content
    return _end(start_id, card, tz, 0)  # no text: the end itself still closes the poll


def _end(start_id: str, card: Card, tz: ZoneInfo | None, chars: int) -> dict[str, Any]:
    question = truncate(defuse(card.choices.question if card.choices else card.title), chars)
    results = [_result(defuse(plain_line(ln, tz)), chars) for ln in card.body]
    fallback = truncate("\n".join([f"📊 The poll has ended: {question} {card.ref}".strip(), *results]),
                        MAX_BODY) if chars else ""
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_id},
        END: {},
        TEXT: fallback,
        "body": fallback,
        "m.mentions": {},
    }


def bare_end_content(start_id: str, ref: str, closed: bool = True) -> dict[str, Any]:
    """An end whose results text is no longer known (its poll was closed before a restart);
    `closed` False: only this native poll ends (its card is gone, the poll may go on)."""
    if closed:
        fallback = f"📊 Poll {ref} has ended." if ref else "📊 The poll has ended."
    else:
        fallback = f"📊 Poll {ref} takes no more answers here." if ref else "📊 This poll takes no more answers."
    return {"m.relates_to": {"rel_type": "m.reference", "event_id": start_id}, END: {},
            TEXT: fallback, "body": fallback, "m.mentions": {}}


def _result(text: str, chars: int) -> str:
    """A result line ("option — n") shortened in its option, never in its count."""
    option, sep, count = text.rpartition(" — ")
    return truncate(option, chars) + sep + count if sep else truncate(text, chars)
