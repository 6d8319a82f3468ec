"""Moderator configuration: every key of PRODUCT.md validated, refusals write nothing."""

from __future__ import annotations

import pytest

from bot.testing import FakeAdapter

VALID = [("timezone", "Europe/Berlin", "Europe/Berlin"), ("reminders", "1h, 24h", "24h,1h"),
         ("reminders", "off", "off"), ("reminders.grace", "30m", "30m"),
         ("events.create", "moderators", "moderators"), ("rsvp.buttons", "on", "on"),
         ("offline.auto", "on", "on"), ("offline.sensitivity", "high", "high"),
         ("offline.cooldown", "2h", "2h")]
INVALID = [("timezone", "Mars/Base"), ("reminders", "0m"), ("reminders", "31d"), ("reminders", "soon"),
           ("reminders.grace", "never"), ("events.create", "admins"), ("rsvp.buttons", "maybe"),
           ("offline.auto", "sometimes"), ("offline.sensitivity", "extreme"), ("offline.cooldown", "x"),
           ("nosuchkey", "1")]


@pytest.mark.parametrize("key, value, stored", VALID)
async def test_valid_settings(fake: FakeAdapter, key: str, value: str, stored: str) -> None:
    [r] = await fake.invoke(f"!config set {key} {value}", "mod", mod=True)
    assert r.text == f"✅ {key} is now {stored}"
    [show] = await fake.invoke("!config show", "mod", mod=True)
    assert f"{key} = {stored}" in show.text
    [reset] = await fake.invoke(f"!config reset {key}", "mod", mod=True)
    assert reset.text.startswith("✅")


@pytest.mark.parametrize("key, value", INVALID)
async def test_invalid_settings_are_refused_with_allowed_values(fake: FakeAdapter, bot, key: str,
                                                                value: str) -> None:
    [r] = await fake.invoke(f"!config set {key} {value}", "mod", mod=True)
    assert r.text.startswith("⚠️")
    assert "Allowed" in r.text or "settings are" in r.text
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM settings"))[0] == 0


async def test_members_cannot_change_settings(fake: FakeAdapter, bot) -> None:
    for line in ("!config set timezone Europe/Berlin", "!config reset timezone", "!config show"):
        [r] = await fake.invoke(line, "bob")
        assert r.text.startswith("⚠️") and "moderators" in r.text
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM settings"))[0] == 0


async def test_buttons_setting_needs_a_platform_with_buttons(tmp_path, clock) -> None:
    from bot.adapter import Capabilities
    from bot.app import build_bot

    bot = await build_bot(str(tmp_path / "b.db"), clock=clock)
    fake = FakeAdapter(capabilities=Capabilities(buttons=False))
    bot.add_adapter(fake)
    await bot.start()
    [r] = await fake.invoke("!config set rsvp.buttons on", "mod", mod=True)
    assert r.text.startswith("⚠️") and "buttons" in r.text
    await bot.stop()


async def test_a_setting_of_another_platform_is_known_but_does_not_apply(fake: FakeAdapter, bot) -> None:
    # The Events-tab mirror is declared by its platform package, whichever platforms run:
    # a space without an events tab is told it does not apply, not that it does not exist.
    [r] = await fake.invoke("!config set events.discord off", "mod", mod=True)
    assert r.text.startswith("⚠️") and "does not apply here" in r.text and "events tab" in r.text
    assert "there is no setting" not in r.text
    [shown] = await fake.invoke("!config show", "mod", mod=True)
    assert "events.discord =" not in shown.text
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM settings"))[0] == 0


async def test_help_lists_every_command_and_details_one(fake: FakeAdapter, bot) -> None:
    [h] = await fake.invoke("!help")
    for spec in bot.commands:
        assert spec.usage("!") in h.text
    [one] = await fake.invoke("!help poll create")
    assert "!poll create <question> <options…>" in one.text and "closes" in one.text
    [bad] = await fake.invoke("!help nothing")
    assert bad.text.startswith("⚠️")
    # Typed commands: people used to other bots expect an edit to re-run one, or not.
    assert "does not run it again" in h.text


async def test_timezone_changes_how_times_are_read(fake: FakeAdapter) -> None:
    await fake.invoke("!config set timezone America/New_York", "mod", mod=True)
    [card] = await fake.invoke('!event create X when="2026-12-05 18:30"')
    assert "Sat 05 Dec 2026 18:30 EST" in card.text
