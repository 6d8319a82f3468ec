"""What people type for an emoji in a terminal: `1` for 1️⃣, `:white_check_mark:` for ✅.
Keycaps without U+FE0F need nothing here: the core canonicalises them."""

from __future__ import annotations

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
NAMED = {
    ":white_check_mark:": "✅", ":heavy_check_mark:": "✅", ":check:": "✅", ":yes:": "✅",
    ":thinking:": "🤔", ":thinking_face:": "🤔", ":maybe:": "🤔",
    ":x:": "❌", ":no:": "❌", ":cross_mark:": "❌",
    ":round_pushpin:": "📍", ":pushpin:": "📍", ":keycap_ten:": "🔟",
    **{f":{w}:": k for w, k in zip(WORDS, KEYCAPS, strict=True)},
}


def emoji(text: str) -> str:
    """The emoji a console user means; anything else as typed."""
    t = text.strip()
    if t.isascii() and t.isdigit() and 1 <= int(t) <= 10:  # '²' is a digit int() refuses
        return KEYCAPS[int(t) - 1]
    return NAMED.get(t.lower(), t)
