"""The "take it offline" prompt: friendly, addressed to the people talking, with a way
to propose a meetup and a way to say not now."""

from __future__ import annotations

from bot.model import UserRef
from bot.render import Action, Card, Inline, Line, Mention, line

from .wording import Wording

PROPOSE, DISMISS, WHY = "📅", "🔕", "❓"


def addressed(people: list[UserRef]) -> Line:
    if not people:
        return line("Hey all")
    parts: list[Inline] = ["Hey "]
    for i, p in enumerate(people):
        sep = "" if i == 0 else (" and " if i == len(people) - 1 else ", ")
        parts.extend([sep, Mention(p)])
    return line(*parts)


def prompt_card(prompt_id: int, people: list[UserRef], note: str | None, by: UserRef | None,
                buttons: bool, wording: Wording, auto: bool) -> Card:
    body: list[Line] = [line(*addressed(people), wording.invite)]
    if note and by is not None:
        body.append(line("Note from ", by.display, ": ", note))
    how = ("Press Propose a meetup for a quick poll of times, or Not now."
           if buttons else f"React {PROPOSE} for a quick poll of times, or {DISMISS} for not now.")
    if auto:
        how += f" ({WHY} shows why I spoke up.)"
    body.append(line(how))
    actions = (Action(f"offline:meet:{prompt_id}", "Propose a meetup", "primary", PROPOSE),
               Action(f"offline:dismiss:{prompt_id}", "Not now", "secondary", DISMISS)) if buttons else ()
    reactions = (PROPOSE, DISMISS, WHY) if auto else (PROPOSE, DISMISS)
    return Card(title=wording.title, body=tuple(body), actions=actions,
                reactions=reactions, color=0xFEE75C)


def why_text(signals: list[str]) -> str:
    """The reasons for an automatic prompt, for the people it addressed (never message text)."""
    if not signals:
        return "I spoke up because this exchange was among the hottest in this channel."
    return ("I spoke up because of: " + "; ".join(signals)
            + ". Nothing you wrote is stored, only these signals.")


def closed_card(*outcome: Inline) -> Card:
    """The prompt once answered; a name in `outcome` is a part of its own, isolated apart from
    the bot's words (bot/bidi.py), not merged into them."""
    return Card(title="☕ Take it offline?", body=(line(*outcome),), color=0x99AAB5)
