"""PRODUCT.md read as an acceptance tester with only the console: what each of its sections
("Commands", "Reactions", "Capacity and waitlist", "Reminders", "Take it offline", "Settings",
"Message markers", "Console", "Times") promises, typed line by line into `logoff try`'s
console and read back from what it prints. The clock starts on Mon 23 Nov 2026 09:00 UTC."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.app import build_bot
from bot.clock import ManualClock
from tests.unit.console_kit import typed

pytestmark = pytest.mark.unit  # in-process and quick, though it lives beside the contract suites

# `Sat 12 Dec 2026 18:30 CET`: weekday, date, time and the zone's abbreviation
TIME = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2} [A-Z]{3,5}"


@pytest.fixture
async def console(tmp_path: Path, clock: ManualClock) -> AsyncIterator[ConsoleAdapter]:
    bot = await build_bot(str(tmp_path / "c.db"), clock=clock, rate_limit=False)
    adapter = ConsoleAdapter(out=io.StringIO(), files=tmp_path / "files")
    bot.add_adapter(adapter)
    await bot.start()
    try:
        yield adapter
    finally:
        await bot.stop()


def bot_lines(shown: str) -> list[str]:
    """The first line of each bot message printed (`[m3] logoff: …`, edits included)."""
    return re.findall(r"^\[m\d+\] logoff.*$", shown, re.MULTILINE)


def latest(shown: str, message: str) -> str:
    """The last printing of bot message `message` (m3), with its indented lines."""
    found: list[str] = re.findall(rf"^\[{message}\] logoff[^\n]*(?:\n {{6}}[^\n]*)*", shown, re.MULTILINE)
    assert found, shown
    return found[-1]


# -- Commands ---------------------------------------------------------------------------------

TABLE = ("poll create", "poll close", "poll results", "poll vote", "event create", "event list", "event show",
         "event attendees", "event edit", "event cancel", "event ics", "rsvp", "offline", "config show",
         "config set", "config reset", "help", "checkin", "event export", "stats", "calendar", "notify", "link", "unlink")


async def test_help_lists_every_command_of_the_table_and_help_of_one_its_options(console: ConsoleAdapter) -> None:
    shown = await typed(console, "!help")
    for name in TABLE:
        assert re.search(rf"^ +!{name}\b", shown, re.MULTILINE), (name, shown)
    for option in ("when=", "where=", "capacity=", "details=", "duration=", "repeat=", "goal="):
        assert option in shown, (option, shown)
    one = await typed(console, "!help poll create")
    assert "!poll create <question> <options…>" in one and "multi" in one and "closes" in one and "!event" not in one, one
    # the console takes commands after `/` as after `!`, and so does help of one
    assert await typed(console, "/help /rsvp") == (await typed(console, "!help !rsvp")).replace("[m4]", "[m3]")
    refused = await typed(console, "!help frobnicate")
    assert bot_lines(refused)[0].startswith("[m5] logoff: ⚠️") and "!help" in refused, refused


async def test_shell_quoting_named_values_anywhere_and_the_rest_of_the_line(console: ConsoleAdapter) -> None:
    shown = await typed(console, '!event create when="2026-12-05 18:30" Board games capacity=8 '
                                 r'where="Blue Cafe, \"north\" gate"')
    card = latest(shown, "m1")
    assert "📅 Board games #1" in card and '📍 Blue Cafe, "north" gate' in card and "Going (0/8)" in card, card
    # a word quoted as a whole is text, '=' and all, not an option with a misspelt name
    shown = await typed(console, '!event create "e=mc2 night" when="tomorrow 7pm"')
    assert "📅 e=mc2 night #2" in shown, shown
    shown = await typed(console, '!poll create "x=y?" "a=1" | "b=2"')
    assert "📊 x=y? #1" in shown and "1️⃣ a=1 — 0" in shown and "2️⃣ b=2 — 0" in shown, shown
    # after a value that runs on it is part of that value (quotes grouping); quoted whole, name= is the option
    card = await typed(console, '!event create Quiz when=tomorrow 7pm where=Lab "e=mc2"', '!event create '
                       'Party "when=tomorrow 7pm" "where=the wild things are"')
    assert "📅 Quiz #3" in card and "📍 Lab e=mc2" in card and "📍 the wild things are" in card, card
    # unquoted, a misspelt option is still caught
    refused = await typed(console, '!event create Picnic when="tomorrow 7pm" capcity=3')
    assert "⚠️" in refused and "'capcity' is not an option" in refused, refused
    # the last "rest" option takes the rest of the line
    shown = await typed(console, "!offline let us talk it through over tea")
    assert "let us talk it through over tea" in shown, shown


# -- Settings ---------------------------------------------------------------------------------

GOOD = {"timezone": ("Europe/Berlin", "Europe/Berlin"), "reminders": ("2h,30m", "2h,30m"), "reminders.grace": ("2h", "2h"),
        "events.create": ("Moderators", "moderators"), "offline.auto": ("on", "on"), "offline.cooldown": ("1h", "1h"),
        "offline.sensitivity": ("HIGH", "high"), "series.ahead": ("7d", "7d"), "checkin.window": ("1h", "1h"),
        "events.followup": ("off", "off"), "web.names": ("on", "on")}
BAD = {"timezone": "EST", "reminders": "30s", "reminders.grace": "soon", "events.create": "all",
       "offline.auto": "sometimes", "offline.sensitivity": "extreme", "offline.cooldown": "never",
       "series.ahead": "0", "checkin.window": "-1h", "events.followup": "1", "web.names": "maybe"}
ELSEWHERE = ("rsvp.buttons", "events.discord", "polls.native", "events.thread", "events.role")


async def test_every_setting_is_set_shown_reset_and_refused_as_the_table_says(console: ConsoleAdapter) -> None:
    await typed(console, ":as mod mod")
    before = await typed(console, "!config show")
    for key, (value, _) in GOOD.items():
        assert f"{key} = " in before and "(default)" in before, (key, before)
        refused = await typed(console, f"!config set {key} {BAD[key]}")
        assert bot_lines(refused)[0].split(": ", 1)[1].startswith("⚠️"), refused
        set_to = await typed(console, f"!config set {key} {value}")
        assert "⚠️" not in set_to, set_to
    # a refusal wrote nothing; each value is shown as the table writes it
    shown = await typed(console, "!config show")
    for key, (_, stored) in GOOD.items():
        assert re.search(rf"^ +{re.escape(key)} = {re.escape(stored)}$", shown, re.MULTILINE), (key, shown)
    for key in ELSEWHERE:  # settings of the platforms with buttons, events tabs, threads, roles
        refused = await typed(console, f"!config set {key} on")
        assert bot_lines(refused)[0].split(": ", 1)[1].startswith("⚠️"), refused
    assert await typed(console, "!config show") != shown  # a new message id, the same settings
    assert (await typed(console, "!config show")).split(": ", 1)[1] == shown.split(": ", 1)[1]
    reset = await typed(console, "!config reset reminders", "!config reset timezone", "!config show")
    assert "reminders = 24h,1h (default)" in reset and "timezone = UTC (default)" in reset, reset
    refused = await typed(console, ":as bob", "!config set reminders 1h", "!config show")  # moderators only
    assert all("⚠️" in ln for ln in bot_lines(refused)), refused


# -- Reactions, Capacity and waitlist ---------------------------------------------------------

async def test_rsvp_reactions_fall_back_and_a_full_event_waits_then_promotes(console: ConsoleAdapter) -> None:
    shown = await typed(console, ":as alice", '!event create Board games when="saturday 6pm" capacity=1')
    assert "reactions: ✅ 🤔 ❌" in latest(shown, "m1"), shown  # the bot seeds its own three
    # the most recent RSVP reaction still present counts; taking it back falls back to the one before
    card = latest(await typed(console, ":react m1 ✅", ":react m1 🤔"), "m1")
    assert "Going (0/1)" in card and "Maybe (1)\n        alice" in card, card
    card = latest(await typed(console, ":unreact m1 🤔"), "m1")
    assert "Going (1/1)\n        alice" in card and "Maybe (0)" in card and "Waitlist" not in card, card
    # later ones wait in order, and are told
    shown = await typed(console, ":as bob", ":react m1 ✅", ":as carol", "!rsvp 1 going")
    assert "Waitlist (2)\n        bob, carol" in latest(shown, "m1"), shown
    assert re.search(r"@bob .*#1 is full: you're number 1 on the waitlist", shown), shown
    # someone in leaves: the first waiting is promoted and told, by a mention in the channel
    shown = await typed(console, ":as alice", ":unreact m1 ✅")
    card = latest(shown, "m1")
    assert "Going (1/1)\n        bob" in card and "Waitlist (1)\n        carol" in card, card
    assert re.search(r"^\[m\d+\] logoff: .*@bob .*you're in for Board games #1", shown, re.MULTILINE), shown
    assert "@carol" not in shown.split("Waitlist (1)", 1)[1], shown
    # no RSVP left: alice is on no list; ❌ is "not going", and taking it back is no answer
    card = latest(await typed(console, ":react m1 ❌"), "m1")
    assert "Not going (1)\n        alice" in card, card
    card = latest(await typed(console, ":unreact m1 ❌"), "m1")
    assert "alice" not in card and "Waitlist (1)" in card, card


async def test_poll_reactions_single_keeps_the_latest_and_multi_keeps_all(console: ConsoleAdapter) -> None:
    shown = await typed(console, '!poll create "Where should we meet?" Riverside Park | Blue Cafe | Library closes=2h')
    card = latest(shown, "m1")
    assert "reactions: 1️⃣ 2️⃣ 3️⃣" in card and "1️⃣ Riverside Park — 0" in card, card
    card = latest(await typed(console, ":react m1 1", ":react m1 3"), "m1")
    assert "1️⃣ Riverside Park — 0" in card and "3️⃣ Library — 1" in card, card
    card = latest(await typed(console, "!poll vote 1 2"), "m1")
    assert "2️⃣ Blue Cafe — 1" in card and "3️⃣ Library — 0" in card, card
    shown = await typed(console, '!poll create Snacks? Chips | Fruit | Cake multi=yes')
    card = latest(await typed(console, ":react last 1", ":react last 3", ":as bob", ":react m3 3"), "m3")
    assert "1️⃣ Chips — 1" in card and "3️⃣ Cake — 2" in card, card
    ten = await typed(console, "!poll create Pick 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10")
    assert "reactions: 1️⃣ 2️⃣ 3️⃣ 4️⃣ 5️⃣ 6️⃣ 7️⃣ 8️⃣ 9️⃣ 🔟" in ten, ten
    # closing at its time posts the results, once
    shown = await typed(console, ":wait 3h")
    assert shown.count("Results of poll #1: Where should we meet? (closed)") == 1, shown
    assert "Blue Cafe with 1 vote" in shown, shown


# -- Reminders --------------------------------------------------------------------------------

async def test_reminders_fall_due_during_a_wait_at_each_offset_once_mentioning_those_going(console: ConsoleAdapter) -> None:
    await typed(console, ":as mod mod", "!config set reminders 2h,30m",
                '!event create Board games when="in 3 hours" capacity=1', ":react m2 ✅",
                ":as bob", ":react m2 ✅", ":as carol", ":react m2 🤔")
    shown = await typed(console, ":wait 1h30m")
    reminders = re.findall(r"^\[m\d+\] logoff: (.*)\n +(.*)$", shown, re.MULTILINE)
    assert len(reminders) == 1, shown
    said, pinged = reminders[0]
    assert "Board games" in said and "starts" in said and "in 2 hours" in said, said
    assert re.search(TIME, said) and "late" not in said, said
    assert "@mod" in pinged and "@bob" not in pinged and "@carol" not in pinged, pinged  # the going only
    # the wait ends after the reminder was printed, the reminder on time
    assert shown.index("Reminder") < shown.index("* it is now Mon 23 Nov 2026 10:30 UTC"), shown
    shown = await typed(console, ":wait 1h", ":wait 1h")
    assert shown.count("Reminder") == 1 and "starts in 30 minutes" in shown, shown
    # moving the event moves its reminders; `off` posts none
    await typed(console, '!event create Picnic when="in 5 hours"', "!event edit 2 when=\"in 10 hours\"")
    shown = await typed(console, ":wait 7h")
    assert "Picnic" not in "".join(re.findall(r"Reminder.*", shown)), shown
    shown = await typed(console, ":wait 1h")
    assert re.search(r"Reminder: Picnic #2 starts in 2 hours", shown), shown
    await typed(console, ":as mod mod", "!config set reminders off", '!event create Quiz when="in 3 hours"')
    assert "Reminder" not in await typed(console, ":wait 3h")


# -- Times ------------------------------------------------------------------------------------

ACCEPTED = {  # read in the space's zone (Europe/Berlin) unless the text names another
    "7pm UTC": "Mon 23 Nov 2026 20:00 CET", "18:00 CET": "Mon 23 Nov 2026 18:00 CET",
    "6pm Europe/Berlin": "Mon 23 Nov 2026 18:00 CET", "2026-12-24T18:00+01:00": "Thu 24 Dec 2026 18:00 CET",
    "dec 24 6pm": "Thu 24 Dec 2026 18:00 CET", "2026-12-24 18:00": "Thu 24 Dec 2026 18:00 CET",
    "24 december 18:00": "Thu 24 Dec 2026 18:00 CET", "saturday 10am": "Sat 28 Nov 2026 10:00 CET",
    "next friday 18:30": "Fri 27 Nov 2026 18:30 CET", "today 9pm": "Mon 23 Nov 2026 21:00 CET",
    "tomorrow 7pm": "Tue 24 Nov 2026 19:00 CET", "in 2 hours": "Mon 23 Nov 2026 12:00 CET",
    "in 3 days at 6pm": "Thu 26 Nov 2026 18:00 CET", "noon": "Mon 23 Nov 2026 12:00 CET",
    "17:00": "Mon 23 Nov 2026 17:00 CET", "at 17": "Mon 23 Nov 2026 17:00 CET",
}
REFUSED = {  # what was understood, and what to add
    "friday": ("which time on Fri 27 Nov?", "friday 7pm"), "at 5": ("5am", "5pm"),
    "2026-11-20 18:00": ("Fri 20 Nov 2026 18:00 CET", "in the past"),
    "7pm IST": ("several", "Asia/Kolkata"), "03/04 18:00": ("3 April", "4 March"),
}


async def test_the_times_of_the_contract_are_read_or_refused_and_shown_in_full(console: ConsoleAdapter) -> None:
    await typed(console, ":as mod mod", "!config set timezone Europe/Berlin")
    for n, (said, meant) in enumerate(ACCEPTED.items(), start=1):
        card = await typed(console, f'!event create Meetup {n} when="{said}"')
        assert re.search(rf"🕒 {meant} \(in \d+ (days?|hours?|minutes?)\b", card), (said, card)
    for said, needles in REFUSED.items():
        refused = await typed(console, f'!event create Never when="{said}"')
        assert bot_lines(refused)[0].split(": ", 1)[1].startswith("⚠️"), refused
        assert all(needle in refused for needle in needles), (said, refused)
    listed = await typed(console, "!event list")
    assert "Never" not in listed and f"Upcoming events ({len(ACCEPTED)})" in listed, listed
    # a reply that moves a time repeats it in full, with how far away
    moved = await typed(console, '!event edit 1 when="tomorrow 8pm"')
    assert re.search(r"Tue 24 Nov 2026 20:00 CET \(in 34 hours\)", moved), moved
    # a poll option that reads as a time is fixed to that time, with its date
    poll = await typed(console, '!poll create When? "tomorrow 7pm" | "saturday 10am" | later')
    assert "1️⃣ Tue 24 Nov 2026 19:00 CET — 0" in poll and "2️⃣ Sat 28 Nov 2026 10:00 CET — 0" in poll, poll
    assert "3️⃣ later — 0" in poll, poll


# -- Message markers --------------------------------------------------------------------------

HOSTILE = "@everyone <b>Board</b> <script>x</script> @room"


async def test_cards_carry_their_markers_and_user_text_stays_text(console: ConsoleAdapter) -> None:
    shown = await typed(console, f'!event create "{HOSTILE}" when="in 3 hours" capacity=3 goal=2 repeat=weekly')
    card = latest(shown, "m1")
    assert f"📅 {HOSTILE} #1" in card and "Going (0/3)" in card and "Maybe (0)" in card, card
    assert "Repeats weekly on monday" in card and "Goal (0/2)" in card and "Waitlist" not in card, card
    assert re.search(rf"🕒 {TIME} \(in 3 hours\)", card), card
    card = latest(await typed(console, ":react m1 ✅", ":as bob", ":react m1 ✅"), "m1")
    assert "Going (2/3)\n        you, bob" in card and "Goal (2/2)" in card, card
    # check-in opens its window before the start: the card counts who is here
    card = latest(await typed(console, ":wait 2h31m"), "m1")
    assert "Here (0)" in card and "📍" in card, card
    card = latest(await typed(console, ":react m1 📍"), "m1")
    assert "Here (1)\n        bob" in card, card
    reminder = await typed(console, ":as mod mod", "!config set reminders 10m", ":wait 20m")
    assert f"{HOSTILE} #1 starts" in reminder, reminder
    # a poll's question and options are text too, each shown with its count as a number
    poll = await typed(console, f'!poll create "{HOSTILE}" "@room" | "<b>x</b>"')
    assert f"📊 {HOSTILE} #1" in poll and "1️⃣ @room — 0" in poll and "2️⃣ <b>x</b> — 0" in poll, poll


# -- Take it offline --------------------------------------------------------------------------

async def test_offline_addresses_the_recent_exchange_and_offers_a_poll_of_times(console: ConsoleAdapter) -> None:
    prompt = await typed(console, ":as alice", "tabs are better", ":as bob", "no, spaces are",
                         ":as carol", "!offline <b>coffee?</b> @everyone")
    said = latest(prompt, "m3")
    assert "@alice" in said and "@bob" in said and "<b>coffee?</b> @everyone" in said, said
    assert "📅" in said and "🔕" in said, said
    poll = await typed(console, ":react m3 📅")
    options = re.findall(rf"^ +\d️⃣ ({TIME}) — 0", poll, re.MULTILINE)
    assert len(options) >= 2 and "when=poll:" in poll, poll
    # not now: a second prompt waved off says so on its own card
    waved = await typed(console, "!offline", ":react last 🔕")
    assert "(edited)" in waved and "carol" in latest(waved, "m5"), waved


# -- Console ----------------------------------------------------------------------------------

async def test_console_ids_last_and_edits_under_the_same_id(console: ConsoleAdapter) -> None:
    shown = await typed(console, "hello", '!event create Picnic when="tomorrow 7pm"', "see you there")
    assert re.findall(r"^\[(\w\d+)\] (\w+)", shown, re.MULTILINE) == [("u1", "you"), ("m2", "logoff"),
                                                                      ("u3", "you")], shown
    # `last` is the latest bot message, not the latest line
    edited = await typed(console, ":react last ✅")
    assert edited.startswith("[m2] logoff (edited): 📅 Picnic #1") and "Going (1)" in edited, edited
    assert await typed(console, "/event show 1") == (await typed(console, "!event show 1")).replace("[m5]", "[m4]")
    # a console mistake is said, and changes nothing
    for line in (":react m99 ✅", ":react m2 bogus", ":wait soon", ":unreact m2"):
        said = await typed(console, line)
        assert said.startswith("* ⚠️"), (line, said)
    # any other text is chat, a colon first or not (":D", ":frobnicate")
    assert re.match(r"\[u\d+\] you: :frobnicate$", await typed(console, ":frobnicate"))
    # a chat line has an id too, but it is not a message one reacts to here: said as it is
    said = await typed(console, ":react u1 ✅")
    assert said.startswith("* ⚠️ u1 is a chat line") and "m3, or last" in said, said
    assert not await typed(console, ":quit") and await console.handle_line(":quit") is False
