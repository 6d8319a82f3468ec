"""`:react` and `:unreact`: which message `last` names, and a reaction no card takes said as such.

On a platform a reaction shows on the message it was put on, so one on a notice or with an
emoji the card does not offer is plainly nothing. The console shows no reactions, so there
it looked like an RSVP or a vote that was lost: it is refused with what would work instead.
What a card offers is the reactions the bot put on it itself (its `reactions:` line), which
cards from an earlier run (`--db`) keep too. The bot takes them off when its event ends or is
cancelled or its poll closes, so whether a message is still a card is the core's to say
(`is_tracked`), and whether it ever was one is the console's (`adapter.were_cards`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.emoji import canonical
from bot.fake_sent import Sent

from .aliases import KEYCAPS, emoji
from .names import _cut

if TYPE_CHECKING:
    from .adapter import ConsoleAdapter

# 📍 is put on an event's card only once check-in opens; before then the core says when it does.
HERE, GOING = "📍", "✅"
KEYS = {canonical(k): n for n, k in enumerate(KEYCAPS, 1)}


def offered(adapter: ConsoleAdapter, message_id: str) -> list[str]:
    return [e for e, users in adapter.reactions.get(message_id, {}).items() if adapter.me in users]


def note_card(adapter: ConsoleAdapter, message_id: str) -> None:
    """Remember a message the bot put a reaction on: a card, after it takes them off too."""
    if offered(adapter, message_id):
        adapter.were_cards.add(message_id)


def _live(adapter: ConsoleAdapter, sent: Sent) -> bool:
    return adapter.bot is not None and adapter.bot.is_tracked(sent.ref)


def _offers(adapter: ConsoleAdapter, sent: Sent, chosen: str) -> bool:
    offers = offered(adapter, sent.id)
    keys = {canonical(e) for e in offers}
    return canonical(chosen) in keys or (chosen == HERE and canonical(GOING) in keys)


def _public(adapter: ConsoleAdapter) -> list[Sent]:
    """The bot's messages, latest first, but for replies only their asker would see."""
    return [s for s in reversed(adapter.log) if not s.ephemeral]


def _named(sent: Sent) -> str:
    """`m2 (📅 Run #1)`: the id, and the card's first line as it was printed."""
    first = (sent.text.splitlines() or [""])[0].strip()
    return f"{sent.id} ({_cut(first)})" if first else sent.id


async def react_line(adapter: ConsoleAdapter, cmd: str, args: list[str]) -> None:
    """`:react <msg> <emoji>` or `:unreact <msg> <emoji>` (two words)."""
    which, typed = args[0].lower(), args[1]
    sent: Sent | None = None
    if which != "last":
        try:
            sent = adapter.messages[which]
        except KeyError:
            adapter.note(f"⚠️ {args[0][:12]} is a chat line; react to one of the bot's messages, like m3, or last"
                         if re.fullmatch(r"u\d+", which) else
                         f"⚠️ there is no message {args[0][:20]}; use an id like m3, or last")
            return
    if any(c.isdigit() and not c.isascii() for c in typed):  # '²' or '٣': int() of some fails, all mislead
        adapter.note(f"⚠️ {_cut(typed)!r} is not a number I read; type the digits 0-9, e.g. :{cmd} {which} 2")
        return
    if typed.isdigit() and not 1 <= int(typed) <= 10:
        adapter.note(f"⚠️ the number reactions go from 1 to 10; got {typed[:12]}")
        return
    chosen = emoji(typed)
    if chosen.isascii() or canonical(chosen) is None:  # a typo, a word, an unknown shortcode
        adapter.note(f"⚠️ {typed[:20]!r} is not an emoji I know; type the emoji itself (✅ 🤔 ❌ 📍), "
                     "a number 1 to 10, or :white_check_mark:, :thinking:, :x:, :round_pushpin:")
        return
    public = _public(adapter)
    if sent is None:
        if not public:
            adapter.note("⚠️ there is no card or notice yet for last to name (replies to commands are passed "
                         "over); react to one by its id, e.g. :react m1 ✅" if adapter.log else
                         "⚠️ there is no bot message yet to react to")
            return
        if cmd == "unreact":
            sent = next((s for s in public if adapter.current in adapter.reactions.get(s.id, {}).get(chosen, [])),
                        None)
            if sent is None:
                adapter.note(f"⚠️ you have not reacted {chosen} to any message, so there is nothing to take back")
                return
        else:
            # A closed poll keeps its number reactions on; a vote there would count for nothing.
            sent = next((s for s in public if not s.deleted and _offers(adapter, s, chosen) and _live(adapter, s)),
                        public[0])
    had = adapter.current in adapter.reactions.get(sent.id, {}).get(chosen, [])
    if had == (cmd == "react"):  # a platform ignores it; said, so it does not look lost
        adapter.note(f"you have already reacted {chosen} to {sent.id}" if had else
                     f"⚠️ you have not reacted {chosen} to {sent.id}, so there is nothing to take back")
        return
    if cmd == "react" and not _live(adapter, sent) and sent.id in adapter.were_cards:
        adapter.note(_over(sent))
        return
    # A card the core still has but whose reactions the bot took off (its event ended): the
    # core says why a reaction there does nothing ("has ended", "check-in closed").
    if cmd == "react" and not _offers(adapter, sent, chosen) and (offered(adapter, sent.id) or not _live(adapter, sent)):
        adapter.note(_not_offered(adapter, sent, chosen, public))
        return
    await adapter.react(sent.ref, chosen, adapter.current, added=cmd == "react")


def _not_offered(adapter: ConsoleAdapter, sent: Sent, chosen: str, public: list[Sent]) -> str:
    offers = offered(adapter, sent.id)
    if not offers:
        card = next((s for s in public if not s.deleted and offered(adapter, s.id) and _live(adapter, s)), None)
        instead = (f"react to a card such as {_named(card)}, e.g. :react {card.id} {offered(adapter, card.id)[0]}"
                   if card else "there is no open card now: !event create or !poll create makes one"
                   if adapter.were_cards else "there is no card yet: !event create or !poll create makes one")
        return f"⚠️ {sent.id} is not a card, so a reaction to it counts for nothing; {instead}"
    numbers = sorted(n for e in offers if (n := KEYS.get(canonical(e))) is not None)
    if numbers and canonical(chosen) in KEYS:
        return (f"⚠️ {_named(sent)} has options {numbers[0]} to {numbers[-1]}; react with one of those, "
                f"e.g. :react {sent.id} {numbers[0]}")
    return (f"⚠️ {_named(sent)} takes {' '.join(offers)}, not {chosen}; react with one of those, "
            f"e.g. :react {sent.id} {offers[0]}")


def _over(sent: Sent) -> str:
    """A card the core no longer has: its poll closed, or its event was cancelled or archived."""
    first = (sent.text.splitlines() or [""])[0]
    what = ("its poll is closed" if first.startswith("📊") else
            "its event is over or cancelled" if first.startswith("📅") else
            "its poll is closed or its event is over or cancelled")
    return (f"⚠️ {_named(sent)} is no longer open: {what}, so a reaction to it counts for nothing "
            "and nothing was changed")
