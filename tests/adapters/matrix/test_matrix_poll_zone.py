"""A native poll's answers that are times, after the space's timezone changes, on a real
Synapse: its start is not edited (clients that show polls do not reliably take an edit of a
poll's start; Element offers none once someone has answered), so each answer names its zone and stays
the same moment the card shows in the new zone: nothing shown is a wrong time."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.adapters.matrix.native_poll_events import START, TEXT, poll_start, respond
from tests.matrix_harness import BotRunner, HumanFactory, room_with, until_card

ZONES = {"UTC": ZoneInfo("UTC"), "CET": ZoneInfo("Europe/Berlin")}
SHOWN = re.compile(r"(\w{3} \d\d \w{3} \d{4} \d\d:\d\d) (UTC|CET)")


def moments(text: str) -> list[datetime]:
    return [datetime.strptime(at, "%a %d %b %Y %H:%M").replace(tzinfo=ZONES[zone])
            for at, zone in SHOWN.findall(text)]


async def test_a_native_polls_times_stay_right_after_a_timezone_change(
        runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice, bob = humans("alice"), humans("bob")
    room = await room_with(runner, alice, bob)
    await alice.say(room, '!poll create "When?" tomorrow 7pm | in 3 days at 6pm')
    card = await alice.wait_bot_message(room, runner.user_id, "#1")
    start = await poll_start(alice, room, runner)
    await respond(bob, room, start["event_id"], ["1"])
    await alice.say(room, "!config set timezone Europe/Berlin")
    shown = await until_card(alice, room, runner, card.event_id, r"CET", r"— 1\b")
    on_card = moments(shown.body)
    poll = start["content"][START]
    answers = [a[TEXT] for a in poll["answers"]]
    assert len(on_card) == 2 and all(SHOWN.fullmatch(a) for a in answers)
    assert [m for a in answers for m in moments(a)] == on_card
    assert moments(start["content"][TEXT]) == on_card  # the fallback clients without polls show
