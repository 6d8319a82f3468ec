"""Names a platform shows beside the bot's words stay isolated there too: a linked platform's
person named in a Discord or Matrix message, and an event's thread and role, named by its title
then its number (bot/bidi.py)."""

from __future__ import annotations

from bot.app import Bot
from bot.bidi import FSI, isolate
from bot.fake_surfaces import SurfacesFakeAdapter
from bot.model import UserRef
from bot.render import Mention, line
from tests.unit.test_bidi_user_text import opened_before
from tests.unit.test_native_surfaces import native  # noqa: F401 - the fixture

RLO = "\u202e"


def test_a_linked_platforms_person_named_on_discord_turns_only_their_name() -> None:
    from adapters.discord.render import inline
    shown = "".join(inline(p) for p in line(Mention(UserRef("matrix", "@eve:hs", RLO + "eve")), " is going #12"))
    assert shown.startswith("@" + FSI) and opened_before(shown, "#12") == [], repr(shown)


def test_a_linked_platforms_person_named_on_matrix_turns_only_their_name() -> None:
    from adapters.matrix.render import html_line, pill
    shown = html_line(line(Mention(UserRef("discord", "123", RLO + "eve")), " is going #12"), None)
    assert shown.startswith("@" + FSI) and opened_before(shown, "#12") == [], repr(shown)
    assert isolate(RLO + "eve") in pill("@eve:hs", RLO + "eve")


async def test_an_events_thread_and_role_keep_its_number_out_of_its_title(
        native: SurfacesFakeAdapter, bot: Bot) -> None:  # noqa: F811 - the fixture
    for setting in ("events.thread", "events.role"):
        await native.invoke(f"!config set {setting} on", "mod", mod=True)
    [card] = await native.invoke(f'!event create Quiz{RLO} when="2026-11-26 18:00"')
    [role] = native.role_names.values()
    assert role == f"{isolate('Quiz' + RLO)} #1" and opened_before(role, "#1") == [], repr(role)
    assert native.threads_open == {f"thread-{card.id}": role}
