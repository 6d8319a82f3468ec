"""A moderator of a linked space in another zone moves a series' time: the typed time is read in
their zone, but the series goes on in its own space's zone, so the home community's meetup
keeps its wall-clock time across DST and is not pulled onto a foreign zone's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import link


async def test_a_linked_moderators_series_edit_keeps_the_home_spaces_zone(bot: Bot) -> None:
    a = FakeAdapter("alpha", space="guild", channel="general")
    b = FakeAdapter("beta", space="room", channel="room")
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    await link(a, b)
    for line in ("!config set reminders off", "!config set timezone Europe/Berlin",
                 '!event create Meet when="2026-11-24 19:00" repeat=weekly'):
        assert not (await a.invoke(line, "moda", mod=True))[-1].text.startswith("⚠️")
    await b.invoke("!config set timezone America/New_York", "modb", mod=True)
    # 13:30 in New York is 19:30 in Berlin (both on standard time until March)
    said = (await b.invoke('!event edit 2 when="13:30" series', "modb", mod=True))[-1].text
    assert not said.startswith("⚠️") and "13:30 EST" in said, said
    zones = [r[0] for r in await bot.db.fetchall("SELECT tz FROM event_series ORDER BY id")]
    assert set(zones) == {"Europe/Berlin"}, zones
    home = (await a.invoke("!event show 2"))[-1].text
    assert "Repeats weekly on tuesday" in home and "America/New_York" not in home, home
    await bot.advance(timedelta(days=120))  # past both zones' spring clock changes
    rows = await bot.db.fetchall("SELECT starts_at FROM events WHERE state='active' AND id > 1 "
                                 "ORDER BY starts_at")
    berlin = {datetime.fromtimestamp(r[0], UTC).astimezone(ZoneInfo("Europe/Berlin")).strftime("%a %H:%M")
              for r in rows}
    assert berlin == {"Tue 19:30"}, berlin
