"""Injection at the core: mention syntax, HTML, markdown and link tricks in every field a user
controls (titles, places, details, poll questions and options, notes, display names) never
become `Mention` parts and are rendered literally in plain text. The only people a message
may ping are the people the feature means to address (attendees, the promoted person, the
people in the conversation), and those only through `Mention` parts.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.render import escape_markdown
from adapters.matrix.render import escape_html
from bot.bidi import isolate
from bot.model import UserRef
from bot.render import ZWSP, Mention, defuse_mentions
from bot.testing import Sent
from tests.reliability.reliability_kit import MakeBot

HOSTILE = [
    "@everyone", "@here", "@room", "@channel", "<@123>", "<@!123>", "<@&456>", "<#789>",
    "<b>bold</b>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "**bold** __u__ ~~s~~ `code` ||spoiler||", "[click](https://evil.example/x)",
    "<https://evil.example>", "# Heading", "> quote", "&amp; &lt;b&gt;", "@room @everyone <@1>",
    "\u202e@everyone\u202c", "＠everyone", "@\u200beveryone", "<a href='javascript:alert(1)'>x</a>",
    ":emoji: <:custom:123> <t:0:F>", "${jndi:ldap://x} {{7*7}} %s",
]


def mentions_of(sent: Sent) -> set[str]:
    return {u.key for u in sent.out.mentions}


@pytest.mark.parametrize("h", HOSTILE)
async def test_hostile_text_in_every_field_never_pings_and_is_shown_literally(make_bot: MakeBot, h: str) -> None:
    bot, fake = await make_bot()
    # People whose display names are the hostile text too.
    host = UserRef("fake", "host", f"{h} host")
    ann = UserRef("fake", "ann", h)
    ben = UserRef("fake", "ben", f"ben {h}")
    people = {u.key for u in (host, ann, ben)}

    o = h.replace("|", "/")  # "|" separates options
    poll_card = (await fake.invoke(f'!poll create "{h} where?" "{o} A | B {o}"', host))[0]
    assert f"{h} where?" in poll_card.text and f"{o} A" in poll_card.text and f"B {o}" in poll_card.text
    await fake.react(poll_card, "1️⃣", ann)
    results = (await fake.invoke("!poll close 1", host))[0]
    assert f"{o} A" in results.text

    card = (await fake.invoke(f'!event create "{h} title" when="in 3 hours" where="{h} place" '
                              f'details="{h} details" capacity=1', host))[0]
    for field in (f"{h} title", f"{h} place", f"{h} details"):
        assert field in card.text, f"{field!r} not shown literally in:\n{card.text}"
    await fake.react(card, "✅", ann)
    await fake.react(card, "✅", ben)  # waitlisted
    await fake.react(card, "✅", ann, added=False)  # ben is promoted and told
    await fake.react(card, "🤔", ann)
    await fake.invoke(f'!event edit 1 title="{h} new" when="in 4 hours"', host)  # attendees told
    await bot.scheduler.advance(timedelta(hours=3, minutes=30))  # the 1h reminder
    await fake.invoke("!event attendees 1", host)
    ics = (await fake.invoke("!event ics 1", host))[0]

    for who in (ann, ben):
        await fake.say(f"{h} talk", who)
    prompt = (await fake.invoke(f'!offline "{h} note"', host))[0]
    assert f"{h} note" in prompt.text
    await fake.invoke("!event cancel 1", host)
    await fake.invoke(f"!help {h}", host)

    texts = "\n".join(s.text for s in fake.log)
    # A title holding bidi controls is said as an isolate (bot/bidi.py), its text unchanged in it.
    t = isolate(f"{h} new")
    assert f"⏰ Reminder: {t} #1 starts" in texts
    assert f"{t} #1 has a new time" in texts and f"{t} #1 is cancelled" in texts
    for sent in fake.log:
        extra = mentions_of(sent) - people
        assert not extra, f"message {sent.id} mentions {extra}:\n{sent.text}"
        for m in sent.out.mentions:  # a mention is a person, never parsed out of text
            assert m.id in {"host", "ann", "ben"}
    mentioned = set().union(*(mentions_of(s) for s in fake.log))
    assert {ann.key, ben.key} <= mentioned, "the features still address the people they mean to"
    # No Mention part carries user text; every user string sits in a plain str part.
    for sent in fake.log:
        lines = list(getattr(sent.out, "lines", ())) + list(getattr(sent.out, "body", ()))
        for ln in lines:
            for part in ln:
                if isinstance(part, Mention):
                    assert part.user.key in people
    # The calendar file holds one event whatever the title contains.
    from icalendar import Calendar

    cal = Calendar.from_ical(ics.out.data)  # type: ignore[union-attr]
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 1 and str(events[0]["summary"]) == f"{h} new"


@pytest.mark.parametrize("name", ["@everyone", "<@123>", "<@&456>", "@room"])
async def test_hostile_display_names_are_only_ever_the_user_they_belong_to(make_bot: MakeBot,
                                                                          name: str) -> None:
    bot, fake = await make_bot()
    evil = UserRef("fake", "evil", name)
    card = (await fake.invoke('!event create Picnic when="in 2 hours"', "host"))[0]
    await fake.react(card, "✅", evil)
    await bot.scheduler.advance(timedelta(hours=1, minutes=30))
    reminder = fake.last()
    assert "Reminder" in reminder.text and name in reminder.text
    assert [u.key for u in reminder.out.mentions] == ["fake:evil"]
    assert [u.id for u in reminder.out.mentions] == ["evil"]


# --- the escaping helpers adapters use --------------------------------------------------------

MENTION_TOKEN = re.compile(r"@(everyone|here|room|channel)", re.IGNORECASE)
tricky = st.text(alphabet=st.sampled_from(list("@<>&!#:_*~`|[]()\\-everyonhrmcal123 \u200b")), max_size=40)


@settings(max_examples=400, deadline=None, database=None)
@given(s=st.one_of(tricky, st.text(max_size=40), st.sampled_from(HOSTILE)))
def test_defuse_mentions_leaves_no_mention_token_and_stays_readable(s: str) -> None:
    out = defuse_mentions(s)
    assert not MENTION_TOKEN.search(out) and "<@" not in out
    assert out.replace(ZWSP, "") == s.replace(ZWSP, "")


@settings(max_examples=400, deadline=None, database=None)
@given(s=st.one_of(tricky, st.text(max_size=40), st.sampled_from(HOSTILE)))
def test_escape_html_and_markdown_round_trip_literally(s: str) -> None:
    h = escape_html(s)
    assert not set("<>\"'") & set(h.replace("&lt;", "").replace("&gt;", "").replace("&quot;", "")
                                  .replace("&#x27;", ""))
    assert html.unescape(h) == s
    md = escape_markdown(s)
    assert re.sub(r"\\(.)", r"\1", md, flags=re.DOTALL) == s
    assert not re.search(r"(?<!\\)[*_~`|>\[\]]", re.sub(r"\\\\", "", md))
