"""Replies and cards past Discord's length limits: split or shortened, nobody lost from a
count, markers kept (the real adapter against the fake Discord, and its renderer)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from adapters.discord.render import fit_lines, render, render_all
from adapters.discord.surfaces import one_line
from bot.model import UserRef
from bot.render import Text, line, list_line
from cogs.events.render import event_card
from cogs.events.repo import Attendee, Event, Roster
from cogs.events.turnout_render import Presence
from cogs.offline.render import addressed
from cogs.polls.render import outcome
from cogs.polls.repo import Poll, Tally
from tests.discord_fake import message_text, unescape_markdown
from tests.discord_fake.harness import Harness, World

ALL = ("cogs.admin", "cogs.polls", "cogs.events", "cogs.offline", "cogs.links")


def names(n: int, prefix: str = "Member number") -> tuple[str, ...]:
    return tuple(f"{prefix} {i:03d}" for i in range(n))


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
    # The answer's later parts follow the first one by one (a busy machine spaces them out).
    await fake.wait_for(lambda: "Not going (0)" in "\n".join(message_text(m) for m in r.messages),
                        wait_s=30, what="the answer's last part")
    replies = [message_text(m) for m in r.messages]
    assert len(replies) >= 2, "over 2000 characters: more than one message"
    assert all(len(m["content"]) <= 2000 for m in r.messages)
    text = "\n".join(replies)
    shown = re.findall(r"Member number \d{3}", text)
    assert sorted(shown) == sorted(names(n)), "every name once, none lost"
    assert "more" not in text
    assert text.startswith("📅 Summer BBQ #1\nGoing (160):\n")
    assert "\nMaybe (1):\nbob\n" in text and "\nNot going (0):\n" in text


def test_a_long_text_splits_between_lines_and_names() -> None:
    people = names(300)
    out = Text((line("Going (300):"), list_line(people), line("Maybe (0):"), line("—")))
    parts = render_all(out)
    assert len(parts) > 1 and all(p.content is not None and len(p.content) <= 2000 for p in parts)
    joined = "\n".join(unescape_markdown(p.content or "") for p in parts)
    assert re.findall(r"Member number \d{3}", joined) == list(people)
    assert joined.startswith("Going (300):\nMember number 000, Member number 001")
    assert joined.endswith("Member number 299\nMaybe (0):\n—")
    for p in parts:  # a message ends after a whole name, never inside one
        assert re.search(r"(Member number \d{3},?|—|:)$", unescape_markdown(p.content or ""))


def test_a_list_cut_to_one_message_counts_people() -> None:
    people = names(160)
    content = render(Text((line("Going (160):"), list_line(people)))).content or ""
    assert len(content) <= 2000
    shown = re.findall(r"Member number \d{3}", content)
    m = re.search(r"and (\d+) more$", content)
    assert m and shown and int(m[1]) == 160 - len(shown), content[-60:]
    # A cog's own "and K more" (a card shows at most so many names) is added to the count.
    capped = list_line(names(40), more=120)
    value = fit_lines((capped,), 300)
    kept = re.findall(r"Member number \d{3}", value)
    assert len(value) <= 300 and value.endswith(f"and {160 - len(kept)} more")


def test_a_name_that_reads_like_a_count_is_one_person() -> None:
    now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    going = (*people("g", 39), Attendee("discord:x", "and 5 more"))
    ev = Event(id=7, space="discord:1", platform="discord", channel_id="2", creator="discord:3",
               title="Picnic", starts_at=now + timedelta(days=1), location="", details="", capacity=None,
               state="scheduled", revision=1, ends_at=now + timedelta(days=1, hours=2))
    e = render(event_card(ev, Roster(going=going, waitlist=(), maybe=(), no=()), now=now)).embed
    assert e is not None
    value = unescape_markdown(e.fields[0].value or "")
    assert unescape_markdown(e.fields[0].name or "") == "Going (40)" and len(e.fields[0].value or "") <= 1024
    shown = re.findall(r"[A-Z][a-z]+ [A-Z][a-z]+ g\d+", value)
    m = re.search(r", and (\d+) more$", value)
    assert m and shown and len(shown) + int(m[1]) == 40, value[-60:]


def test_lines_that_only_hold_commas_are_never_shortened_as_lists() -> None:
    """A poll's tie and the offline prompt's greeting are text, not lists of people: cut to
    fit, they end in "…", never in an "and N more" that would count options or mentions."""
    options = tuple(f"Option number {i}" for i in range(10))
    poll = Poll(id=1, space="discord:1", platform="discord", channel_id="2", creator="discord:3",
                question="Where?", options=options, multi=False, closes_at=None, closed_at=None)
    tie = outcome(poll, Tally(counts=(1,) * 10, voters=10))
    hey = addressed([UserRef("discord", str(10**17 + i), f"person{i}") for i in range(10)])
    for ln in (tie, hey):
        value = fit_lines([ln], 120)
        assert len(value) <= 120 and value.endswith("…") and "more" not in value, value


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


FIRST = ["Christopher", "Alexandra", "Maximilian", "Jacqueline", "Bartholomew", "Evangeline"]
LAST = ["Johnson", "Whitfield", "Montgomery", "Richardson", "Vandenberg", "Fitzgerald"]


def people(prefix: str, n: int) -> tuple[Attendee, ...]:
    return tuple(Attendee(f"discord:{prefix}{i}", f"{FIRST[i % 6]} {LAST[(i // 6) % 6]} {prefix}{i}"
                          + (" (they/them)" if i % 2 else "")) for i in range(n))


def test_a_big_event_card_keeps_every_marker_and_counts_the_names_left_out() -> None:
    now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    ev = Event(id=42, space="discord:1", platform="discord", channel_id="2", creator="discord:3",
               title="Autumn community picnic and games", starts_at=now + timedelta(minutes=10),
               location="Riverside Park, by the big oak near the north entrance",
               details="Bring a blanket, something to share, and a friend. " * 20,
               capacity=60, state="scheduled", revision=1, ends_at=now + timedelta(hours=3), goal=60)
    roster = Roster(going=people("g", 60), waitlist=people("w", 45), maybe=people("m", 45), no=people("n", 45))
    card = event_card(ev, roster, prefix="/", now=now, page="https://logoff.example.org/e/abcdefghijklmnop",
                      presence=Presence(True, people("g", 50), 50))
    e = render(card).embed
    assert e is not None
    fields = {unescape_markdown(f.name or ""): unescape_markdown(f.value or "") for f in e.fields}
    assert list(fields) == ["Going (60/60)", "Here (50)", "Maybe (45)", "Waitlist (45)", "Not going (45)",
                            "Goal (60/60)"]
    assert fields["Goal (60/60)"].endswith("goal reached")
    totals = {"Going (60/60)": 60, "Here (50)": 50, "Maybe (45)": 45, "Waitlist (45)": 45, "Not going (45)": 45}
    for name, total in totals.items():
        value = fields[name]
        shown = re.findall(r"[A-Z][a-z]+ [A-Z][a-z]+ [gwmn]\d+", value)
        m = re.search(r", and (\d+) more$", value)
        assert m and shown, f"{name}: {value[-60:]}"
        assert int(m[1]) == total - len(shown), f"{name}: {len(shown)} shown, {m[0]}"
    assert "Bring a blanket" in (e.description or "")
    total = (len(e.title or "") + len(e.description or "") + len(e.footer.text or "")
             + sum(len(f.name or "") + len(f.value or "") for f in e.fields))
    assert total <= 6000 and all(len(f.value or "") <= 1024 for f in e.fields)
