"""The words of the "take it offline" prompt, kept in one place so they can be A/B tested.

Each prompt gets one variant, chosen from its id (so both arms fill evenly and a restart does
not reshuffle), and the variant is recorded with the prompt; ``config show`` reports how each is
received. Every variant speaks to everyone in the exchange alike: no one is told they are the
problem, and nothing quotes what was said.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Wording:
    name: str
    title: str
    invite: str  # follows "Hey <people>"


VARIANTS: tuple[Wording, ...] = (
    Wording("face", "☕ Take it offline?",
            ", this sounds like a conversation worth having face to face. "
            "Want to grab a coffee or a walk and talk it through in person?"),
    Wording("care", "☕ Take it offline?",
            ", you all clearly care about this one. Some things are easier over a coffee "
            "than in a chat: how about meeting up to talk it through?"),
)
BY_NAME = {w.name: w for w in VARIANTS}


def pick(prompt_id: int) -> Wording:
    return VARIANTS[prompt_id % len(VARIANTS)]


def named(name: str) -> Wording:
    return BY_NAME.get(name, VARIANTS[0])
