"""`:react`/`:unreact` on what is not a card, `last` naming the card that offers the emoji, other
digits, and what the console quotes back and prints of names (an audit's findings)."""

from __future__ import annotations

import io

from adapters.console import run_console
from tests.unit.console_kit import typed


async def _run(bot, adapter, script):  # type: ignore[no-untyped-def]
    out = adapter.out
    start = len(out.getvalue())
    await run_console(bot, adapter, io.StringIO(script))
    return out.getvalue()[start:]


async def test_react_with_a_digit_other_than_0_to_9_is_a_clear_refusal(console):  # type: ignore[no-untyped-def]
    bot, adapter = console
    shown = await _run(bot, adapter, '!poll create "Q?" a | b\n:react last ²\n:unreact last ⑴\n:react m1 ２\n')
    assert "that failed" not in shown and "invalid literal" not in shown, shown
    assert shown.count("type the digits 0-9") == 3, shown
    assert not any(adapter.current in users for users in adapter.reactions.get("m1", {}).values())


async def test_react_number_beyond_the_polls_options_is_answered(console):  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, '!poll create "Q?" a | b')
    shown = await typed(adapter, ":react m1 3")
    assert "⚠️" in shown and "has options 1 to 2" in shown, repr(shown)
    assert "3️⃣" not in adapter.reactions.get("m1", {})
    shown = await typed(adapter, "!poll results 1")
    assert "No votes yet" in shown, shown


async def test_react_last_after_a_weekly_meetup_goes_to_the_latest_card(console):  # type: ignore[no-untyped-def]
    """card #1 (m1), card #2 (m2), then a 🔁 notice (m3): `last ✅` is m2's, not the notice's."""
    bot, adapter = console
    await typed(adapter, '!event create Run when="tomorrow 7pm" repeat=weekly')
    assert "🔁" in adapter.messages["m3"].text
    await typed(adapter, ":react last ✅")
    assert adapter.current in adapter.reactions["m2"]["✅"]
    assert "Going (1)" in adapter.messages["m2"].text, adapter.messages["m2"].text
    shown = await typed(adapter, ":unreact last ✅")
    assert adapter.current not in adapter.reactions["m2"]["✅"], shown


async def test_react_last_after_event_from_poll_goes_to_the_card(console):  # type: ignore[no-untyped-def]
    """The card (m2), then the poll's results (m3): `last ✅` is the card's."""
    bot, adapter = console
    await typed(adapter, '!poll create When? "tomorrow 7pm" | "friday 6pm"', ":react last 1",
                "!event create Picnic when=poll:1")
    assert "Results" in adapter.messages["m3"].text
    await typed(adapter, ":react last ✅")
    assert "Going (1)" in adapter.messages["m2"].text, adapter.messages["m2"].text


async def test_react_to_a_notice_by_id_says_it_is_not_a_card(console):  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, '!event create Run when="tomorrow 7pm" repeat=weekly')
    shown = await typed(adapter, ":react m3 ✅")
    assert "⚠️ m3 is not a card" in shown and "such as m2 (📅 Run #2)" in shown, shown
    assert "✅" not in adapter.reactions.get("m3", {})
    shown = await typed(adapter, ":react m2 1")
    assert "⚠️" in shown and "✅ 🤔 ❌" in shown, shown
    assert "Going (0)" in adapter.messages["m2"].text


async def test_wait_past_the_clocks_end_is_a_clear_refusal(console):  # type: ignore[no-untyped-def]
    bot, adapter = console
    shown = await _run(bot, adapter, ":wait 3650d\n" * 800)
    assert "that failed" not in shown, shown[-300:]
    assert "⚠️" in shown and "no further than" in shown, shown[-300:]


async def test_chat_echo_and_as_note_isolate_a_name_with_a_bidi_override(console):  # type: ignore[no-untyped-def]
    bot, adapter = console
    shown = await typed(adapter, ":as \u202ebob", "hi")
    echo = [ln for ln in shown.splitlines() if ln.startswith("[u")][0]
    note = [ln for ln in shown.splitlines() if "you are now" in ln][0]
    for line in (echo, note):
        assert "\u2068" in line and "\u2069" in line, repr(line)


async def test_console_refusals_do_not_echo_an_unbounded_line(console):  # type: ignore[no-untyped-def]
    bot, adapter = console
    shown = await typed(adapter, ":react " + "m1 " * 100000, ":wait " + "1h" * 100000,
                        ":wait " + "x" * 100000, ":react m1 " + "²" * 100000)
    assert shown.count("⚠️") == 4, shown[:500]
    assert max(len(ln) for ln in shown.splitlines()) < 1000, [len(ln) for ln in shown.splitlines()]
