"""Linked spaces (PRODUCT.md "Linked spaces": "Settings stay per space") where the two
platforms differ: a card in a linked channel follows that space's own settings and speaks
its platform's command syntax, wherever it is shown or said, and a poll shared into a space
is that space's poll for `when=poll:N` too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter, Sent
from tests.unit.linking import link

WHEN = '"2026-11-26 18:00"'


@pytest.fixture
async def pair(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    """Alpha has buttons and slash commands; Beta has native polls and the text prefix."""
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(buttons=True, ephemeral=True, edits_per_window=0,
                                              direct_messages=True, label="Alpha", command_prefix="/"))
    b = FakeAdapter("beta", space="room", channel="room",
                    capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Beta",
                                              native_polls=True))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    await link(a, b)
    return a, b


def card_of(fake: FakeAdapter, ref: str) -> Sent:
    [card] = [s for s in fake.cards() if ref in s.text]
    return fake.messages[card.id]  # as it is now, after any edits


async def test_when_poll_takes_a_poll_shared_from_the_linked_space(pair: tuple[FakeAdapter, FakeAdapter],
                                                                    bot: Bot) -> None:
    a, b = pair
    await b.invoke("!config set timezone Asia/Tokyo", "modb", mod=True)
    await a.invoke('!poll create "When?" "2026-11-27 18:00" | "2026-11-28 18:00"')  # Alpha: UTC
    await b.invoke("!poll vote 1 2", "bob")
    [made] = await b.invoke("!event create Meet when=poll:1")
    assert made.text.startswith("📅 Meet"), made.text
    assert "Sun 29 Nov 2026 03:00 JST" in made.text  # the option's moment, in Beta's zone
    assert a.containing("Results of poll #1") and b.containing("Results of poll #1")
    [moved] = await a.invoke("!event create Other when=poll:2")  # no such poll anywhere
    assert moved.text.startswith("⚠️") and "no poll #2 here" in moved.text


async def test_a_poll_not_shared_into_the_space_is_not_its_poll(pair: tuple[FakeAdapter, FakeAdapter],
                                                                 bot: Bot) -> None:
    a, b = pair
    await b.invoke("!unlink", "modb", mod=True)
    await a.invoke('!poll create "When?" "2026-11-27 18:00" | "2026-11-28 18:00"')  # after the unlink
    await a.invoke("!poll vote 1 2", "ann")
    [refused] = await b.invoke("!event create Meet when=poll:1")
    assert refused.text.startswith("⚠️") and "no poll #1 here" in refused.text


async def test_the_thanks_after_an_event_names_commands_as_each_platform_types_them(
        pair: tuple[FakeAdapter, FakeAdapter], bot: Bot) -> None:
    a, b = pair
    await a.invoke(f"!event create Quiz when={WHEN}")  # made on Alpha
    await a.invoke("!rsvp 1 going", "ann")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.scheduler.advance(timedelta(days=4))
    [thanks_a] = a.containing("Thanks for coming")
    [thanks_b] = b.containing("Thanks for coming")
    assert "then /event create Quiz when=poll:1 makes it" in thanks_a.text, thanks_a.text
    assert "then !event create Quiz when=poll:1 makes it" in thanks_b.text, thanks_b.text
    await b.invoke("!poll vote 1 1", "bob")
    [made] = await b.invoke("!event create Quiz when=poll:1")  # as Beta's thanks says
    assert made.text.startswith("📅 Quiz"), made.text


async def test_rsvp_buttons_on_a_shared_card_follow_the_space_it_is_in(pair: tuple[FakeAdapter, FakeAdapter],
                                                                       bot: Bot) -> None:
    a, b = pair
    await b.invoke(f"!event create FromB when={WHEN}")  # Beta has no buttons to turn on
    await a.invoke("!config set rsvp.buttons on", "moda", mod=True)
    await bot.settle()
    assert card_of(a, "#1").card.actions, card_of(a, "#1").text  # refreshed with Alpha's setting
    await b.invoke('!event create Later when="2026-11-27 18:00"')
    assert card_of(a, "#2").card.actions
    await a.invoke("!config set rsvp.buttons off", "moda", mod=True)
    await bot.settle()
    assert not card_of(a, "#1").card.actions and not card_of(a, "#2").card.actions


async def test_native_polls_on_a_shared_card_follow_the_space_it_is_in(pair: tuple[FakeAdapter, FakeAdapter],
                                                                       bot: Bot) -> None:
    a, b = pair
    await b.invoke("!config set polls.native off", "modb", mod=True)
    await a.invoke('!poll create "Where?" Park | Cafe')
    await b.invoke("!poll vote 1 1", "bob")  # a card edit: rendered again
    await bot.settle()
    assert card_of(b, "#1").card.choices is None
    await b.invoke("!config set polls.native on", "modb", mod=True)
    await a.invoke('!poll create "What?" Walk | Talk')
    assert card_of(b, "#2").card.choices is not None


async def test_event_show_in_the_linked_space_shows_its_own_card(pair: tuple[FakeAdapter, FakeAdapter],
                                                                  bot: Bot) -> None:
    a, b = pair
    await a.invoke(f"!event create FromA when={WHEN}")
    await a.invoke("!rsvp 1 going", "ann")
    await b.invoke("!rsvp 1 going", "bob")
    await bot.settle()
    shared = card_of(b, "#1")
    [shown] = await b.invoke("!event show 1")
    assert "ann (Alpha), bob" in shown.text and "!rsvp 1 going" in shown.text, shown.text
    assert shown.text == shared.text
