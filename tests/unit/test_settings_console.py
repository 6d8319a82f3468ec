"""`config set` as a moderator meets it in the console: typos, values typed another way, keys of
other platforms, and what a change of the zone does at once to the cards already posted."""

from __future__ import annotations

from bot.app import Bot

from .console_kit import typed


async def _stored(bot: Bot) -> int:
    return int((await bot.db.fetchone("SELECT COUNT(*) FROM settings"))[0])


async def test_a_mistyped_key_is_told_the_one_it_most_likely_meant(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    out = await typed(adapter, ":as mod mod", "!config set reminder 1h", "!config reset timezon")
    assert "⚠️ there is no setting 'reminder'; did you mean reminders?" in out
    assert "⚠️ there is no setting 'timezon'; did you mean timezone?" in out
    assert await _stored(bot) == 0


async def test_the_default_typed_another_way_is_shown_as_the_default(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    out = await typed(adapter, ":as mod mod", "!config set reminders 1h, 24h", "!config show")
    assert "✅ reminders is now 24h,1h" in out
    assert "reminders = 24h,1h (default)" in out
    out = await typed(adapter, "!config set reminders 48h,1h", "!config show")
    assert "reminders = 2d,1h\n" in out  # another value: not called the default


async def test_two_reminders_without_a_comma_are_refused_not_added_up(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    out = await typed(adapter, ":as mod mod", "!config set reminders 24h 1h")
    assert "⚠️ reminders can't be '24h 1h'" in out and "separate reminders with commas" in out
    assert await _stored(bot) == 0
    # Parts a space stands between may be one reminder or two: the bot says both and asks.
    for spaced in ("1d 1h", "1h 30m, 10m"):
        out = await typed(adapter, f"!config set reminders {spaced}")
        assert "may be one reminder" in out and "separate them with commas" in out, out
        assert await _stored(bot) == 0
    out = await typed(adapter, "!config set reminders 1h and 30m, 10m")  # "and" makes it one
    assert "✅ reminders is now 1h30m,10m" in out
    out = await typed(adapter, "!config set reminders 1h30m,10m")
    assert "✅ reminders is now 1h30m,10m" in out


async def test_a_new_zone_shows_the_cards_already_posted_in_it(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    await typed(adapter, ":as mod mod", "!event create Run when=in 1 hour", ":wait 90m",
                "!event create Picnic when=tomorrow 6pm",
                '!poll create "When?" "tomorrow 7pm" | "friday 8pm" closes=2h')
    out = await typed(adapter, "!config set timezone Europe/Berlin")
    # The same instants (the clock starts Mon 23 Nov 09:00 UTC), now shown in Berlin's zone:
    # the event under way, the upcoming one and the open poll with its options.
    assert "[m1] logoff (edited): 📅 Run #1\n      🕒 Mon 23 Nov 2026 11:00 CET" in out
    assert "[m3] logoff (edited): 📅 Picnic #2\n      🕒 Tue 24 Nov 2026 19:00 CET" in out
    assert "[m4] logoff (edited): 📊 When? #1" in out
    assert "Tue 24 Nov 2026 20:00 CET" in out and "Fri 27 Nov 2026 21:00 CET" in out
    assert "UTC" not in out.split("✅ timezone")[0]
    out = await typed(adapter, "!config reset timezone")
    assert "🕒 Tue 24 Nov 2026 18:00 UTC" in out and "✅ timezone is back to its default, UTC" in out


async def test_a_setting_of_another_platform_says_where_it_applies(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    out = await typed(adapter, ":as mod mod", "!config set rsvp.buttons on", "!config set polls.native off",
                      "!config set events.thread on", "!config show")
    assert "⚠️ rsvp.buttons does not apply here: it needs buttons, which only Discord has" in out
    assert "⚠️ polls.native does not apply here: it needs native polls, which only Matrix has" in out
    assert "⚠️ events.thread does not apply here: it needs threads, which only Discord has" in out
    assert await _stored(bot) == 0
    # `config show` names every key: those this platform cannot act on apart, with where they do.
    shown = out.split("Settings of this space")[1]
    for key in ("rsvp.buttons", "events.discord", "events.thread", "events.role"):
        assert f"{key}: only on Discord" in shown
    assert "polls.native: only on Matrix (needs native polls)" in shown
    assert "rsvp.buttons =" not in shown


async def test_a_reset_of_another_platforms_key_is_refused_as_a_set_is(console) -> None:  # type: ignore[no-untyped-def]
    bot, adapter = console
    out = await typed(adapter, ":as mod mod", "!config reset rsvp.buttons", "!config reset polls.native")
    assert "⚠️ rsvp.buttons does not apply here: it needs buttons, which only Discord has" in out
    assert "⚠️ polls.native does not apply here: it needs native polls, which only Matrix has" in out
    assert "✅" not in out


async def test_a_reset_timezone_is_the_one_of_the_config_file(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    import io

    from adapters.console import ConsoleAdapter
    from bot.app import build_bot

    bot = await build_bot(str(tmp_path / "z.db"), clock=clock, rate_limit=False, timezone="Europe/Berlin")
    adapter = ConsoleAdapter(out=io.StringIO(), files=tmp_path / "files")
    bot.add_adapter(adapter)
    await bot.start()
    try:
        out = await typed(adapter, ":as mod mod", "!config set timezone new york", "!config reset timezone",
                          "!config show")
        assert "✅ timezone is now America/New_York" in out
        assert "✅ timezone is back to its default, Europe/Berlin" in out
        assert "timezone = Europe/Berlin (default)" in out
    finally:
        await bot.stop()
