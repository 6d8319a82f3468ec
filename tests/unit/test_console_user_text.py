"""User text in the console (`logoff try`) is shown, never run by the terminal: an escape
sequence or other control character in a title, a place, a chat message or a name is printed as
its picture (␛), so it cannot clear the screen, retitle the window, move the cursor or overwrite
what the bot said (PRODUCT.md, Message markers)."""

from __future__ import annotations

import unicodedata

import pytest

from tests.unit.console_kit import typed

HOSTILE = {
    "clear screen": "\x1b[2J\x1b[Hpwned",
    "window title": "\x1b]0;owned\x07title",
    "carriage return": "real\rfake",
    "backspace": "abc\x08\x08\x08xyz",
    "C1 CSI": "\x9b31mred",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
async def test_control_characters_in_user_text_are_shown_not_run(console, kind: str) -> None:  # type: ignore[no-untyped-def]
    _, adapter = console
    h = HOSTILE[kind]
    out = await typed(adapter, f":as eve{h}", f"hello {h}",
                      f'!event create "{h}" when="in 3 hours" where="{h}" details="{h}"',
                      ":react last ✅", "!event attendees 1", f"!help {h}")
    controls = {c for c in out if unicodedata.category(c) == "Cc" and c != "\n"}
    assert not controls, (kind, controls, out)
    shown = h.translate({c: chr(0x2400 + c) for c in range(0x20)} | {0x9B: "\ufffd"})
    assert f": hello {shown}\n" in out, out  # a chat message, by a name with it where one can be
    assert "* ⚠️ a name " in out, out  # `:as` refuses such a name (or, split at a CR, as two words)
    # The title as the core read it (it takes C0 controls in a command for spaces), shown.
    card = next(ln for ln in out.splitlines() if "📅" in ln)
    assert card.endswith(" #1") and h[-3:] in card, card
