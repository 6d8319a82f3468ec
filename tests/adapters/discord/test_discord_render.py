"""Rendering and command building, without a server: Discord's limits and escaping."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from adapters.discord import commands as cmd
from adapters.discord.render import allowed_mentions, clip, render, render_all
from bot.commands import CommandSpec, Option
from bot.model import UserRef
from bot.render import Action, Attachment, Card, Field, Mention, Strong, Text, Time, line
from tests.discord_fake import unescape_markdown

ALICE = UserRef("discord", "123456789012345678", "alice")


def embed_total(e: discord.Embed) -> int:
    return (len(e.title or "") + len(e.description or "") + len(e.footer.text or "")
            + sum(len(f.name or "") + len(f.value or "") for f in e.fields))


async def test_inline_parts() -> None:
    at = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    out = Text((line("Hi ", Mention(ALICE), ", ", Strong("*x*"), " at ", Time(at), "; ", Time(at, relative=True),
                     " @everyone"),))
    r = render(out)
    ts = int(at.timestamp())
    assert r.content == (f"Hi <@{ALICE.id}>, **\\*x\\*** at <t:{ts}:F>; <t:{ts}:F> (<t:{ts}:R>) @\u200beveryone")
    assert allowed_mentions(r.mentions).to_dict() == {"parse": [], "users": [int(ALICE.id)]}


async def test_card_within_discord_limits_with_long_lists() -> None:
    names = tuple(line(f"person number {i} with a fairly long display name") for i in range(500))
    card = Card("T" * 400, ref="#7", body=tuple(line("x" * 300) for i in range(40)),
                fields=tuple(Field(f"Field {i} " + "n" * 300, names) for i in range(30)),
                footer="f" * 3000, actions=(Action("rsvp:7:going", "Going " * 30),))
    r = render(card)
    e = r.embed
    assert e is not None
    assert len(e.title or "") <= 256 and (e.title or "").endswith("… #7")
    assert len(e.description or "") <= 4096 and (e.description or "").endswith("\n…"), "lines left out"
    assert len(e.fields) <= 25 and all(len(f.value or "") <= 1024 and len(f.name or "") <= 256 for f in e.fields)
    assert embed_total(e) <= 6000
    assert e.fields[-1].value == f"and {30 - (len(e.fields) - 1)} more", "fields left out are counted"
    assert all((f.value or "").endswith("\n…") for f in e.fields[:-1]), "lines left out, not people counted"
    assert r.view is not None and r.view.is_finished(), "sent stopped: not kept in the view store"
    [button] = r.view.children
    assert isinstance(button, discord.ui.DynamicItem) and button.item.custom_id == "rsvp:7:going"
    assert len(button.item.label or "") <= 80


async def test_card_ref_is_kept_and_user_text_escaped() -> None:
    r = render(Card("**Party** <@1> #hashtag", ref="#12", body=(line("`code` > quote"),)))
    assert r.embed is not None and (r.embed.title or "").endswith(" #12")
    assert unescape_markdown(r.embed.title or "").replace("\u200b", "") == "**Party** <@1> #hashtag #12"
    assert unescape_markdown(r.embed.description or "") == "`code` > quote"
    assert r.content is None


async def test_preface_attachment_and_long_text() -> None:
    card = Card("Reminder", preface=(line("⏰ ", Mention(ALICE)),))
    assert render(card).content == f"⏰ <@{ALICE.id}>"
    att = render(Attachment("event.ics", b"BEGIN:VCALENDAR", "text/calendar", caption="Add it"))
    f = att.file()
    assert f is not None and f.filename == "event.ics" and att.content == "Add it"
    long = Text(tuple(line(f"line {i} " + "y" * 50) for i in range(200)))
    edited = render(long)  # an edit is one message: shortened, the lines left out shown as "…"
    assert edited.content is not None and len(edited.content) <= 2000 and edited.content.endswith("\n…")
    sent = render_all(long)  # a send is as many messages as it takes
    assert all(len(r.content or "") <= 2000 for r in sent)
    assert "\n".join(r.content or "" for r in sent) == "\n".join(f"line {i} " + "y" * 50 for i in range(200))


def test_clip_never_breaks_escapes_or_tokens() -> None:
    assert clip("ab\\*cd", 4) == "ab…"
    assert clip(f"see <@{ALICE.id}> now", 12) == "see …"


def test_commands_from_specs() -> None:
    specs = [
        CommandSpec(("poll", "create"), "start a poll " + "x" * 200, (
            Option("question", "what"), Option("multi", "several", kind="bool", required=False, positional=False),
            Option("options", "choices", kind="list", rest=True))),
        CommandSpec(("rsvp",), "answer", (Option("id", "n", kind="int", min=1),
                                          Option("status", "s", kind="choice", choices=("going", "no")))),
        CommandSpec(("config",), "bare group command"),
        CommandSpec(("config", "set"), "set", (Option("Key.Name", "k"),)),
    ]
    table = cmd.build(specs)
    by = {c["name"]: c for c in table.payload}
    create = by["poll"]["options"][0]
    assert len(create["description"]) <= 100
    assert [o["name"] for o in create["options"]] == ["question", "options", "multi"], "required first"
    assert [o["type"] for o in create["options"]] == [3, 3, 5]
    assert by["rsvp"]["options"][0] == {"type": 4, "name": "id", "description": "n", "required": True,
                                        "min_value": 1}
    assert by["rsvp"]["options"][1]["choices"] == [{"name": "going", "value": "going"}, {"name": "no", "value": "no"}]
    assert [o["name"] for o in by["config"]["options"]] == ["set"], "a bare command cannot sit beside subcommands"
    spec, raw = table.resolve({"name": "config", "options": [
        {"type": 1, "name": "set", "options": [{"name": "key_name", "type": 3, "value": "tz"}]}]}) or (None, None)
    assert spec is specs[3] and raw == {"Key.Name": "tz"}
    assert table.resolve({"name": "nope"}) is None
    assert cmd.same_commands([{**c, "id": "1", "version": "2"} for c in table.payload], table.payload)
    assert not cmd.same_commands(table.payload[:1], table.payload)


def test_constraints_discord_still_holds_make_a_re_register() -> None:
    want = [{"name": "rsvp", "type": 1, "description": "d", "contexts": [0], "options": [
        {"type": 3, "name": "status", "description": "s", "required": True},
        {"type": 4, "name": "id", "description": "i", "required": True},
        {"type": 3, "name": "note", "description": "n", "required": False}]}]
    stale = {"status": {"choices": [{"name": "going", "value": "going"}]},
             "id": {"min_value": 0}, "note": {"max_length": 10}}
    for name, extra in [*stale.items(), ("id", {"max_value": 5})]:
        have = [{**want[0], "id": "1", "version": "2",
                 "options": [{**o, **(extra if o["name"] == name else {})} for o in want[0]["options"]]}]
        assert not cmd.same_commands(have, want), f"{name} still holds {extra}"
    # What Discord returns for a constraint that is not set is no difference.
    unset = [{**want[0], "options": [{**o, "autocomplete": False, "choices": [], "min_value": None}
                                     for o in want[0]["options"]]}]
    assert cmd.same_commands(unset, want)
    assert not cmd.same_commands([{**want[0], "contexts": None}], want), "offered in DMs: re-register"
