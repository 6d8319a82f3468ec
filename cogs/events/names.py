"""How a list writes people's names: tagged with their platform for an event shared between
linked spaces, and those who look alike told apart by their IDs."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

from .repo import Attendee

OWN = ""  # in `labels`: the label of the card's own platform, whose people go untagged
_UNSEEN = {"Cf", "Mn", "Me", "Cc"}  # Unicode categories that draw nothing
_TRAILING = re.compile(r"\(([^()]*)\)\s*$")


def looks(text: str) -> str:
    """A name as it looks: case, width and accents folded, and what draws nothing (spaces,
    hidden characters, combining marks) left out."""
    return "".join(c for c in unicodedata.normalize("NFKD", text).casefold()
                   if not c.isspace() and unicodedata.category(c) not in _UNSEEN)


def told_apart(people: tuple[Attendee, ...], labels: Mapping[str, str] | None) -> list[str]:
    """The names of a list, each that looks like another's followed by its ID: a platform tells
    apart only the members it knew of when the name was taken, so two may still look alike."""
    return [name + added for name, added in told_apart_parts(people, labels)]


def told_apart_parts(people: tuple[Attendee, ...],
                     labels: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """As `told_apart`, each name apart from what the bot wrote after it (" (Alpha) (u1)"), so
    that a page can keep a name's own writing direction to the name alone."""
    tagged = [_tagged(p, labels) for p in people]
    bases = [_base(n + t, p.user.partition(":")[2]) for p, (n, t) in zip(people, tagged, strict=True)]
    alike = Counter(bases)
    out = []
    for p, (name, tag), base in zip(people, tagged, bases, strict=True):
        ident = p.user.partition(":")[2]
        if alike[base] > 1 and ident and looks(ident) not in looks(name + tag):
            tag = f"{tag} ({ident})"
        out.append((name, tag))
    return out


def _base(name: str, ident: str) -> str:
    """How a name looks without the "(ID)" a platform put after it to tell it apart."""
    tail = _TRAILING.search(name)
    if tail is not None and ident and looks(ident) in looks(tail.group(1)):
        name = name[:tail.start()]
    return looks(name)


def _named(p: Attendee, labels: Mapping[str, str] | None) -> str:
    """The name as a list shows it, tagged as `_tagged` says."""
    return "".join(_tagged(p, labels))


def shown_name(p: Attendee, labels: Mapping[str, str] | None) -> str:
    """One person's name as a card with these `labels` shows it: said about someone in a reply,
    a bare name where a linked space's card tags the other platform's would name its own person."""
    return _named(p, labels)


def _tagged(p: Attendee, labels: Mapping[str, str] | None) -> tuple[str, str]:
    """The name and its tag: its platform's label where `labels` has one, and its own
    platform's (`labels[OWN]`) when it ends like a tag would, so that someone called
    "alice (Alpha)" elsewhere never reads as Alpha's alice."""
    name = p.name or p.user.partition(":")[2]
    labels = labels or {}
    label = labels.get(p.user.partition(":")[0]) or (labels.get(OWN) if _tag_like(name) else None)
    return name, f" ({label})" if label else ""


def _tag_like(name: str) -> bool:
    """The name ends in a closing bracket of any script or width, hidden characters and
    spaces after it aside: any such ending could mimic a tag."""
    kept = unicodedata.normalize("NFKC", name).rstrip()
    while kept and (unicodedata.category(kept[-1]) in {"Cf", "Mn", "Me", "Zs"} or kept[-1].isspace()):
        kept = kept[:-1]
    return bool(kept) and unicodedata.category(kept[-1]) in {"Pe", "Pf"}
