"""Events on the FakeAdapter: RSVP by reaction, text and button; capacity and waitlist;
edit, cancel, ics, when/where from polls; reconciliation after downtime."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from bot.model import MessageRef, ReactionChanged, UserRef
from bot.testing import FakeAdapter


async def event(fake: FakeAdapter, line: str = '!event create Board games when="2026-12-05 18:30" capacity=2',
                user: str = "alice"):
    [card] = await fake.invoke(line, user)
    assert "📅" in card.text, card.text
    return card


async def test_card_markers_and_seeded_reactions(fake: FakeAdapter) -> None:
    card = await event(fake)
    assert "#1" in card.text and "Going (0/2)" in card.text and "Maybe (0)" in card.text
    assert "Waitlist" not in card.text
    assert card.card.reactions == ("✅", "🤔", "❌")


async def test_rsvp_switching_and_removal(fake: FakeAdapter) -> None:
    card = await event(fake, '!event create Picnic when="2026-12-05 12:00"')
    await fake.react(card, "✅", "bob")
    assert "Going (1)" in card.text and "bob" in card.text
    await fake.react(card, "❌", "bob")
    assert "Going (0)" in card.text and "Not going (1)" in card.text
    await fake.react(card, "❌", "bob", added=False)  # falls back to the still-present ✅
    assert "Going (1)" in card.text
    await fake.react(card, "✅", "bob", added=False)
    assert "Going (0)" in card.text and "Not going" not in card.text and "bob" not in card.text


async def test_waitlist_in_order_and_promotion_is_announced(fake: FakeAdapter) -> None:
    card = await event(fake)
    for name in ("bob", "carol", "dave", "erin"):
        await fake.react(card, "✅", name)
    assert "Going (2/2)" in card.text and "Waitlist (2)" in card.text
    going, waitlist = card.text.split("Waitlist (2)")
    assert "bob" in going and "carol" in going and "dave, erin" in waitlist
    await fake.react(card, "✅", "carol", added=False)
    promoted = fake.containing("a spot opened up")
    assert len(promoted) == 1 and "@dave" in promoted[0].text
    assert [u.id for u in promoted[0].out.mentions] == ["dave"]
    assert "Going (2/2)" in card.text and "Waitlist (1)" in card.text
    # carol coming back queues at the end instead of bumping dave
    await fake.react(card, "✅", "carol")
    assert card.text.split("Waitlist (2)")[1].splitlines()[1].strip() == "erin, carol"


async def test_text_rsvp_and_waitlist_reply(fake: FakeAdapter) -> None:
    await event(fake, '!event create Dinner when="2026-12-05 19:00" capacity=1')
    [a] = await fake.invoke("!rsvp 1 going", "bob")
    assert "going" in a.text and a.ephemeral
    [b] = await fake.invoke("!rsvp 1 going", "carol")
    assert "waitlist" in b.text and "number 1" in b.text
    [c] = await fake.invoke("!rsvp 1 maybe", "bob")
    assert "maybe" in c.text
    assert len(fake.containing("@carol a spot opened up")) == 1
    [bad] = await fake.invoke("!rsvp 1 perhaps", "bob")
    assert bad.text.startswith("⚠️") and "going, maybe, no" in bad.text


async def test_saying_going_again_from_the_waitlist_says_still_waiting_not_going(fake: FakeAdapter) -> None:
    card = await event(fake, '!event create Dinner when="2026-12-05 19:00" capacity=1')
    await fake.invoke("!rsvp 1 going", "bob")
    await fake.invoke("!rsvp 1 going", "carol")
    [again] = await fake.invoke("!rsvp 1 going", "carol")
    assert "going to" not in again.text
    assert "still on the waitlist" in again.text and "number 1" in again.text
    assert "Going (1/1)" in card.text and "Waitlist (1)" in card.text
    [bob_again] = await fake.invoke("!rsvp 1 going", "bob")
    assert "You're going to Dinner #1" in bob_again.text


async def test_buttons_change_the_same_state(fake: FakeAdapter) -> None:
    await fake.invoke("!config set rsvp.buttons on", "mod", mod=True)
    card = await event(fake)
    assert [a.id for a in card.card.actions] == ["rsvp:1:going", "rsvp:1:maybe", "rsvp:1:no"]
    [ack] = await fake.press(card, "rsvp:1:going", "bob")
    assert ack.ephemeral and "going" in ack.text
    assert "Going (1/2)" in card.text


async def test_event_from_polls_closes_them(fake: FakeAdapter) -> None:
    [where] = await fake.invoke('!poll create "Where?" Riverside Park | Blue Cafe')
    [when] = await fake.invoke('!poll create "When?" "2026-12-05 18:30" | "2026-12-06 11:00"')
    await fake.react(where, "2️⃣", "bob")
    await fake.react(when, "1️⃣", "bob")
    card = await event(fake, "!event create Meetup when=poll:2 where=poll:1")
    assert "Blue Cafe" in card.text and "Sat 05 Dec 2026 18:30" in card.text
    assert "(closed)" in where.text and "(closed)" in when.text


async def test_event_from_tied_poll_is_refused_and_nothing_changes(fake: FakeAdapter, bot) -> None:
    [p] = await fake.invoke('!poll create "When?" "2026-12-05 18:30" | "2026-12-06 11:00"')
    await fake.react(p, "1️⃣", "bob")
    await fake.react(p, "2️⃣", "carol")
    [r] = await fake.invoke("!event create Meetup when=poll:1")
    assert r.text.startswith("⚠️") and "tied" in r.text
    # The options as the card shows them (fixed times, with their dates), and a way out.
    assert "Sat 05 Dec 2026 18:30 UTC and Sun 06 Dec 2026 11:00 UTC" in r.text
    assert "a vote can break the tie, or give the time or place itself" in r.text
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM events"))[0] == 0
    assert "(closed)" not in p.text
    await fake.invoke("!poll close 1")
    [r] = await fake.invoke("!event create Meetup when=poll:1")
    assert "closed tied" in r.text and "break the tie" not in r.text and "give the time" in r.text
    [r] = await fake.invoke("!event create Meetup when=poll:9")
    assert "there is no poll #9 here" in r.text and "give the time or place itself" in r.text
    await fake.invoke('!poll create "Where?" Park | Cafe')
    [r] = await fake.invoke("!event create Meetup when=2026-12-05 18:30 where=poll:2")
    assert "no votes yet; vote on it first" in r.text


async def test_edit_and_cancel_permissions_and_notices(fake: FakeAdapter, bot) -> None:
    card = await event(fake)
    await fake.react(card, "✅", "bob")
    [no] = await fake.invoke('!event edit 1 when="2026-12-06 18:30"', "mallory")
    assert no.text.startswith("⚠️")
    [ok] = await fake.invoke('!event edit 1 when="2026-12-06 18:30" where=Blue Cafe', "alice")
    assert ok.text.startswith("✅")
    moved = fake.containing("has a new time")
    assert len(moved) == 1 and [u.id for u in moved[0].out.mentions] == ["bob"]
    # Repeated in full, how far away included, like every reply that moves a time.
    assert "new time: Sun 06 Dec 2026 18:30 UTC (in 13 days 9 hours 30 minutes)" in moved[0].text, moved[0].text
    assert "Sun 06 Dec 2026 18:30" in card.text and "Blue Cafe" in card.text
    [no2] = await fake.invoke("!event cancel 1", "mallory")
    assert no2.text.startswith("⚠️")
    [ok2] = await fake.invoke("!event cancel 1", "mod", mod=True)
    assert ok2.text.startswith("✅")
    assert "(cancelled)" in card.text and len(fake.containing("is cancelled")) == 1
    [late] = await fake.invoke("!rsvp 1 going", "carol")
    assert late.text.startswith("⚠️")


async def test_capacity_raise_promotes(fake: FakeAdapter) -> None:
    card = await event(fake, '!event create Hike when="2026-12-05 09:00" capacity=1')
    await fake.react(card, "✅", "bob")
    await fake.react(card, "✅", "carol")
    await fake.invoke("!event edit 1 capacity=2", "alice")
    assert "Going (2/2)" in card.text and len(fake.containing("@carol a spot opened up")) == 1


async def test_moderators_only_creation(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set events.create moderators", "mod", mod=True)
    [r] = await fake.invoke('!event create X when="2026-12-05 09:00"', "bob")
    assert r.text.startswith("⚠️") and "moderators" in r.text
    assert (await bot.db.fetchone("SELECT COUNT(*) FROM events"))[0] == 0
    await event(fake, '!event create X when="2026-12-05 09:00"', "mod")


async def test_list_show_attendees(fake: FakeAdapter) -> None:
    card = await event(fake)
    await event(fake, '!event create Earlier when="2026-11-30 10:00"')
    await fake.react(card, "🤔", "bob")
    [lst] = await fake.invoke("!event list")
    assert lst.text.index("Earlier") < lst.text.index("Board games")
    [shown] = await fake.invoke("!event show 1")
    assert "Maybe (1)" in shown.text
    await fake.react(shown, "✅", "carol")  # reacting on the re-shown card counts too
    assert "Going (1/2)" in card.text and "Going (1/2)" in shown.text
    [att] = await fake.invoke("!event attendees 1")
    assert "carol" in att.text and "bob" in att.text


async def test_ics_has_zone_location_and_stable_uid(fake: FakeAdapter) -> None:
    await fake.invoke("!config set timezone Europe/Berlin", "mod", mod=True)
    await event(fake, '!event create Board games when="2026-12-05 18:30" where=Blue Cafe')
    [f1] = await fake.invoke("!event ics 1")
    [f2] = await fake.invoke("!event ics 1")
    cal = Calendar.from_ical(f1.out.data)
    [ev] = cal.walk("VEVENT")
    assert str(ev["summary"]) == "Board games" and str(ev["location"]) == "Blue Cafe"
    assert ev.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 5, 17, 30, tzinfo=UTC)
    assert ev["dtstart"].params["TZID"] == "Europe/Berlin" and cal.walk("VTIMEZONE")
    assert str(ev["uid"]) == str(Calendar.from_ical(f2.out.data).walk("VEVENT")[0]["uid"])


async def test_reactions_made_while_offline_count_after_restart(tmp_path, clock) -> None:
    from bot.app import build_bot

    path = str(tmp_path / "r.db")
    bot = await build_bot(path, clock=clock)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    card = await event(fake)
    await fake.react(card, "✅", "bob")
    await fake.react(card, "🤔", "carol")
    await bot.stop()
    # While the bot is down: dave and erin react, bob takes his back.
    await fake.react(card, "✅", "dave", dispatch=False)
    await fake.react(card, "✅", "erin", dispatch=False)
    await fake.react(card, "✅", "bob", added=False, dispatch=False)
    bot2 = await build_bot(path, clock=clock)
    bot2.add_adapter(fake)
    await bot2.start()
    await bot2.cards.idle()
    assert "Going (2/2)" in card.text and "dave" in card.text and "erin" in card.text
    assert "Maybe (1)" in card.text and "bob" not in card.text
    await bot2.stop()


async def test_cards_stop_being_live_a_day_after_the_end(fake: FakeAdapter, bot) -> None:
    from datetime import timedelta

    card = await event(fake, '!event create Picnic when="2026-11-24 12:00"')  # until 14:00
    assert bot.live_messages("fake") == [card.ref]
    await bot.scheduler.advance(timedelta(days=2, hours=4, minutes=59))  # 13:59 the day after
    assert bot.live_messages("fake") == [card.ref]
    await bot.scheduler.advance(timedelta(minutes=1))
    assert bot.live_messages("fake") == []
    await fake.react(card, "✅", "bob")
    assert "Going (0)" in card.text


async def test_big_event_card_shows_true_counts_and_the_first_names_in_order(fake: FakeAdapter, bot) -> None:
    """Cards read counts and the first names only (cheap during a storm); what they show
    must equal the full roster, cut with "and N more"."""
    from cogs.events import repo
    from cogs.events.render import CARD_NAMES

    [card] = await fake.invoke('!event create Fair when="in 72 hours" capacity=45', "host")
    for i in range(60):
        await fake.react(card, "✅", f"g{i:02d}")
    for i in range(50):
        await fake.react(card, "🤔", f"m{i:02d}")
    await fake.react(card, "❌", "n00")
    assert "Going (45/45)" in card.text and "Waitlist (15)" in card.text
    assert "Maybe (50)" in card.text and "Not going (1)" in card.text
    assert f"and {45 - CARD_NAMES + 1} more" in card.text and f"and {50 - CARD_NAMES + 1} more" in card.text
    event = await bot.db.read(lambda c: repo.get(c, 1))
    full = await bot.db.read(lambda c: repo.roster(c, event))
    cut = await bot.db.read(lambda c: repo.card_roster(c, event, CARD_NAMES))
    assert cut.counts() == (45, 15, 50, 1) == full.counts()
    assert cut.going == full.going[:CARD_NAMES] and cut.waitlist == full.waitlist
    assert cut.maybe == full.maybe[:CARD_NAMES] and cut.no == full.no


async def test_a_deleted_card_is_neither_counted_nor_edited(fake: FakeAdapter, bot) -> None:
    card = await event(fake, '!event create Picnic when="2026-12-05 12:00"')
    await fake.react(card, "✅", "bob")
    edits = card.edits
    ref = card.ref
    await fake.delete(card)
    assert bot.live_messages("fake") == []
    await bot.reaction_changed(ReactionChanged(ref, fake.user("carol"), "✅", True))
    await bot.cards.idle()
    [listed] = await fake.invoke("!event attendees 1")
    assert "bob" in listed.text and "carol" not in listed.text
    await fake.invoke("!rsvp 1 maybe", "dave")  # changes the event, edits no deleted card
    assert card.edits == edits and card.edits_after_delete == 0
    [shown] = await fake.invoke("!event show 1")
    assert "Maybe (1)" in shown.text and shown.ref != ref


async def test_a_reaction_naming_the_card_from_another_channel_is_not_about_it(fake: FakeAdapter) -> None:
    card = await event(fake, '!event create Picnic when="2026-12-05 12:00"')
    forged = MessageRef(card.ref.platform, "elsewhere", card.ref.id, card.ref.space_id)
    other_space = MessageRef(card.ref.platform, card.ref.channel_id, card.ref.id, "another")
    await fake.react(forged, "✅", "bob")
    await fake.react(other_space, "✅", "carol")
    assert "Going (0)" in card.text
    await fake.react(card, "✅", "dave")
    assert "Going (1)" in card.text and "dave" in card.text


async def test_a_reaction_while_its_card_is_being_tracked_counts(fake: FakeAdapter, bot) -> None:
    """A reaction can arrive as soon as the card exists, before its tracking is committed."""
    import asyncio

    [card] = await fake.invoke('!event create Picnic when="2026-11-26 18:00"')
    another = await fake.send(fake.channel, card.out)  # as `event show` posts a second card
    tracking = asyncio.create_task(bot.track(another, "events", "event", 1))
    await asyncio.sleep(0)  # routed in memory; its commit is still queued
    assert not tracking.done()
    await bot.reaction_changed(ReactionChanged(another, fake.user("bob"), "✅", True))
    await tracking
    await bot.settle()
    assert "Going (1)" in fake.messages[card.id].text


async def test_a_nul_character_in_a_name_or_id_does_not_lose_the_rsvp(fake: FakeAdapter, bot) -> None:
    """A platform may send U+0000 in a display name; PostgreSQL's text cannot hold it, and the
    refused statement would take the RSVP with it."""
    card = await event(fake, '!event create Picnic when="2026-12-05 12:00"')
    odd_name = UserRef(fake.platform, "bob", "B\x00ob")
    odd_id = UserRef(fake.platform, "c\x00at", "Cat")
    await bot.reaction_changed(ReactionChanged(card.ref, odd_name, "✅", True))
    await bot.reaction_changed(ReactionChanged(card.ref, odd_id, "✅", True))
    await bot.settle()
    assert "Going (2)" in fake.messages[card.id].text and "Cat" in fake.messages[card.id].text
    await bot.reaction_changed(ReactionChanged(card.ref, odd_id, "✅", False))  # found again by its id
    await bot.settle()
    assert "Going (1)" in fake.messages[card.id].text and "Cat" not in fake.messages[card.id].text


async def test_a_whole_number_too_long_says_the_bound_not_that_it_is_no_number(fake: FakeAdapter) -> None:
    [big] = await fake.invoke('!event create X when="2026-12-05 19:00" capacity=2147483648')
    assert big.text.startswith("⚠️") and "at most 10000" in big.text and "whole number" not in big.text
    [huge_id] = await fake.invoke("!event show 9223372036854775807")
    assert huge_id.text.startswith("⚠️") and "at most" in huge_id.text and "whole number" not in huge_id.text
    [word] = await fake.invoke('!event create X when="2026-12-05 19:00" capacity=lots')
    assert "whole number" in word.text
