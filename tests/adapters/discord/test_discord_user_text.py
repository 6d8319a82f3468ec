"""User text on Discord is shown as typed and pings nobody (PRODUCT.md, Message markers), on every
surface it reaches: cards and their edits, reminders, DMs, waitlist promotions, time-change and
cancel notices, the follow-up and its "next one?" poll, attendees, stats, check-in, the `⚠️`
replies that echo what was understood, help, the Events tab, thread and role names. The text is
a title, place, details, poll question and options, an `offline` note and a member's name.

Real adapter and discord.py against the fake Discord: what is checked is what the bot sent
(content, embeds, `allowed_mentions`), every message and every edit of one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.adapters.discord.test_discord_surfaces_cog import ALL, config_set, native_done
from tests.discord_fake import MANAGE_EVENTS, MANAGE_ROLES, message_text
from tests.discord_fake.harness import Harness, World, delivered

# Each one a person may type; {user}, {role}, {channel} become real ids of this server.
HOSTILE = {
    "mentions": "@everyone @here <@{user}> <@&{role}>",
    "channel tokens": "<#{channel}> </help:1> <t:0:F> <@!{user}>",
    "inline markdown": "**b** __u__ ~~s~~ ||sp|| `c` ``` [link](https://evil.example) <https://evil.example>",
    "heading": "# head",
    "subtext": "-# small",
    "numbered list": "1. first",
    "quote and list": "> quoted - item * item",
}

# Raw Discord text that would render as markup or a mention (not preceded by a backslash).
LIVE = [
    re.compile(r"@(everyone|here)"),
    re.compile(r"(?<!\\)<(@[!&]?|#|/)[\w:]+>"),  # users' own mention tokens are checked apart
    re.compile(r"(?<!\\)<t:0:"),
    re.compile(r"(?<!\\)(\*\*|__|~~|\|\||`)"),
    re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\("),
    re.compile(r"(?<!\\)<https?:"),
]
LINE_START = re.compile(r"^\s*(#{1,3}\s|-#\s|>\s|>>>\s|\d+\.\s|[-*+]\s)")


def texts(payload: dict[str, Any]) -> Iterator[str]:
    """Each piece of text of a message (or an edit) that Discord renders as markdown."""
    if payload.get("content"):
        yield payload["content"]
    for e in payload.get("embeds") or []:
        yield from (e.get("title") or "", e.get("description") or "")
        for f in e.get("fields") or []:
            yield from (f["name"], f["value"])


def live_markup(raw: str, visible: str, own: set[int]) -> list[str]:
    """What in `raw` a Discord client would render as markup or a mention, other than the
    mentions the bot means (`own`); only lines that carry the user's text are judged by their start."""
    found = [m.group(0) for rx in LIVE for m in rx.finditer(raw)
             if not re.fullmatch(r"<@!?(\d+)>", m.group(0)) or int(m.group(0).strip("<@!>")) not in own]
    found += [ln for ln in raw.split("\n") if LINE_START.match(ln) and visible.split()[0] in ln]
    return found


