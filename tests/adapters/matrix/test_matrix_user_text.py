"""User text on Matrix is shown as typed and pings nobody (PRODUCT.md, Message markers), on every
surface it reaches: a poll's card and its native poll (MSC3381), an event's card and its edits,
a time-change notice, attendees, the reminder, the `⚠️` reply that echoes what was understood,
help, the `offline` prompt and a cancel notice. The text is a title, place, details, poll question
and option, a note and a person's display name.

Real adapter against a real Synapse: every event the bot sent is read back from the room; its
`formatted_body` holds only the bot's own elements, `m.mentions` names only the people a feature
addresses, and Synapse's own push rules notify nobody else of it (`/notifications`)."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import aiohttp
import pytest

from adapters.matrix import render
from bot.clock import ManualClock
from bot.model import UserRef
from bot.render import Mention, Text
from tests.adapters.matrix.test_matrix_restart_names import renamed
from tests.matrix_harness import BotRunner, Human, HumanFactory, room_with, until_card

HOSTILE = {
    "html": "<b>bold</b> <script>alert(1)</script> <a href='https://evil.example'>x</a> <img src=x>",
    "mentions": "@room @everyone {victim} dave https://matrix.to/#/{victim} <@123> <#456>",
    "markdown": "**b** # head -# small [x](https://evil.example) ||sp|| `c`",
}
OWN_TAGS = {"h4", "p", "br", "strong", "em", "code", "a"}  # what render.py writes


class Elements(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def contents(ev: dict[str, Any]) -> list[dict[str, Any]]:
    """An event's content, and for an edit the new content it carries."""
    content = ev.get("content") or {}
    return [content, *([content["m.new_content"]] if "m.new_content" in content else [])]


async def highlights(who: Human, bot_id: str) -> list[dict[str, Any]]:
    """The bot's events Synapse's push rules notified `who` of."""
    url = f"{who.client.homeserver}/_matrix/client/v3/notifications"
    async with aiohttp.ClientSession() as http, http.get(
            url, headers={"Authorization": f"Bearer {who.client.access_token}"}) as r:
        assert r.status == 200, await r.text()
        found = (await r.json())["notifications"]
    return [n for n in found if n["event"]["sender"] == bot_id]


@pytest.mark.parametrize("kind", list(HOSTILE))
async def test_user_text_is_literal_and_pings_nobody_on_every_surface(runner: BotRunner, humans: HumanFactory,
                                                                      kind: str) -> None:
    bot, _ = await runner.start(clock=ManualClock())
    alice, evil, carol, dave = humans("alice"), humans("evil"), humans("carol"), humans("dave")
    room = await room_with(runner, alice, evil, carol, dave)  # dave only reads
    h = HOSTILE[kind].format(victim=dave.user_id)
    await renamed(carol, room, "carol")
    await renamed(dave, room, "dave")
    await renamed(evil, room, h)  # a name is user text too
    bot_id = runner.user_id

    async def said(text: str, needle: str, who: Human = alice) -> None:
        before = len(await alice.bot_messages(room, bot_id))
        await who.say(room, text)
        await alice.wait_bot_message(room, bot_id, needle, after=before)

    await said("!config set reminders 1h", "reminders is now")
    await said(f'!poll create "{h}" "{h.replace("|", "/")}" | B', "📊")
    await alice.say(room, "!poll close 1")
    await alice.wait_bot_message(room, bot_id, "(closed)")
    await said(f'!event create "{h}" when="in 3 hours" where="{h}" details="{h}" capacity=1', "📅")
    card = (await alice.bot_messages(room, bot_id))[-1]
    await evil.react(room, card.event_id, "✅")
    await until_card(alice, room, runner, card.event_id, r"Going \(1/1\)")
    await said('!event edit 1 when="in 4 hours"', "has a new time")
    await said("!event attendees 1", "Going (1/1)")
    await said("!event list", "Upcoming")
    await said(f'!event create "{h}" when="{h}"', "⚠️")
    await said(f"!help {h}", "⚠️")
    for who in (evil, carol, evil, carol):
        await who.say(room, "we should talk about this")
    await said(f"!offline {h}", "offline", who=carol)
    await bot.scheduler.advance(timedelta(hours=3, minutes=1))
    await alice.wait_bot_message(room, bot_id, "Reminder")
    await said("!event cancel 1", "is cancelled")
    await runner.idle()

    events = [e for e in await alice.raw_events(room)
              if e.get("sender") == bot_id and (e["type"] == "m.room.message" or ".poll." in e["type"])]
    assert {"org.matrix.msc3381.poll.start", "org.matrix.msc3381.poll.end"} <= {e["type"] for e in events}
    visible: list[str] = []
    for ev in events:
        for content in contents(ev):
            mentions = content.get("m.mentions")
            assert mentions is not None and "room" not in mentions, (ev["type"], content)
            assert set(mentions.get("user_ids", [])) <= {evil.user_id, carol.user_id}, content
            for text in (content.get("body", ""), content.get("org.matrix.msc1767.text", "")):
                assert "@room" not in text and "matrix.to/" not in text, text
                visible.append(text.replace("\u200b", ""))
            if "formatted_body" in content:
                html = Elements(content["formatted_body"])
                for tag, attrs in html.tags:
                    assert tag in OWN_TAGS, (tag, content["formatted_body"])
                    if tag == "a":  # a pill, only of someone mentioned
                        [(name, href)] = attrs.items()
                        assert name == "href" and (href or "").removeprefix("https://matrix.to/#/") in mentions["user_ids"]
                visible.append("".join(html.text).replace("\u200b", ""))
    everything = "\n".join(visible)
    for what in (f"📊 {h}", f"📅 {h} #1", f"📍 {h}", f"{h} #1 has a new time", f"Reminder: {h} #1 starts",
                 f"{h} #1 is cancelled", f"Note from carol: {h}", f"Going (1/1):{h}"):
        assert what in everything, (kind, what)
    assert any(h.lower() in v.lower() for v in visible if v.startswith("⚠️")), "the time as understood"

    # Synapse's own push rules: the bot's events highlight nobody it did not mention, though
    # dave's id and name and "@room" were in the text.
    for who in (alice, dave):
        noted = await highlights(who, bot_id)
        assert not [n for n in noted if any(isinstance(a, dict) and a.get("set_tweak") == "highlight"
                                            and a.get("value", True) for a in n["actions"])], noted


@pytest.mark.parametrize("other", [UserRef("discord", "123456789012345678", "@room <b>x</b> (Discord)"),
                                   UserRef("console", "alice", "alice (Console)")])
def test_a_linked_platforms_person_is_named_not_pilled(other: UserRef) -> None:
    """A card or notice of a linked space can name a person of the other platform: Matrix shows
    them by name; a pill to a Discord id, or that id in `m.mentions`, would be a mention of a
    Matrix user that is not there (and the id is no Matrix id at all)."""
    mel = UserRef("matrix", "@mel:hs", "mel")
    content = render.notice(Text((("Going: ", Mention(other), " ", Mention(mel)),)), None)
    assert content["m.mentions"] == {"user_ids": ["@mel:hs"]}
    html = Elements(content["formatted_body"])
    assert html.tags == [("a", {"href": "https://matrix.to/#/@mel:hs"})], content["formatted_body"]
    shown = "".join(html.text).replace("\u200b", "")
    assert shown == f"Going: @{other.display} mel" and "@room" not in content["formatted_body"]
