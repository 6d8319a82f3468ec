"""Replies and cards past Discord's length limits: split or shortened, nobody lost from a
count, markers kept (the real adapter against the fake Discord, and its renderer)."""

from __future__ import annotations

import re

from adapters.discord.render import fit_lines, render, render_all
from adapters.discord.surfaces import one_line
from bot.render import LIST_SEP, Text, line
from tests.discord_fake import message_text, unescape_markdown
from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")


def names(n: int, prefix: str = "Member number") -> tuple[str, ...]:
    return tuple(f"{prefix} {i:03d}" for i in range(n))


def list_line(items: tuple[str, ...]) -> tuple[str, ...]:
    parts: list[str] = []
    for i, item in enumerate(items):
        parts.extend([LIST_SEP] if i else [])
        parts.append(item)
    return tuple(parts)


async def test_attendees_of_a_big_event_are_all_listed(harness: Harness, world: World) -> None:
    bot, _ = await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    created = await fake.send_interaction("event create", {"title": "Summer BBQ", "when": "tomorrow 7pm"},
                                          user=u["alice"], channel=ch)
    mid = int([m for m in created.public if m["embeds"]][0]["id"])
    n = 160
    for name in names(n):
        fake.add_reaction(mid, "✅", fake.add_member(world.guild, name))
    await fake.wait_for(lambda: f"Going ({n})" in message_text(fake.messages[mid]), wait_s=30, what="all going")
    fake.add_reaction(mid, "🤔", u["bob"])
    await fake.wait_for(lambda: "Maybe (1)" in message_text(fake.messages[mid]), wait_s=30)

    r = await fake.send_interaction("event attendees", {"id": 1}, user=u["carol"], channel=ch)
    replies = [message_text(m) for m in r.messages]
    assert len(replies) >= 2, "over 2000 characters: more than one message"
    assert all(len(m["content"]) <= 2000 for m in r.messages)
    text = "\n".join(replies)
    shown = re.findall(r"Member number \d{3}", text)
    assert sorted(shown) == sorted(names(n)), "every name once, none lost"
    assert "more" not in text
    assert text.startswith("📅 Summer BBQ #1\nGoing (160): ")
    assert "Maybe (1): \nbob" in text and "Not going (0): " in text


def test_a_long_text_splits_between_lines_and_names() -> None:
    people = names(300)
    out = Text((line("Going (300): "), list_line(people), line("Maybe (0): "), line("—")))
    parts = render_all(out)
    assert len(parts) > 1 and all(p.content is not None and len(p.content) <= 2000 for p in parts)
    joined = "\n".join(unescape_markdown(p.content or "") for p in parts)
    assert re.findall(r"Member number \d{3}", joined) == list(people)
    assert joined.startswith("Going (300): \nMember number 000, Member number 001")
    assert joined.endswith("Member number 299\nMaybe (0): \n—")
    for p in parts:  # a message ends after a whole name, never inside one
        assert re.search(r"(Member number \d{3},?|—|: )$", unescape_markdown(p.content or ""))


def test_a_list_cut_to_one_message_counts_people() -> None:
    people = names(160)
    content = render(Text((line("Going (160): "), list_line(people)))).content or ""
    assert len(content) <= 2000
    shown = re.findall(r"Member number \d{3}", content)
    m = re.search(r"and (\d+) more$", content)
    assert m and shown and int(m[1]) == 160 - len(shown), content[-60:]
    # A cog's own "and K more" (a card shows at most so many names) is added to the count.
    capped = list_line((*names(40), "and 120 more"))
    value = fit_lines((capped,), 300)
    kept = re.findall(r"Member number \d{3}", value)
    assert len(value) <= 300 and value.endswith(f"and {160 - len(kept)} more")


def test_lines_that_do_not_fit_are_never_counted_as_people() -> None:
    value = fit_lines([line("a" * 10)] * 5, 33)
    assert value == "a" * 10 + "\n" + "a" * 10 + "\n…"
    assert "more" not in value


TITLE = ("[D&D-5e] (one-shot) lvl_3 :: " * 7)[:199]  # within the option's 200; escaped, over 256


async def test_the_id_marker_survives_an_escaped_long_title(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    event = await fake.send_interaction("event create", {"title": TITLE, "when": "tomorrow 7pm"},
                                        user=u["alice"], channel=ch)
    [event_card] = [m for m in event.public if m["embeds"]]
    poll = await fake.send_interaction("poll create", {"question": TITLE, "options": "a | b"},
                                       user=u["alice"], channel=ch)
    [poll_card] = [m for m in poll.public if m["embeds"]]
    for card, ref in ((event_card, "#1"), (poll_card, "#1")):
        title = card["embeds"][0]["title"]
        assert len(title) <= 256 and title.endswith(f"… {ref}"), title[-40:]
        head = unescape_markdown(title[: -len(f"… {ref}")])
        assert TITLE.startswith(head.removeprefix("📅 ").removeprefix("📊 ")), "cut between escapes only"
        assert len(head) > 100


def test_thread_and_role_names_keep_the_id_marker() -> None:
    name = one_line(f"{'Board games night at the old library ' * 5} #12", 100)
    assert len(name) <= 100 and name.endswith("… #12")
    assert one_line("Picnic  in\nthe park #3", 100) == "Picnic in the park #3"
    assert len(one_line("x" * 150, 100)) == 100
