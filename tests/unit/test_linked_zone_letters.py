"""Zone letters in linked spaces (PRODUCT.md "Linked spaces", "Times"). A card made in a
Manila space shows PST meaning UTC+8; its people paste it into the linked space, whose zone is
Europe/Berlin, where PST otherwise means the US Pacific. Letters a linked space's zone uses with
another meaning are refused with every reading, for `when=`, `until=` and
poll options alike; letters only the linked zone shows mean what they mean there; an unlinked
space reads them as before."""

from __future__ import annotations

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter
from tests.unit.linking import link


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    """Manila (alpha) and Berlin (beta), linked."""
    manila = FakeAdapter("alpha", space="guild", channel="general")
    berlin = FakeAdapter("beta", space="room", channel="room")
    bot.add_adapter(manila)
    bot.add_adapter(berlin)
    await bot.start()
    await manila.invoke("!config set timezone Asia/Manila", "moda", mod=True)
    await berlin.invoke("!config set timezone Europe/Berlin", "modb", mod=True)
    return manila, berlin


async def test_letters_with_two_meanings_across_linked_spaces_are_refused_with_both(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    manila, berlin = pair
    [made] = await berlin.invoke('!event create Picnic when="sat 17:00 PST"')  # not linked yet
    assert "Sun 29 Nov 2026 02:00 CET" in made.text, made.text  # the US Pacific's PST
    await link(manila, berlin)
    [refused] = await berlin.invoke('!event create Meet when="sat 17:00 PST"')
    assert refused.text.startswith("⚠️"), refused.text
    assert "Asia/Manila" in refused.text and "America/Los_Angeles" in refused.text, refused.text
    assert "UTC+8" in refused.text and "UTC-8" in refused.text, refused.text
    assert len(await bot.db.fetchall("SELECT id FROM events")) == 1
    [named] = await berlin.invoke('!event create Meet when="sat 17:00 Asia/Manila"')
    assert "Sat 28 Nov 2026 10:00 CET" in named.text, named.text
    # In Manila its own PST is the only one its linked spaces show: read as its clocks mean it.
    [own] = await manila.invoke('!event create Here when="sat 17:00 PST"')
    assert "Sat 28 Nov 2026 17:00 PST" in own.text, own.text


async def test_a_space_whose_own_letters_a_linked_zone_uses_otherwise_is_refused_too(bot: Bot) -> None:
    manila = FakeAdapter("alpha", space="guild", channel="general")
    la = FakeAdapter("beta", space="room", channel="room")
    bot.add_adapter(manila)
    bot.add_adapter(la)
    await bot.start()
    await manila.invoke("!config set timezone Asia/Manila", "moda", mod=True)
    await la.invoke("!config set timezone America/Los_Angeles", "modb", mod=True)
    await link(manila, la)
    for space in (manila, la):
        [refused] = await space.invoke('!event create Meet when="sat 17:00 PST"')
        assert refused.text.startswith("⚠️"), refused.text
        assert "Asia/Manila" in refused.text and "America/Los_Angeles" in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []


async def test_a_poll_option_and_until_with_such_letters_are_not_read_as_a_time(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    manila, berlin = pair
    await link(manila, berlin)
    [card] = await berlin.invoke('!poll create "When?" "sat 17:00 PST" | "sun 17:00 CET"')
    assert "1️⃣ sat 17:00 PST — 0" in card.text, card.text  # as typed: no guessed time
    assert "2️⃣ Sun 29 Nov 2026 17:00 CET — 0" in card.text, card.text
    [refused] = await berlin.invoke('!event create M when="sun 17:00 CET" repeat=weekly '
                                    'until="2027-01-09 17:00 PST"')
    assert refused.text.startswith("⚠️") and "Asia/Manila" in refused.text, refused.text
    assert await bot.db.fetchall("SELECT id FROM events") == []


async def test_letters_only_the_linked_zone_shows_mean_its_clocks(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    manila, berlin = pair
    jakarta = FakeAdapter("gamma", space="server", channel="lobby")
    bot.add_adapter(jakarta)
    await jakarta.start()
    await jakarta.invoke("!config set timezone Asia/Jakarta", "modc", mod=True)
    [unknown] = await berlin.invoke('!event create Meet when="sat 17:00 WIB"')
    assert unknown.text.startswith("⚠️") and "not a timezone I know" in unknown.text, unknown.text
    await link(jakarta, berlin)
    [made] = await berlin.invoke('!event create Meet when="sat 17:00 WIB"')
    assert "Sat 28 Nov 2026 11:00 CET" in made.text, made.text  # Jakarta's 17:00 (UTC+7)
    [same] = await berlin.invoke('!event create Other when="sat 17:00 CET"')  # Berlin's own letters
    assert "Sat 28 Nov 2026 17:00 CET" in same.text, same.text
