"""Native surfaces of the Discord adapter (issue 19): the Events tab, threads under a card,
roles for those going. The adapter's own methods, through the real discord.py client,
against the fake Discord with its permissions, limits and gateway events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.discord import listings as lst
from adapters.discord import surfaces as srf
from bot.adapter import DeliveryRefused, DestinationGone
from bot.app import Bot
from bot.model import ChannelRef, MessageRef, SpaceRef, UserRef
from bot.render import text
from bot.surfaces import Listing, Listings, Roles, Threads
from tests.discord_fake import CREATE_PUBLIC_THREADS, MANAGE_EVENTS, MANAGE_ROLES, message_text
from tests.discord_fake.harness import Harness, World, delivered

Calls = list[tuple[SpaceRef, str, int | None]]


def space(world: World) -> SpaceRef:
    return SpaceRef("discord", str(world.guild))


def listing(n: int = 1, title: str = "Picnic", *, start: datetime | None = None, hours: float = 2,
            place: str = "Riverside Park", details: str = "", card: MessageRef | None = None) -> Listing:
    start = start or datetime.now(UTC) + timedelta(days=1)
    marker = f"logoff event #{n}"
    return Listing(marker=marker, title=title, start=start, end=start + timedelta(hours=hours), place=place,
                   description=f"{marker}: RSVP on the card, or /rsvp {n} going{details}", card=card)


def listed(world: World) -> list[dict]:
    return world.fake.scheduled.of_guild(world.guild)


def requests_to(world: World, method: str | None, fragment: str) -> int:
    return sum(1 for m, path, _ in world.fake.requests if method in (None, m) and fragment in path)


def watch(bot: Bot) -> Calls:
    calls: Calls = []

    async def handler(where: SpaceRef, native_id: str, count: int | None) -> None:
        calls.append((where, native_id, count))

    bot.on_listing_interest(handler)
    return calls


async def help_still_answers(world: World) -> None:
    shown = await world.fake.send_interaction("help", user=world.users["bob"], channel=world.channel)
    assert "config" in shown.text


# --- the Events tab --------------------------------------------------------------------------------

async def test_adapter_offers_the_surfaces_and_its_setting(harness: Harness, world: World) -> None:
    bot, adapter = await harness.start()
    assert isinstance(adapter, Listings) and isinstance(adapter, Threads) and isinstance(adapter, Roles)
    assert bot.listings("discord") is adapter and bot.threads("discord") is adapter and bot.roles("discord") is adapter
    caps = adapter.capabilities
    assert caps.listings and caps.threads and caps.roles
    assert await bot.settings.get(space(world), "events.discord") is True
    shown = await world.fake.send_interaction("config show", user=world.users["mod"], channel=world.channel)
    assert "events.discord = on (default)" in shown.text


async def test_listing_created_edited_and_dropped(harness: Harness, world: World) -> None:
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start()
    calls = watch(bot)
    card = MessageRef("discord", str(world.channel), "123", str(world.guild))
    first = listing(1, place="", details="\nBring snacks", card=card)
    eid = await adapter.put_listing(space(world), first, None)
    assert eid is not None
    [ev] = listed(world)
    assert ev["id"] == eid and ev["name"] == "Picnic" and ev["entity_type"] == 3 and ev["privacy_level"] == 2
    assert ev["channel_id"] is None and ev["creator_id"] == str(fake.bot_id) and ev["status"] == 1
    assert ev["entity_metadata"] == {"location": lst.NO_PLACE}, "EXTERNAL needs a location: a placeholder"
    assert ev["description"].split("\n") == [
        "logoff event #1: RSVP on the card, or /rsvp 1 going",
        f"Card: https://discord.com/channels/{world.guild}/{world.channel}/123", "Bring snacks"]
    assert datetime.fromisoformat(ev["scheduled_start_time"]) == first.start

    fake.scheduled.mark_interested(int(eid), world.users["alice"])
    await fake.wait_for(lambda: calls == [(space(world), eid, 1)], what="alice counted")
    later = listing(1, "Picnic (moved)", start=first.start + timedelta(hours=3), place="Blue Cafe",
                    details="\n" + "x" * 2000)
    assert await adapter.put_listing(space(world), later, eid) == eid, "PATCH keeps the id"
    [ev] = listed(world)
    assert ev["name"] == "Picnic (moved)" and ev["entity_metadata"]["location"] == "Blue Cafe"
    assert len(ev["description"]) == 1000 and ev["description"].startswith("logoff event #1:")
    assert datetime.fromisoformat(ev["scheduled_start_time"]) == later.start
    assert fake.scheduled.interested[int(eid)] == [world.users["alice"]], "Interested people stay"
    assert await adapter.listing_interest(space(world), eid) == 1
    assert requests_to(world, "POST", "/scheduled-events") == 1

    await adapter.drop_listing(space(world), eid)
    assert listed(world) == []
    await adapter.drop_listing(space(world), eid)  # gone already is fine
    assert await adapter.listing_interest(space(world), eid) is None
    await fake.quiet(0.1)
    assert calls == [(space(world), eid, 1)], "logoff's own drop is not news for the core"


async def test_adopted_after_a_crash_and_across_restarts(harness: Harness, world: World) -> None:
    world.fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start()
    twelve = await adapter.put_listing(space(world), listing(12, "Hike"), None)
    # Created, but the id was never stored (a crash between POST and commit): found by marker.
    one = await adapter.put_listing(space(world), listing(1), None)
    assert one != twelve, "marker #1 is not #12's"
    assert await adapter.put_listing(space(world), listing(1, "Picnic!"), None) == one
    await harness.stop(bot)

    bot, adapter = await harness.start()
    assert await adapter.put_listing(space(world), listing(12, "Hike!"), None) == twelve
    assert sorted(e["name"] for e in listed(world)) == ["Hike!", "Picnic!"]
    assert requests_to(world, "POST", "/scheduled-events") == 2


async def test_a_listing_whose_answer_was_lost_is_listed_once(harness: Harness, world: World) -> None:
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start()
    calls = watch(bot)
    # Discord made the listing, its answer was lost (500) and discord.py posted it again.
    fake.lose_answers("POST", r"/scheduled-events$")
    eid = await adapter.put_listing(space(world), listing(1), None)
    assert requests_to(world, "POST", "/scheduled-events") == 2
    assert [e["id"] for e in listed(world)] == [eid], "the twin is gone, the one stored stays"
    await adapter.put_listing(space(world), listing(1, "Picnic!"), eid)
    assert [e["name"] for e in listed(world)] == ["Picnic!"]
    await delivered(fake, bot, adapter)
    assert calls == [], "removing the twin is logoff's own doing, not news for the core"


async def test_deleted_or_cancelled_by_hand_is_listed_again(harness: Harness, world: World) -> None:
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start()
    calls = watch(bot)
    eid = await adapter.put_listing(space(world), listing(1), None)
    assert eid is not None
    with pytest.raises(PermissionError):
        fake.scheduled.delete_by_hand(int(eid), by=world.users["bob"])
    fake.scheduled.delete_by_hand(int(eid), by=fake.owner_of(world.guild))
    await fake.wait_for(lambda: calls == [(space(world), eid, None)], what="the listing reported gone")

    again = await adapter.put_listing(space(world), listing(1), eid)
    assert again is not None and again != eid and [e["id"] for e in listed(world)] == [again]

    fake.scheduled.cancel_by_hand(int(again), by=fake.owner_of(world.guild))
    await fake.wait_for(lambda: calls[-1] == (space(world), again, None), what="the cancellation reported")
    third = await adapter.put_listing(space(world), listing(1), again)
    assert third not in (None, eid, again) and [e["id"] for e in listed(world)] == [third]

    # Someone else's event going away is none of logoff's business.
    theirs = fake.scheduled.add(world.guild, "Board games", by=fake.owner_of(world.guild))
    fake.scheduled.delete_by_hand(theirs, by=fake.owner_of(world.guild))
    await fake.quiet(0.1)
    assert len(calls) == 2


async def test_interested_people_are_counted_from_the_gateway(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start()
    calls = watch(bot)
    eid = await adapter.put_listing(space(world), listing(1), None)
    assert eid is not None
    fake.scheduled.mark_interested(int(eid), u["alice"])
    await fake.wait_for(lambda: calls[-1:] == [(space(world), eid, 1)], what="one interested")
    fake.scheduled.mark_interested(int(eid), u["bob"])
    await fake.wait_for(lambda: calls[-1:] == [(space(world), eid, 2)], what="two interested")
    fake.scheduled.mark_interested(int(eid), u["alice"], False)
    await fake.wait_for(lambda: calls[-1:] == [(space(world), eid, 1)], what="back to one")

    # A burst: the count read afterwards is the final one, without a request per click.
    before = requests_to(world, "GET", f"/scheduled-events/{eid}")
    for name in ("alice", "carol", "mod", "organiser"):
        fake.scheduled.mark_interested(int(eid), u[name])
    await fake.wait_for(lambda: calls[-1:] == [(space(world), eid, 5)], what="five interested")
    await fake.quiet(0.1)
    assert requests_to(world, "GET", f"/scheduled-events/{eid}") - before <= 4

    # Others' events are not counted (no request either).
    theirs = fake.scheduled.add(world.guild, "Board games", by=fake.owner_of(world.guild))
    seen = len(calls)
    fake.scheduled.mark_interested(theirs, u["bob"])
    await fake.quiet(0.1)
    assert len(calls) == seen and requests_to(world, "GET", f"/scheduled-events/{theirs}") == 0


async def test_the_users_endpoint_pages_by_100(harness: Harness, world: World) -> None:
    fake = world.fake
    _, adapter = await harness.start()
    theirs = fake.scheduled.add(world.guild, "Concert", by=fake.owner_of(world.guild))
    people = [fake.add_member(world.guild, f"fan{i}") for i in range(150)]
    for uid in people:
        fake.scheduled.mark_interested(theirs, uid)
    http = adapter._client().http
    page = await http.get_scheduled_event_users(world.guild, theirs, 100, True)
    rest = await http.get_scheduled_event_users(world.guild, theirs, 100, False, after=page[-1]["user"]["id"])
    assert len(page) == 100 and len(rest) == 50 and "member" in page[0] and "member" not in rest[0]
    assert sorted(int(e["user"]["id"]) for e in page + rest) == sorted(people)
    assert await adapter.listing_interest(space(world), str(theirs)) == 150


async def test_limits_are_said_before_asking_discord(harness: Harness, world: World) -> None:
    fake = world.fake
    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    _, adapter = await harness.start()
    now = datetime.now(UTC)
    cases = [(listing(3, start=now - timedelta(hours=1)), lst.STARTED),
             (listing(4, start=now - timedelta(hours=3)), lst.ENDED)]
    for item, why in cases:
        with pytest.raises(DeliveryRefused) as refused:
            await adapter.put_listing(space(world), item, None)
        assert str(refused.value) == why and "not mirrored" in why
    assert requests_to(world, "POST", "/scheduled-events") == 0
    assert await adapter.put_listing(space(world), listing(5, "x" * 100, place="y" * 100), None) is not None
    # Past Discord's 100 characters, a name and a place are listed cut, not refused.
    long = await adapter.put_listing(space(world), listing(7, "x" * 101, place="y" * 150), None)
    assert long is not None
    made = fake.scheduled.events[int(long)]
    assert made["name"] == "x" * 99 + "…" and made["entity_metadata"] == {"location": "y" * 99 + "…"}

    for i in range(98):  # with the two above, the server's 100
        fake.scheduled.add(world.guild, f"Other {i}", by=fake.owner_of(world.guild))
    with pytest.raises(DeliveryRefused) as refused:
        await adapter.put_listing(space(world), listing(6), None)
    assert str(refused.value) == lst.TOO_MANY and "100" in lst.TOO_MANY
    assert len(listed(world)) == 100
    await help_still_answers(world)


async def test_setting_off_lists_nothing(harness: Harness, world: World) -> None:
    world.fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    bot, adapter = await harness.start()
    await bot.settings.set(space(world), "events.discord", "off")
    assert await adapter.put_listing(space(world), listing(1), None) is None
    assert world.fake.requests and requests_to(world, None, "/scheduled-events") == 0
    changed = await world.fake.send_interaction("config set", {"key": "events.discord", "value": "on"},
                                                user=world.users["mod"], channel=world.channel)
    assert "events.discord is now on" in changed.text
    assert await adapter.put_listing(space(world), listing(1), None) is not None


async def test_without_manage_events_the_refusal_names_it(harness: Harness, world: World) -> None:
    fake = world.fake
    _, adapter = await harness.start()
    with pytest.raises(DeliveryRefused) as refused:
        await adapter.put_listing(space(world), listing(1), None)
    assert str(refused.value) == lst.NO_MANAGE_EVENTS
    assert "Manage Events" in lst.NO_MANAGE_EVENTS and "events.discord value:off" in lst.NO_MANAGE_EVENTS
    await help_still_answers(world)

    fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    eid = await adapter.put_listing(space(world), listing(1), None)
    assert eid is not None
    fake.roles.revoke_bot(world.guild, MANAGE_EVENTS)
    for call in (lambda: adapter.put_listing(space(world), listing(1, "Moved"), eid),
                 lambda: adapter.drop_listing(space(world), eid)):
        with pytest.raises(DeliveryRefused) as refused:
            await call()
        assert str(refused.value) == lst.NO_MANAGE_EVENTS
    assert [e["name"] for e in listed(world)] == ["Picnic"]


async def test_a_429_on_create_is_waited_out(harness: Harness, world: World) -> None:
    world.fake.roles.grant_bot(world.guild, MANAGE_EVENTS)
    _, adapter = await harness.start()
    world.fake.inject_429("POST", r"/scheduled-events$", times=1, retry_after=0.05)
    eid = await adapter.put_listing(space(world), listing(1), None)
    assert eid is not None and len(listed(world)) == 1
    assert requests_to(world, "POST", "/scheduled-events") == 2


# --- threads ---------------------------------------------------------------------------------------

async def test_thread_opened_posted_in_and_archived(harness: Harness, world: World) -> None:
    fake = world.fake
    _, adapter = await harness.start()
    channel = ChannelRef("discord", str(world.channel), str(world.guild))
    card = await adapter.send(channel, text("Picnic #1"))
    thread = await adapter.open_thread(card, "Picnic #1 " + "z" * 200)
    assert thread == ChannelRef("discord", card.id, str(world.guild)), "a message's thread has its id"
    made = fake.channels[int(thread.id)]
    assert made["type"] == 11 and made["parent_id"] == str(world.channel) and len(made["name"]) == 100
    assert made["thread_metadata"]["auto_archive_duration"] == srf.THREAD_ARCHIVE_MINUTES
    assert await adapter.open_thread(card, "Picnic #1") == thread, "opening again finds it"

    reminder = await adapter.send(thread, text("Picnic starts in 1 hour"))
    assert reminder.channel_id == thread.id
    assert [message_text(m) for m in fake.channel_messages(int(thread.id))] == ["Picnic starts in 1 hour"]

    await adapter.close_thread(thread)
    assert fake.channels[int(thread.id)]["thread_metadata"]["archived"] is True
    await adapter.close_thread(thread)
    fake.threads.delete_by_hand(int(thread.id))
    await adapter.close_thread(thread)  # gone already is fine


async def test_thread_refusals_name_the_permission(harness: Harness, world: World) -> None:
    fake = world.fake
    _, adapter = await harness.start()
    channel = ChannelRef("discord", str(world.channel), str(world.guild))
    card = await adapter.send(channel, text("Picnic #1"))
    fake.set_overwrite(world.channel, fake.bot_id, deny=CREATE_PUBLIC_THREADS, member=True)
    with pytest.raises(DeliveryRefused) as refused:
        await adapter.open_thread(card, "Picnic #1")
    assert str(refused.value) == srf.NO_THREADS and "Create Public Threads" in srf.NO_THREADS
    await help_still_answers(world)

    gone = MessageRef("discord", str(world.channel), str(fake.snowflake()), str(world.guild))
    fake.set_overwrite(world.channel, fake.bot_id, member=True)
    with pytest.raises(DeliveryRefused) as refused:
        await adapter.open_thread(gone, "Picnic #1")
    assert str(refused.value) == srf.CARD_GONE


# --- roles -----------------------------------------------------------------------------------------

async def test_role_made_given_taken_and_deleted(harness: Harness, world: World) -> None:
    fake, u = world.fake, world.users
    fake.roles.grant_bot(world.guild, MANAGE_ROLES)
    bot, adapter = await harness.start()
    role_id = await adapter.make_role(space(world), "Picnic #1")
    role = fake.roles.role(world.guild, role_id)
    assert role is not None and role["name"] == "Picnic #1" and role["position"] == 1
    assert role["mentionable"] is False and role["permissions"] == "0"
    await fake.quiet(0.05)
    guild = adapter._client().get_guild(world.guild)
    assert guild is not None and guild.get_role(int(role_id)) is not None, "GUILD_ROLE_CREATE"

    alice = UserRef("discord", str(u["alice"]), "alice")
    await adapter.set_role(space(world), role_id, alice, True)
    await adapter.set_role(space(world), role_id, alice, True)
    await adapter.set_role(space(world), role_id, UserRef("discord", str(u["bob"])), True)
    assert fake.roles.members_with(world.guild, role_id) == sorted([u["alice"], u["bob"]])
    await adapter.set_role(space(world), role_id, alice, False)
    assert fake.roles.members_with(world.guild, role_id) == [u["bob"]]
    await adapter.set_role(space(world), role_id, UserRef("discord", str(fake.snowflake())), True)  # left

    await adapter.drop_role(space(world), role_id)
    assert fake.roles.role(world.guild, role_id) is None and int(role_id) not in fake.roles.member_roles(
        world.guild, u["bob"])
    await adapter.drop_role(space(world), role_id)
    with pytest.raises(DestinationGone):  # the core forgets a role that is no more
        await adapter.set_role(space(world), role_id, alice, False)


async def test_role_refusals_name_manage_roles(harness: Harness, world: World) -> None:
    fake = world.fake
    _, adapter = await harness.start()
    with pytest.raises(DeliveryRefused) as refused:
        await adapter.make_role(space(world), "Picnic #1")
    assert str(refused.value) == srf.NO_ROLES and "Manage Roles" in srf.NO_ROLES
    await help_still_answers(world)

    fake.roles.grant_bot(world.guild, MANAGE_ROLES)
    role_id = await adapter.make_role(space(world), "Picnic #1")
    for i in range(250 - len(fake.guilds[world.guild]["roles"])):
        fake.add_role(world.guild, f"filler {i}", 0)
    with pytest.raises(DeliveryRefused) as refused:
        await adapter.make_role(space(world), "Picnic #2")
    assert str(refused.value) == srf.ROLES_FULL
    top = max(int(r["position"]) for r in fake.guilds[world.guild]["roles"])
    fake.roles.move(world.guild, role_id, top)  # a moderator drags it above logoff's own role
    alice = UserRef("discord", str(world.users["alice"]))
    for call in (lambda: adapter.set_role(space(world), role_id, alice, True),
                 lambda: adapter.drop_role(space(world), role_id)):
        with pytest.raises(DeliveryRefused) as refused:
            await call()
        assert str(refused.value) == srf.NO_ROLES

