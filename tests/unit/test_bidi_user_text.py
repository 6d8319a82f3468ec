"""Right-to-left overrides and other bidi controls in people's text (a title, a place, a poll's
question and options, a name) turn only that text around, not the id, counts, times and names
the bot writes after it on the line: each such piece is a Unicode isolate (FSI … PDI) with what
it opens closed inside it (bot/bidi.py). Shown here through the console, which prints what the
fake platform renders; text without a bidi control is left byte for byte as typed."""

from __future__ import annotations

import pytest

from bot.bidi import isolate
from tests.unit.console_kit import typed

RLO, PDF, LRI, FSI, PDI = "\u202e", "\u202c", "\u2066", "\u2068", "\u2069"


def opened_before(line: str, marker: str) -> list[str]:
    """The embeddings, overrides and isolates still open where `marker` starts in `line`, paired
    as the Unicode bidi algorithm pairs them (UAX #9, X1-X7): anything open there turns it."""
    at = line.index(marker)
    stack: list[str] = []
    for c in line[:at]:
        if c in "\u202a\u202b\u202d\u202e":
            stack.append(c)
        elif c in "\u2066\u2067\u2068":
            stack.append(c)
        elif c == PDF and stack and stack[-1] not in "\u2066\u2067\u2068":
            stack.pop()
        elif c == PDI and any(s in "\u2066\u2067\u2068" for s in stack):
            while stack.pop() not in "\u2066\u2067\u2068":
                pass
    return stack


def line_with(out: str, marker: str) -> str:
    return next(ln for ln in out.splitlines() if marker in ln)


async def test_an_override_in_a_title_place_or_name_turns_only_itself(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    out = await typed(adapter, f":as Ann{RLO} mod",
                      f'!event create "Quiz{RLO}" when="in 3 hours" where="Pub{LRI}" details="{PDI}x{RLO}"',
                      ":react last ✅", ":as bob", ":react m1 ✅", ":wait 2h1m")
    card = out[out.index("📅"):]
    for marker in (" #1", "Going (2)", "Maybe (0)", ", bob", "React ✅ going"):
        assert opened_before(line_with(card, marker), marker) == [], (marker, card)
    assert f"📅 {FSI}Quiz{RLO}{PDF}{PDI} #1" in card and f"📍 {FSI}Pub{LRI}{PDI}{PDI}" in card, card
    # A stray PDI would have closed the isolate early, letting the override after it out.
    assert f"{FSI}x{RLO}{PDF}{PDI}" in card, card
    reminder = line_with(out, "⏰ Reminder:")
    assert opened_before(reminder, " #1 starts") == [] and opened_before(reminder, " at ") == [], reminder


async def test_an_override_in_a_poll_turns_neither_its_number_nor_its_counts(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    out = await typed(adapter, f'!poll create "Where{RLO}?" "A{RLO} | B"', ":react last 1️⃣",
                      "!poll results 1")
    assert opened_before(line_with(out, "📊"), " #1") == [], out
    for marker in (" — 1 ", " — 0 ", "Leading: "):
        assert opened_before(line_with(out, marker), marker) == [], (marker, out)
    leading = line_with(out, "Leading: ")
    assert opened_before(leading, " with 1 vote") == [], leading


async def test_plain_text_is_shown_byte_for_byte(console) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    out = await typed(adapter, ":as ann", '!event create "Picnic (שלום)" when="in 3 hours" where="Park"',
                      ":react last ✅", '!poll create "Where?" "A | B"')
    assert "📅 Picnic (שלום) #1" in out and "📍 Park" in out and "📊 Where? #1" in out, out
    assert not set(out) & set("\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"), out


@pytest.mark.parametrize("said, shown", [
    ("plain", "plain"),
    (f"{RLO}evil", f"{FSI}{RLO}evil{PDF}{PDI}"),
    (f"{PDI}{RLO}evil", f"{FSI}{RLO}evil{PDF}{PDI}"),  # a PDI that closes nothing of its own goes
    (f"{PDF}a{LRI}b", f"{FSI}a{LRI}b{PDI}{PDI}"),
    (f"a{RLO}\nb", f"{FSI}a{RLO}{PDF}{PDI}\nb"),  # each paragraph on its own
    ("a\u200fb", f"{FSI}a\u200fb{PDI}"),  # a mark turns the neutrals beside it
])
def test_isolating_a_piece(said: str, shown: str) -> None:
    assert isolate(said) == shown
    assert isolate(shown) == shown  # twice is once


@pytest.mark.parametrize("said, after", [
    ("!config set offline.cooldown \u202e5h", "Allowed"),
    ("!config set \u202eoffline.cooldown 5h", "did you mean"),  # a key, quoted back as typed
])
async def test_a_refusal_quoting_what_was_typed_turns_only_the_quote(fake, bot, said: str,  # type: ignore[no-untyped-def]
                                                                     after: str) -> None:
    [r] = await fake.invoke(said, "mod", mod=True)
    assert r.text.startswith("⚠️"), repr(r.text[:20])
    assert opened_before(r.text, after) == [], repr(r.text)
    assert isolate(said.split()[-1] if after == "Allowed" else said.split()[2]) in r.text  # quoted whole


def test_only_quotes_are_isolated_in_a_refusal() -> None:
    from bot.render import warning
    said = warning(f"x can't be '{RLO}5h': say it's 5h")
    assert said.lines[0][0] == f"⚠️ x can't be '{isolate(RLO + '5h')}': say it's 5h"
    assert warning("x can't be '5h': say it's 5h").lines[0][0] == "⚠️ x can't be '5h': say it's 5h"
