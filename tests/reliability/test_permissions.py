"""Permissions: every command x {member, creator, moderator}. Only the allowed invocations
answer without ⚠️, the ones that write change state, and a refusal writes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.app import Bot
from bot.testing import FakeAdapter
from bot.web import WebConfig
from tests.reliability.reliability_kit import COMMANDS, MakeBot, changed_tables, snapshot

ROLES = ("member", "creator", "moderator")
USER = {"member": ("bob", False), "creator": ("alice", False), "moderator": ("mod", True)}
ALL, OWNERS, MODS = set(ROLES), {"creator", "moderator"}, {"moderator"}


@dataclass(frozen=True)
class Case:
    line: str
    allowed: set[str]
    writes: bool  # an allowed invocation changes the database
    # (line, user, moderator) said first: what the command needs to be allowed at all
    before: tuple[tuple[str, str, bool], ...] = ()
    # allowed, it may still be refused for another reason than who asks (nothing to unlink)
    other_refusal: bool = False


# Check-in needs an event whose check-in is open (event #2, starting soon) and a name on its list.
OPEN_EVENT = (('!event create Soon when="in 20 minutes"', "alice", False), ("!rsvp 2 going", "carol", False))


TABLE: dict[str, Case] = {
    "calendar": Case("!calendar reset", MODS, True),  # bare `!calendar` is anyone's: test_web
    # checking oneself in is anyone's (tests/unit/test_turnout.py); by name, the owners'
    "checkin": Case("!checkin 2 carol", OWNERS, True, OPEN_EVENT),
    "config reset": Case("!config reset reminders", MODS, True),
    "config set": Case("!config set reminders 2h,30m", MODS, True),
    "config show": Case("!config show", MODS, False),
    "event attendees": Case("!event attendees 1", ALL, False),
    "event cancel": Case("!event cancel 1", OWNERS, True),
    "event create": Case('!event create Party when="in 48 hours"', ALL, True),
    "event edit": Case("!event edit 1 title=Renamed", OWNERS, True),
    "event export": Case("!event export 1", OWNERS, False),
    "event ics": Case("!event ics 1", ALL, False),
    "event list": Case("!event list", ALL, False),
    "event show": Case("!event show 1", ALL, True),  # tracks the new card for reactions
    "help": Case("!help poll create", ALL, False),
    "link": Case("!link", MODS, True),  # a code (linking itself: tests/unit/test_linked_spaces.py)
    "unlink": Case("!unlink", MODS, False, other_refusal=True),  # not linked: a ⚠️ that says how to link
    "notify": Case("!notify dm", ALL, True),  # its table is its own (notify_prefs)
    "offline": Case("!offline coffee?", ALL, True),
    "poll close": Case("!poll close 1", OWNERS, True),
    "poll create": Case("!poll create Q A | B", ALL, True),
    "poll results": Case("!poll results 1", ALL, False),
    "poll vote": Case("!poll vote 1 1", ALL, True),
    "rsvp": Case("!rsvp 1 going", ALL, True),
    "stats": Case("!stats", ALL, False),
}


def test_the_table_covers_every_command() -> None:
    assert sorted(TABLE) == sorted(COMMANDS), "classify the new command's permissions here"


async def setup_space(make_bot: MakeBot) -> tuple[Bot, FakeAdapter]:
    bot, fake = await make_bot(rate_limit=True)
    # The web part configured, not serving: the commands that hand out its addresses work.
    bot.web.config = WebConfig("127.0.0.1", 0, "https://logoff.example")
    for line, (who, mod) in (("!config set reminders 24h,2h", USER["moderator"]),
                             ("!poll create Where? Park | Cafe", USER["creator"]),
                             ('!event create Picnic when="in 72 hours"', USER["creator"])):
        assert not (await fake.invoke(line, who, mod=mod))[0].text.startswith("⚠️"), line
    return bot, fake


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(TABLE))
async def test_permission_table(make_bot: MakeBot, name: str, role: str) -> None:
    case = TABLE[name]
    bot, fake = await setup_space(make_bot)
    for line, user, is_mod in case.before:
        assert not (await fake.invoke(line, user, mod=is_mod))[0].text.startswith("⚠️"), line
    who, mod = USER[role]
    before = await snapshot(bot)
    replies = await fake.invoke(case.line, who, mod=mod)
    changed = changed_tables(before, await snapshot(bot))
    assert replies, "every command answers"
    refused = replies[0].text.startswith("⚠️")
    if role in case.allowed and case.other_refusal:
        assert refused, replies[0].text
        assert "moderator" not in replies[0].text and "creator" not in replies[0].text, replies[0].text
        assert bool(changed) == case.writes, f"{case.line} by {role} changed {changed}"
    elif role in case.allowed:
        assert not refused, f"{role} should be allowed {case.line}: {replies[0].text}"
        assert bool(changed) == case.writes, f"{case.line} by {role} changed {changed}"
    else:
        assert refused and len(replies) == 1, f"{role} should be refused {case.line}: {replies[0].text}"
        assert "moderator" in replies[0].text or "creator" in replies[0].text
        assert not changed, f"a refused {case.line} changed {changed}"


@pytest.mark.parametrize("role", ROLES)
async def test_events_create_moderators_restricts_event_create(make_bot: MakeBot, role: str) -> None:
    bot, fake = await setup_space(make_bot)
    r = await fake.invoke("!config set events.create moderators", "mod", mod=True)
    assert r[0].text.startswith("✅"), r[0].text
    who, mod = USER[role]
    before = await snapshot(bot)
    replies = await fake.invoke('!event create Party when="in 48 hours"', who, mod=mod)
    changed = changed_tables(before, await snapshot(bot))
    if role == "moderator":
        assert replies[0].text.startswith("📅") and "events" in changed
    else:
        assert replies[0].text.startswith("⚠️") and "moderators" in replies[0].text
        assert not changed
    # Everything else stays open to everyone.
    assert not (await fake.invoke("!rsvp 1 going", who, mod=mod))[0].text.startswith("⚠️")
