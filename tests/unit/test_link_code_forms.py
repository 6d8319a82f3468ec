"""A link code as people retype it (PRODUCT.md "Linked spaces"): a phone's autocorrect turns
the dash into an en dash or a Unicode hyphen, people type a space, no dash, invisible marks or
a fullwidth keyboard's letters. The code's own characters are what count; a line that does not
hold a code's worth of them is refused as such, and the code stays good."""

from __future__ import annotations

import pytest

from bot.app import Bot
from tests.unit.linking import code_in, labelled_pair


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in s)


@pytest.mark.parametrize("retyped", [
    lambda c: f"{c[:4]}\u2013{c[5:]}",  # en dash (phone autocorrect)
    lambda c: f"{c[:4]}\u2010{c[5:]}",  # Unicode hyphen
    lambda c: f"{c[:4]} {c[5:]}",
    lambda c: f"{c[:4]}{c[5:]}",
    lambda c: f"{c[:2]} {c[2:4]} - {c[5:]}".lower(),
    lambda c: f"{c[:4]}\u200b-\u200b{c[5:]}",  # zero-width spaces pasted along
    lambda c: _fullwidth(c),
], ids=["en-dash", "hyphen", "space", "no-dash", "spaced-lower", "zero-width", "fullwidth"])
async def test_a_code_retyped_with_another_dash_or_a_space_links(bot: Bot, retyped) -> None:  # type: ignore[no-untyped-def]
    a, b = await labelled_pair(bot)
    [r] = await a.invoke("!link", "moda", mod=True)
    code = code_in(r)
    [done] = await b.invoke(f"!link {retyped(code)}", "modb", mod=True)
    assert done.text.startswith("🔗 Linked with Alpha channel general"), done.text


async def test_a_code_too_short_is_refused_as_such_and_stays_good(bot: Bot) -> None:
    a, b = await labelled_pair(bot)
    [r] = await a.invoke("!link", "moda", mod=True)
    code = code_in(r)
    [short] = await b.invoke(f"!link {code[:-1]}", "modb", mod=True)
    assert short.text.startswith("⚠️"), short.text
    assert f"a code has 8 letters or digits, like ABCD-2345, and I read 7: {code[:4]}{code[5:-1]}" in short.text
    assert "unknown" not in short.text
    [long] = await b.invoke(f"!link {code}5", "modb", mod=True)
    assert long.text.startswith("⚠️") and "I read 9:" in long.text, long.text
    [none] = await b.invoke("!link ----", "modb", mod=True)
    assert none.text.startswith("⚠️") and "I read none" in none.text, none.text
    # Nothing was written: the code still links, once.
    [done] = await b.invoke(f"!link {code}", "modb", mod=True)
    assert done.text.startswith("🔗 Linked with Alpha channel general"), done.text


async def test_letters_outside_the_code_alphabet_are_not_guessed_into_it(bot: Bot) -> None:
    a, b = await labelled_pair(bot)
    await a.invoke("!link", "moda", mod=True)
    # O, 0, I, 1 and L are never in a code: they are not read as some other character.
    [r] = await b.invoke("!link O0I1-L234", "modb", mod=True)
    assert r.text.startswith("⚠️") and "I read 3: 234" in r.text, r.text
