"""The Matrix adapter against a real Synapse: joining, commands, moderators, the wire format."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from adapters.matrix import MatrixAdapter
from bot.model import ChannelRef, UserRef
from bot.render import Mention, line, text
from tests.matrix_harness import BotRunner, Human, HumanFactory, eventually


async def test_joins_when_invited_and_answers_help(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start(extensions=["cogs.admin"])
    alice = humans("alice")
    room = await runner.join(alice)
    await alice.say(room, "!help")
    msg = await alice.wait_bot_message(room, runner.user_id, "logoff commands")
    assert msg.original["type"] == "m.room.message"
    assert msg.content["msgtype"] == "m.notice"
    assert "config set" in msg.body
    assert msg.content["format"] == "org.matrix.custom.html"
    assert "<h4>logoff commands</h4>" in msg.html
    assert msg.content["m.mentions"] == {"user_ids": []}


async def test_usage_on_parse_error_comes_from_the_core(runner: BotRunner,
                                                        humans: HumanFactory) -> None:
    await runner.start(extensions=["cogs.admin"])
    alice = humans("alice")
    room = await runner.join(alice)
    await alice.say(room, "!config set")
    msg = await alice.wait_bot_message(room, runner.user_id, "⚠️")
    assert "Usage: !config set" in msg.body


async def test_config_set_needs_power_level_50(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start(extensions=["cogs.admin", "cogs.events"])
    owner, bob, carol = humans("owner"), humans("bob"), humans("carol")
    # carol gets 50 explicitly; bob has the default 0; the owner is the room creator.
    room = await runner.join(owner, power={carol.user_id: 50})
    await owner.invite(room, bob.user_id)
    await owner.invite(room, carol.user_id)
    await bob.join(room)
    await carol.join(room)

    await bob.say(room, "!config set timezone Europe/Berlin")
    refusal = await bob.wait_bot_message(room, runner.user_id, "⚠️")
    assert "only moderators" in refusal.body

    await owner.say(room, "!config set timezone Europe/Berlin")
    await owner.wait_bot_message(room, runner.user_id, "timezone is now Europe/Berlin")
    await carol.say(room, "!config set reminders 2h")
    await carol.wait_bot_message(room, runner.user_id, "reminders is now 2h")

    # Nothing was written on the refusal, and the room is its own space.
    assert runner.bot is not None
    space = runner.bot.adapter("matrix")
    assert isinstance(space, MatrixAdapter)
    from bot.model import SpaceRef

    tz = await runner.bot.timezone(SpaceRef("matrix", room))
    assert tz.key == "Europe/Berlin"


async def test_ignores_own_and_other_bots_notices(runner: BotRunner, humans: HumanFactory) -> None:
    await runner.start(extensions=["cogs.admin"])
    alice = humans("alice")
    room = await runner.join(alice)
    # Another bot speaking in m.notice must never trigger a command.
    await alice.say(room, "!help", msgtype="m.notice")
    await alice.say(room, "!help config")
    await alice.wait_bot_message(room, runner.user_id, "config show")
    msgs = await alice.bot_messages(room, runner.user_id)
    assert len(msgs) == 1, [m.body for m in msgs]


async def test_hostile_text_is_escaped_and_pings_nobody(runner: BotRunner,
                                                        humans: HumanFactory) -> None:
    await runner.start()
    owner, bob = humans("owner"), humans("bob")
    # The bot gets power 100, so an "@room" it sent would really notify the room.
    room = await runner.join(owner, power={runner.user_id: 100})
    await owner.invite(room, bob.user_id)
    await bob.join(room)
    await _put(bob, "/_matrix/client/v3/pushrules/global/override/.m.rule.suppress_notices/enabled",
               {"enabled": False})
    title = f'<script>alert(1)</script> @room <b>x</b> {bob.user_id} "q" & more'
    await owner.say(room, f"!event create '{title}' when=\"tomorrow 7pm\"")
    card = await owner.wait_bot_message(room, runner.user_id, "#1")
    content = card.original["content"]
    assert content["m.mentions"] == {"user_ids": []}
    body, formatted = content["body"], content["formatted_body"]
    assert "<script>" in body  # plain text is shown as typed
    assert "<script" not in formatted and "<b>x" not in formatted
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in formatted
    assert "&quot;q&quot; &amp; more" in formatted
    # "@room" is kept readable but defused in both bodies.
    assert "@room" not in body and "@\u200broom" in body
    assert "@room" not in formatted
    # Only allowed tags reach the client.
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", formatted))
    assert tags <= {"b", "strong", "i", "em", "code", "pre", "br", "p", "ul", "li", "h3", "h4",
                    "a", "blockquote"}, tags
    assert html.unescape(re.sub(r"<[^>]+>", "", formatted)).count("alert(1)") == 1

    # The real outcome: bob is notified of the card (notices are not suppressed for him)
    # but not highlighted, although "@room" and his user id are in the title.
    async def notification() -> dict[str, Any] | None:
        data = await _get(bob, "/_matrix/client/v3/notifications?limit=50")
        return next((n for n in data.get("notifications", [])
                     if n["event"]["event_id"] == card.event_id), None)

    note = await eventually(notification, what="bob's notification of the card")
    assert not _highlights(note), note["actions"]

    # Control: a real Mention is a pill, is listed in m.mentions, and does highlight bob.
    assert runner.bot is not None
    sent = await runner.bot.send(ChannelRef("matrix", room, room),
                                 text(line("see you there, ", Mention(UserRef("matrix", bob.user_id,
                                                                              "Bob <3>")))))
    ping = await owner.wait_bot_message(room, runner.user_id, "see you there")
    assert ping.event_id == sent.id
    assert ping.content["m.mentions"] == {"user_ids": [bob.user_id]}
    assert (f'<a href="https://matrix.to/#/{bob.user_id}">Bob &lt;3&gt;</a>'
            in ping.content["formatted_body"])
    card = ping
    assert _highlights(await eventually(notification, what="bob's notification of the mention"))


def _highlights(note: dict[str, Any]) -> bool:
    return any(isinstance(a, dict) and a.get("set_tweak") == "highlight" and a.get("value", True)
               for a in note["actions"])


async def _get(who: Human, path: str) -> dict[str, Any]:
    resp = await who.client.send("GET", path,
                                 headers={"Authorization": f"Bearer {who.client.access_token}"})
    return dict(await resp.json())


async def _put(who: Human, path: str, body: dict[str, Any]) -> None:
    resp = await who.client.send("PUT", path, json.dumps(body),
                                 headers={"Authorization": f"Bearer {who.client.access_token}",
                                          "Content-Type": "application/json"})
    assert resp.status == 200, await resp.text()


async def test_password_login_keeps_its_device(runner: BotRunner, humans: HumanFactory) -> None:
    runner.use_password = True
    _, adapter = await runner.start(extensions=["cogs.admin"])
    device = adapter.client.device_id
    assert device == "LOGOFFTEST"
    assert runner.bot is not None
    row = await runner.bot.db.fetchone("SELECT device_id, access_token FROM matrix_session")
    assert row is not None and row[0] == device and row[1]
    _, adapter = await runner.restart()
    assert adapter.client.device_id == device
    alice = humans("alice")
    room = await runner.join(alice)
    await alice.say(room, "!help")
    await alice.wait_bot_message(room, runner.user_id, "logoff commands")


async def test_message_seen_only_for_human_text(runner: BotRunner, humans: HumanFactory) -> None:
    bot, _ = await runner.start(extensions=["cogs.admin", "tests.matrix_harness.probe"])
    alice, bob = humans("alice"), humans("bob")
    room = await runner.join(alice)
    await alice.invite(room, bob.user_id)
    await bob.join(room)
    first = await alice.say(room, "shall we meet?")
    await bob.say(room, "> <@x> shall we meet?\n\nyes, saturday",
                  extra={"m.relates_to": {"m.in_reply_to": {"event_id": first}}})
    await bob.say(room, "I am a bot", msgtype="m.notice")
    await alice.say(room, "!help")
    await alice.wait_bot_message(room, runner.user_id, "logoff commands")
    probe = bot.cogs["probe"]
    seen = probe.seen  # type: ignore[attr-defined]

    async def both() -> bool:
        return len(seen) >= 2

    await eventually(both, what="two MessageSeen events")
    assert [(s.author.id, s.text) for s in seen] == [(alice.user_id, "shall we meet?"),
                                                     (bob.user_id, "yes, saturday")]
    assert seen[1].reply_to_user is not None and seen[1].reply_to_user.id == alice.user_id
    assert seen[0].channel == ChannelRef("matrix", room, room)


async def test_a_command_typed_in_a_thread_is_answered_in_that_thread(runner: BotRunner,
                                                                      humans: HumanFactory) -> None:
    await runner.start(extensions=["cogs.admin"])
    alice = humans("alice")
    room = await runner.join(alice)
    root = await alice.say(room, "planning thread")
    asked = await alice.say(room, "!help", extra={"m.relates_to": {
        "rel_type": "m.thread", "event_id": root, "is_falling_back": True,
        "m.in_reply_to": {"event_id": root}}})
    answer = await alice.wait_bot_message(room, runner.user_id, "logoff commands")
    assert answer.content["m.relates_to"] == {"rel_type": "m.thread", "event_id": root,
                                              "is_falling_back": True,
                                              "m.in_reply_to": {"event_id": asked}}
