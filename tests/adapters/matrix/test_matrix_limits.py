"""Events the homeserver would refuse as too large: a live card with long non-ASCII names
stays under Synapse's 64 KiB, its edits too, in plain and encrypted rooms, and its counts
stay exact."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.model import ChannelRef
from bot.render import Card, Choices, Field, Line, list_line
from tests.adapters.matrix.native_poll_events import END, START, TEXT, bot_events, poll_start
from tests.matrix_harness import BotRunner, Human, HumanFactory, card_now, eventually
from tests.matrix_harness.crypto import CryptoHuman, encrypted_room

MakeCryptoHuman = Callable[[str], CryptoHuman]


def roster(n: int, first: int, last: str | None = None) -> Line:
    """n long names of the kind anyone may choose (256 emoji), as a card lists them; `last`
    names the last of them."""
    names = [chr(0x1F600 + (first + i) % 64) * 256 for i in range(n)]
    return list_line([*names[:-1], last] if last is not None else names)


def card(going: int) -> Card:
    # The last one going is named like a count: still one person, not five more.
    return Card(title="Picnic", ref="#9", fields=(Field(f"Going ({going})", (roster(going, 0, "and 5 more"),)),
                                                  Field("Maybe (12)", (roster(12, 40),))))


async def edited_card_is_exact(runner: BotRunner, reader: Human, room: str) -> None:
    adapter = runner.adapter
    assert adapter is not None
    sent = await adapter.send(ChannelRef("matrix", room, room), card(30))
    await adapter.edit(sent, card(40))  # M_TOO_LARGE before: the card stopped updating

    async def edited() -> str | None:
        now = await card_now(reader, room, runner.user_id, sent.id)
        return now.body if now.edits else None

    body = await eventually(edited, what="the edit")
    going, maybe = body.split("Maybe (12)")
    assert "Going (40)" in going
    for part, total in ((going, 40), (maybe, 12)):
        [names] = [ln for ln in part.splitlines() if ln.startswith("  ")]
        items = names.strip().split(", ")
        if len(items) != total:  # not everyone shown: the rest counted exactly
            more = re.fullmatch(r"and (\d+) more", items[-1])
            assert more and len(items) - 1 + int(more.group(1)) == total, names[:300]
    assert "…" in body  # shortened (as it must be, at this size)


async def test_a_card_with_long_names_is_edited_within_the_event_size_limit(
        runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    await edited_card_is_exact(runner, alice, room)


async def test_and_in_an_encrypted_room(runner: BotRunner, crypto_humans: MakeCryptoHuman) -> None:
    await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await encrypted_room(alice, runner.user_id)
    await edited_card_is_exact(runner, alice, room)


def big_poll(closed: bool = False) -> Card:
    """Ten answers of 500 emoji each (and such a question): far past 64 KiB as they are."""
    options = [chr(0x1F600 + i) * 500 for i in range(10)]
    body = tuple((f"{o} — {i}",) for i, o in enumerate(options))
    return Card("📊 Poll", ref="#4", body=body, reactions=() if closed else ("1️⃣", "2️⃣"),
                choices=Choices("🙂" * 500, tuple((o,) for o in options), closed=closed))


async def native_poll_fits(runner: BotRunner, reader: Human, room: str) -> None:
    adapter = runner.adapter
    assert adapter is not None
    options = [chr(0x1F600 + i) * 500 for i in range(10)]
    sent = await adapter.send(ChannelRef("matrix", room, room), big_poll())
    start = await poll_start(reader, room, runner)  # refused as too large before: no poll
    answers = start["content"][START]["answers"]
    assert [a["id"] for a in answers] == [str(n) for n in range(1, 11)]
    for a, option in zip(answers, options, strict=True):
        shown = a[TEXT]
        assert shown == option or (shown.endswith("…") and option.startswith(shown[:-1])), shown[:20]
    await adapter.edit(sent, big_poll(closed=True))

    async def ended() -> list[dict[str, Any]] | None:
        return await bot_events(reader, room, runner, END) or None

    [end] = await eventually(ended, what="the poll's end event")
    results = end["content"]["body"].splitlines()[1:]
    assert [r.rsplit(" — ", 1)[1] for r in results] == [str(i) for i in range(10)]  # counts whole


async def test_a_native_poll_with_long_answers_fits(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start()
    alice = humans("alice")
    room = await runner.join(alice)
    await native_poll_fits(runner, alice, room)


async def test_and_in_an_encrypted_room_too(runner: BotRunner, crypto_humans: MakeCryptoHuman) -> None:
    await runner.start()
    alice = crypto_humans("alice")
    await alice.start()
    room = await encrypted_room(alice, runner.user_id)
    await native_poll_fits(runner, alice, room)
