"""Second-pass audit of the text syntax and help (PRODUCT.md, "Commands")."""

from __future__ import annotations

from bot.testing import FakeAdapter


async def test_a_title_swallowed_by_a_run_on_value_is_said_not_called_missing(fake: FakeAdapter) -> None:
    [refused] = await fake.invoke("!event create when=saturday 10am Picnic", "alice")
    assert refused.text.startswith("⚠️")
    # what was understood, and what to do instead
    assert "when= took 'saturday 10am Picnic'" in refused.text, refused.text
    assert "before when=" in refused.text and "quotes" in refused.text
    [ok] = await fake.invoke('!event create when="saturday 10am" Picnic', "alice")
    assert "Picnic #1" in ok.text


async def test_a_positional_option_may_be_named_and_the_refusal_lists_it(fake: FakeAdapter) -> None:
    await fake.invoke("!poll create Q a | b", "alice")
    [ok] = await fake.invoke("!poll vote id=1 choice=2", "bob")
    assert "Your vote for 2 (b)" in ok.text
    [refused] = await fake.invoke("!poll vote 1 n=2", "bob")
    assert refused.text.startswith("⚠️") and "options: id, choice" in refused.text, refused.text


async def test_a_question_in_a_refusal_is_not_followed_by_a_full_stop(fake: FakeAdapter) -> None:
    [refused] = await fake.invoke("!poll crate Q a | b", "alice")
    assert "did you mean !poll create? Usage:" in refused.text, refused.text


async def test_help_says_which_commands_only_moderators_may_run(fake: FakeAdapter, bot) -> None:
    [h] = await fake.invoke("!help")
    for spec in bot.commands:
        entry = next(ln for ln in h.text.splitlines() if spec.usage("!") + " —" in ln)
        assert ("(moderators only)" in entry) == spec.moderator_only, entry
    [one] = await fake.invoke("!help config set")
    assert "(moderators only)" in one.text
    [close] = await fake.invoke("!help poll close")
    assert "creator and moderators" in close.text


async def test_an_id_copied_from_a_card_with_its_hash_is_understood(fake: FakeAdapter) -> None:
    await fake.invoke('!event create Tea when="2026-11-25 18:00"')
    [ok] = await fake.invoke("!rsvp #1 going", "bob")
    assert ok.text.startswith("✅") and "Tea #1" in ok.text, ok.text
    await fake.invoke("!poll create Where? Park | Cafe")
    [voted] = await fake.invoke("!poll vote #1 2", "bob")
    assert not voted.text.startswith("⚠️"), voted.text
    [bad] = await fake.invoke("!rsvp ##1 going", "bob")
    assert bad.text.startswith("⚠️") and "whole number" in bad.text