@pytest.mark.parametrize("kind", list(HOSTILE))
async def test_user_text_is_literal_and_pings_nobody_on_every_surface(harness: Harness, world: World,
                                                                      kind: str) -> None:
    fake, u, ch = world.fake, world.users, world.channel
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS | MANAGE_ROLES)
    mods_role = fake.add_role(world.guild, "everyone-pinged", 0)
    h = HOSTILE[kind].format(user=u["mod"], role=mods_role, channel=ch)
    o = h.replace("|", "/")  # "|" separates a poll's options
    evil = fake.add_member(world.guild, h)  # a name is user text too
    clock = ManualClock()
    bot, adapter = await harness.start(ALL, clock=clock)
    for key, value in (("events.thread", "on"), ("events.role", "on"), ("reminders", "1h")):
        await config_set(world, key, value)
    await fake.send_interaction("notify", {"where": "dm"}, user=u["bob"], channel=ch)
    said: list[str] = []

    async def run(command: str, options: dict[str, Any], who: str | int = "alice") -> str:
        user = who if isinstance(who, int) else u[who]
        answer = await fake.send_interaction(command, options, user=user, channel=ch)
        said.append(answer.text)
        return answer.text

    await run("poll create", {"question": h, "options": f"{o} | B"})
    await run("poll close", {"id": 1})
    await run("event create", {"title": h, "when": "in 3 hours", "where": h, "details": h, "capacity": 1})
    await native_done(bot, 1)
    [card] = [m for m in fake.channel_messages(ch) if m["embeds"] and m["embeds"][0]["title"].startswith("📅")
              and m["embeds"][0]["title"].endswith("#1")]
    fake.add_reaction(int(card["id"]), "✅", evil)
    await fake.wait_for(lambda: "Going (1/1)" in message_text(fake.messages[int(card["id"])]), what="evil in")
    fake.add_reaction(int(card["id"]), "✅", u["bob"])  # waitlisted, then promoted
    await fake.wait_for(lambda: "Waitlist (1)" in message_text(fake.messages[int(card["id"])]), what="bob waits")
    fake.remove_reaction(int(card["id"]), "✅", evil)
    await fake.wait_for(lambda: any("spot" in message_text(m) for m in fake.channel_messages(ch)), what="promotion")
    fake.add_reaction(int(card["id"]), "🤔", evil)
    await run("event edit", {"id": 1, "when": "in 4 hours"})  # those going are told
    await run("event attendees", {"id": 1})
    await run("event list", {})
    await run("event show", {"id": 1})
    await run("event create", {"title": h, "when": h})  # ⚠️ echoing what was understood
    await run("checkin", {"id": 1, "name": h})  # ⚠️: nobody of that name
    await run("help", {"command": h})
    for who in (evil, u["carol"], evil, u["carol"]):
        fake.user_message(ch, who, "we should talk about this")
    await run("offline", {"note": h}, who="carol")
    await bot.scheduler.advance(timedelta(hours=3, minutes=31))  # the reminder; check-in opens
    await run("checkin", {"id": 1}, who="bob")
    await bot.scheduler.advance(timedelta(hours=3))  # over: the thank-you and "next one?"
    await bot.cards.idle()
    await run("stats", {})
    await run("event create", {"title": h, "when": "in 5 hours", "where": h})
    await native_done(bot, 2)
    [second] = [m for m in fake.channel_messages(ch) if m["embeds"] and m["embeds"][0]["title"].startswith("📅")
                and m["embeds"][0]["title"].endswith("#2")]
    fake.add_reaction(int(second["id"]), "✅", u["bob"])
    await fake.wait_for(lambda: "Going (1)" in message_text(fake.messages[int(second["id"])]), what="bob going")
    await run("event cancel", {"id": 2})
    await delivered(fake, bot, adapter)
    await bot.cards.idle()
    await fake.quiet(0.1)

    people = {evil, u["bob"], u["carol"], u["alice"]}  # whom the features address
    visible = h.replace("\u200b", "")
    sent = [m for m in fake.messages.values() if int(m["author"]["id"]) == fake.bot_id]
    payloads = [*sent, *(e.payload for e in fake.edits)]
    for p in payloads:
        assert p.get("allowed_mentions", {}).get("parse", []) == [], p
        for raw in texts(p):
            assert not live_markup(raw, visible, people), (kind, live_markup(raw, visible, people), raw)
    for m in sent:
        assert not m["mention_everyone"], message_text(m)
        assert {int(x["id"]) for x in m["mentions"]} <= people, message_text(m)
        allowed = m["_allowed_mentions"]
        assert allowed is not None and allowed.get("parse", []) == [] and not allowed.get("roles"), allowed
        assert {int(x) for x in allowed.get("users", [])} <= people, (allowed, message_text(m))

    shown = [message_text(m) for m in sent]
    everything = "\n".join(shown + said)
    for what in (f"📊 {h} #1", f"1️⃣ {o} — 0", f"📅 {h} #1", f"📍 {h}\n{h}\nGoing", f"Maybe (1):\n{h}",
                 f"you're in for {h} #1", f"{h} #1 has a new time", f"Note from carol: {h}",
                 f"Reminder: {h} #1 starts", f"at {h}.", f"Thanks for coming to {h} #1", f"Next {h}? ",
                 f"#1 {h} — ", f"Cancelled {h} #2", f"{h} #2 is cancelled"):
        assert what in everything, (kind, what)
    dms = [message_text(m) for c in fake.channels.values() if c["type"] == 1
           for m in fake.channel_messages(int(c["id"]))]
    assert any(h in d for d in dms), dms
    assert any(h.lower() in s.lower() for s in said if s.startswith("⚠️")), said  # `when` echoed
    assert any("checked in" in s and not s.startswith("⚠️") for s in said), said
    # The Events tab, the thread and the role carry the title as typed.
    for listing in fake.scheduled.events.values():
        assert listing["name"] == h and listing["entity_metadata"]["location"] == h
        assert not live_markup(listing["description"], visible, set()), listing["description"]
        assert h in message_text({"content": listing["description"]})
    thread_names = [c["name"] for c in fake.channels.values() if c.get("type") == 11]
    role_names = [r["name"] for r in fake.guilds[world.guild]["roles"]]
    assert any(name.startswith(h[:20]) for name in thread_names), thread_names
    assert any(name.startswith(h[:20]) for name in role_names), role_names
