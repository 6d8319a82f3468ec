"""Autocomplete: options registered with `autocomplete`, the type-4 interactions a client sends
while someone types, and the type-8 answers, checked by the fake as Discord checks them."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.autocomplete import Typing, choices
from adapters.discord.autocomplete import read as autocomplete_read
from adapters.discord.commands import Unreadable, build
from bot.clock import ManualClock
from bot.commands import CommandSpec, Option
from tests.adapters.discord.test_discord_features import ALL, card_id, only_public_card
from tests.discord_fake import autocomplete
from tests.discord_fake.harness import Harness, World

START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday noon
WHEN = re.compile(r" — \w{3} \d{2} \w{3} \d{4} \d{2}:\d{2} UTC$")


def options_of(world: World, *path: str) -> dict[str, Any]:
    [(_, payload)] = world.fake.command_syncs
    node: dict[str, Any] = next(c for c in payload if c["name"] == path[0])
    for word in path[1:]:
        node = next(o for o in node["options"] if o["name"] == word)
    return {o["name"]: o for o in node["options"]}


async def create(world: World, title: str, when: str, *, user: str = "alice",
                 channel: int | None = None) -> int:
    made = await world.fake.send_interaction("event create", {"title": title, "when": when},
                                             user=world.users[user], channel=channel or world.channel)
    return card_id(only_public_card(made))


async def test_registration_marks_the_options_that_suggest_and_a_restart_keeps_it(
        harness: Harness, world: World) -> None:
    await harness.start(ALL)
    assert options_of(world, "config", "set")["key"]["autocomplete"] is True
    assert options_of(world, "config", "set")["value"]["autocomplete"] is True
    assert options_of(world, "config", "reset")["key"]["autocomplete"] is True
    assert options_of(world, "help")["command"]["autocomplete"] is True
    rsvp = options_of(world, "rsvp")
    assert rsvp["id"]["autocomplete"] is True and rsvp["id"]["type"] == 4 and rsvp["id"]["min_value"] == 1
    assert "autocomplete" not in rsvp["status"] and rsvp["status"]["choices"]  # fixed choices instead
    for sub in ("show", "attendees", "edit", "cancel", "ics", "export"):
        assert options_of(world, "event", sub)["id"]["autocomplete"] is True, sub
    assert options_of(world, "checkin")["id"]["autocomplete"] is True
    for sub in ("vote", "close", "results"):
        assert options_of(world, "poll", sub)["id"]["autocomplete"] is True, sub
    assert "autocomplete" not in options_of(world, "event", "create")["title"]

    await harness.close()
    await harness.start(ALL)
    assert len(world.fake.command_syncs) == 1  # Discord already has exactly these


async def test_config_suggests_the_settings_here_and_values_by_key(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel

    keys = await fake.send_autocomplete("config set", focused="key", typed="off", user=u["mod"], channel=ch)
    assert [c["value"] for c in keys] == ["offline.auto", "offline.cooldown", "offline.sensitivity"]
    assert all(c["name"].startswith(c["value"] + " — ") for c in keys)
    # A part after the dot counts too; a setting this platform cannot use is not offered.
    sens = await fake.send_autocomplete("config set", focused="key", typed="sens", user=u["mod"], channel=ch)
    assert [c["value"] for c in sens] == ["offline.sensitivity"]
    polls = await fake.send_autocomplete("config reset", focused="key", typed="polls", user=u["mod"], channel=ch)
    assert polls == []
    # Config is for moderators: nothing to help anyone else type.
    assert await fake.send_autocomplete("config set", focused="key", typed="", user=u["alice"], channel=ch) == []

    async def values(key: str, typed: str = "") -> list[Any]:
        got = await fake.send_autocomplete("config set", {"key": key}, focused="value", typed=typed,
                                           user=u["mod"], channel=ch)
        return [(c["name"], c["value"]) for c in got]

    assert await values("offline.sensitivity") == [("low (now)", "low"), ("medium", "medium"), ("high", "high")]
    assert await values("offline.auto") == [("off (now)", "off"), ("on", "on")]
    assert await values("events.create") == [("anyone (now)", "anyone"), ("moderators", "moderators")]
    assert await values("offline.sensitivity", "h") == [("high", "high")]
    assert await values("no.such.setting") == []
    # A free-form setting: what was typed, as it would be stored, after the current value.
    assert await values("reminders.grace", "120m") == [("2h", "2h")]
    assert (await values("reminders.grace"))[0] == ("1h (now)", "1h")

    done = await fake.send_interaction("config set", {"key": "offline.sensitivity", "value": "high"},
                                       user=u["mod"], channel=ch)
    assert "offline.sensitivity is now high" in done.text
    assert await values("offline.sensitivity") == [("high (now)", "high"), ("low", "low"), ("medium", "medium")]

    # Suggestions are only suggestions: what is finally sent is still checked.
    refused = await fake.send_interaction("config set", {"key": "offline.sensitivity", "value": "extreme"},
                                          user=u["mod"], channel=ch)
    assert refused.ephemeral and refused.text.startswith("⚠️") and "extreme" in refused.text
    assert (await values("offline.sensitivity"))[0] == ("high (now)", "high")

    helped = await fake.send_autocomplete("help", focused="command", typed="poll ", user=u["alice"], channel=ch)
    assert [c["value"] for c in helped] == ["poll close", "poll create", "poll results", "poll vote"]


async def test_timezone_values_are_the_zones_matching_what_is_typed(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel

    async def zones(typed: str) -> list[Any]:
        return await fake.send_autocomplete("config set", {"key": "timezone"}, focused="value", typed=typed,
                                            user=u["mod"], channel=ch)

    assert (await zones("berl"))[0] == {"name": "Europe/Berlin", "value": "Europe/Berlin"}
    assert (await zones("new y"))[0]["value"] == "America/New_York"
    many = await zones("a")  # the fake refuses more than 25, or a name or value past 100 characters
    assert len(many) == 25 and not [i for i in fake.interactions.values() if i.errors]
    done = await fake.send_interaction("config set", {"key": "timezone", "value": many[0]["value"]},
                                       user=u["mod"], channel=ch)
    assert done.text == f"✅ timezone is now {many[0]['value']}"


async def test_event_ids_suggest_this_spaces_events_to_come_with_hostile_titles_clipped(
        harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL, clock=ManualClock(START))
    fake, u, ch = world.fake, world.users, world.channel
    other_guild = fake.add_guild("Elsewhere")
    other_ch = fake.add_channel(other_guild, "general")
    world.users["dave"] = fake.add_member(other_guild, "dave")

    games = await create(world, "Board games", "tomorrow 7pm")
    ping = await create(world, "@everyone come to the **party** <@123>", "thursday 6pm")
    long_title = "_" + "Very long title " * 12 + "end"  # 200 characters with markdown
    long_id = await create(world, long_title[:200], "friday 6pm")
    cancelled = await create(world, "Cancelled picnic", "saturday 10am")
    await fake.send_interaction("event cancel", {"id": cancelled}, user=u["alice"], channel=ch)
    soon_over = await create(world, "Lunch", "today 1pm")
    await create(world, "Dave's picnic", "tomorrow 7pm", user="dave", channel=other_ch)
    await bot.advance(timedelta(hours=4))  # lunch is over

    got = await fake.send_autocomplete("rsvp", focused="id", typed="", user=u["bob"], channel=ch)
    assert [c["value"] for c in got] == [games, ping, long_id]  # soonest first, values as integers
    assert got[0]["name"] == f"#{games} Board games — Wed 11 Mar 2026 19:00 UTC"
    for c in got:
        assert 1 <= len(c["name"]) <= 100 and WHEN.search(c["name"]), c["name"]
        assert "@everyone" not in c["name"]  # a mention token nowhere, even where none could ping
    assert "everyone come to the **party**" in got[1]["name"]
    assert got[2]["name"].startswith(f"#{long_id} _Very long title") and "…" in got[2]["name"]
    assert soon_over not in [c["value"] for c in got] and cancelled not in [c["value"] for c in got]

    by_title = await fake.send_autocomplete("event show", focused="id", typed="BOARD", user=u["bob"], channel=ch)
    assert [c["value"] for c in by_title] == [games]
    by_number = await fake.send_autocomplete("checkin", focused="id", typed=f"#{ping}", user=u["bob"], channel=ch)
    assert [c["value"] for c in by_number] == [ping]
    elsewhere = await fake.send_autocomplete("event cancel", focused="id", typed="", user=u["dave"], channel=other_ch)
    assert [c["name"].split(" — ")[0] for c in elsewhere] == [f"#{games + 5} Dave's picnic"]

    # Another guild's event, typed by hand all the same, is refused by the command.
    refused = await fake.send_interaction("rsvp", {"id": games + 5, "status": "going"}, user=u["bob"], channel=ch)
    assert refused.text.startswith("⚠️") and "no event" in refused.text


async def test_poll_ids_and_a_votes_options(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    ids = []
    for question in ("Where to eat?", "Which day?"):
        made = await fake.send_interaction("poll create", {"question": question, "options": "Pizza | Sushi"},
                                           user=u["alice"], channel=ch)
        ids.append(card_id(only_public_card(made)))
    await fake.send_interaction("poll close", {"id": ids[0]}, user=u["alice"], channel=ch)

    vote = await fake.send_autocomplete("poll vote", focused="id", typed="", user=u["bob"], channel=ch)
    assert vote == [{"name": f"#{ids[1]} Which day?", "value": ids[1]}]
    results = await fake.send_autocomplete("poll results", focused="id", typed="", user=u["bob"], channel=ch)
    assert [c["name"] for c in results] == [f"#{ids[1]} Which day?", f"#{ids[0]} Where to eat? (closed)"]
    choice = await fake.send_autocomplete("poll vote", {"id": ids[1]}, focused="choice", typed="",
                                          user=u["bob"], channel=ch)
    assert choice == [{"name": "1. Pizza", "value": 1}, {"name": "2. Sushi", "value": 2}]
    closed = await fake.send_autocomplete("poll vote", {"id": ids[0]}, focused="choice", typed="",
                                          user=u["bob"], channel=ch)
    assert closed == []


@pytest.mark.allow_errors("suggestions for event show id failed")
async def test_a_failing_or_slow_suggester_answers_nothing_and_the_bot_keeps_working(
        harness: Harness, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    bot, _ = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    eid = await create(world, "Picnic", "tomorrow 7pm")
    events = bot.cogs["events"]

    async def broken(ctx: Any, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        raise RuntimeError("the suggester broke")

    monkeypatch.setattr(events, "suggest_event", broken)
    assert await fake.send_autocomplete("event show", focused="id", typed="", user=u["bob"], channel=ch) == []

    async def slow(ctx: Any, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        await asyncio.sleep(10)
        return [("never", "1")]

    monkeypatch.setattr(events, "suggest_event", slow)
    assert await fake.send_autocomplete("rsvp", focused="id", typed="", user=u["bob"], channel=ch) == []

    async def unruly(ctx: Any, typed: str, given: dict[str, str]) -> list[Any]:
        # Too many, too long, not numbers, not pairs: the adapter keeps what Discord takes.
        return [("x" * 150, str(i)) for i in range(40)] + [("not a number", "abc"), "junk"]

    monkeypatch.setattr(events, "suggest_event", unruly)
    got = await fake.send_autocomplete("rsvp", focused="id", typed="", user=u["bob"], channel=ch)
    assert len(got) == 25 and all(len(c["name"]) == 100 and isinstance(c["value"], int) for c in got)
    assert not [i for i in fake.interactions.values() if i.errors]

    going = await fake.send_interaction("rsvp", {"id": eid, "status": "going"}, user=u["bob"], channel=ch)
    assert "going" in going.text


async def test_typing_fast_runs_out_of_suggestions_not_of_commands(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    await create(world, "Picnic", "tomorrow 7pm")
    answers = [await fake.send_autocomplete("rsvp", focused="id", typed="", user=u["bob"], channel=ch)
               for _ in range(40)]
    assert answers[0] and [] in answers
    listed = await fake.send_interaction("event list", user=u["bob"], channel=ch)
    assert "Picnic" in listed.text


def test_the_fake_checks_results_as_discord_does() -> None:
    ok = {"type": 8, "data": {"choices": [{"name": "#1 Picnic", "value": 1}]}}
    assert autocomplete.check_result(ok, 4) == []
    assert autocomplete.check_result({"type": 8, "data": {"choices": [{"name": "a", "value": "1"}]}}, 4)
    assert autocomplete.check_result({"type": 8, "data": {"choices": [{"name": "", "value": "x"}]}}, 3)
    assert autocomplete.check_result({"type": 8, "data": {"choices": [{"name": "a" * 101, "value": "x"}]}}, 3)
    assert autocomplete.check_result({"type": 8, "data": {"choices": [{"name": "a", "value": "x" * 101}]}}, 3)
    many = {"type": 8, "data": {"choices": [{"name": str(i), "value": i} for i in range(26)]}}
    assert autocomplete.check_result(many, 4)
    assert autocomplete.check_result({"type": 8, "data": {}}, 3)
    assert autocomplete.check_option("x", {"type": 3, "autocomplete": True, "choices": [{"name": "a", "value": "a"}]})
    assert autocomplete.check_option("x", {"type": 5, "autocomplete": True})


TABLE = build([
    CommandSpec(("rsvp",), "answer an event", (Option("id", "n", kind="int", suggest="s"),
                                               Option("status", "s", kind="choice", choices=("going", "no")))),
    CommandSpec(("config", "set"), "change", (Option("key", "k", suggest="s"), Option("value", "v", suggest="s"))),
])
LEAVES = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12)
ANY_JSON = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["name", "type", "options", "value", "focused"]) | st.text(max_size=6), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None, database=None)
@given(data=ANY_JSON | st.fixed_dictionaries({"name": st.sampled_from(["rsvp", "config"]), "options": ANY_JSON}),
       found=st.lists(st.tuples(st.text(max_size=150), st.text(max_size=150)), max_size=40))
def test_any_autocomplete_data_is_read_calmly_and_any_suggestions_fit(data: Any,
                                                                     found: list[tuple[str, str]]) -> None:
    read = autocomplete_read(TABLE, data)
    assert read is None or isinstance(read, (Typing, Unreadable))
    for kind in (3, 4, 10):
        offered = choices(found, kind)
        assert autocomplete.check_result({"type": 8, "data": {"choices": offered}}, kind) == []
