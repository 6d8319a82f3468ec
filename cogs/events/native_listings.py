"""An event in the platforms' own event lists (bot/surfaces.py `Listings`). A shared event
(linked spaces) is one event in every space it was posted in, so it is listed in each of
those spaces whose platform has an event list, as that space's own setting and permissions
allow: one listing per space, each with its own stored id, kept in step with edits, taken
down when the event is cancelled, listed again when someone deletes it by hand, adopted by
its marker after a crash rather than made twice. A call that failed (a passing platform
error) is made again: a listing at the event's next change or the next start, a removal at
the next start or switch of the setting. The people marked "interested" in any of
them are one count on the card. A part of `NativeSurfaces` (a mixin)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from bot.model import MessageRef, SpaceRef
from bot.surfaces import Listing

from . import repo
from .native_marked import NativeMarked, marker_of
from .native_part import Failed, Place
from .reminders import event_channel
from .repo import Event
from .scope import shared_events

# One row per space an event is listed in. Listings made before linked spaces were listed
# too (one per event, in event_native) move here; event_native keeps the thread and role.
MIGRATION = """
CREATE TABLE event_listings (
    event_id INTEGER NOT NULL,
    space TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    interested INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, space)
) WITHOUT ROWID;
CREATE INDEX event_listings_native ON event_listings(listing_id);
INSERT INTO event_listings(event_id, space, listing_id, interested)
    SELECT n.event_id, e.space, n.listing_id, n.interested
    FROM event_native n JOIN events e ON e.id = n.event_id
    WHERE n.listing_id IS NOT NULL;
DROP INDEX event_native_listing;
ALTER TABLE event_native DROP COLUMN listing_id;
ALTER TABLE event_native DROP COLUMN interested;
"""

Listed = dict[str, tuple[str, int]]  # space key -> (listing id, interested)


class NativeListings(NativeMarked):
    # --- reading ---------------------------------------------------------------------------------

    async def _listed(self, event_id: int) -> Listed:
        rows = await self.cog.db.read_small(lambda c: c.execute(
            "SELECT space, listing_id, interested FROM event_listings WHERE event_id=?",
            (event_id,)).fetchall())
        return {str(r[0]): (str(r[1]), int(r[2])) for r in rows}

    async def _event(self, event_id: int) -> Event | None:
        return await self.cog.db.read_small(lambda c: repo.get(c, event_id))

    async def interested(self, event_id: int) -> int:
        # A small read by key on the loop's thread: it runs for every card render.
        row = await self.cog.db.read_small(lambda c: c.execute(
            "SELECT COALESCE(SUM(interested), 0) FROM event_listings WHERE event_id=?",
            (event_id,)).fetchone())
        return int(row[0]) if row else 0

    async def _places(self, event: Event) -> list[Place]:
        """The event's own space first, then each space it was shared into."""
        places = [Place(SpaceRef.from_key(event.space), event_channel(event))]
        for channel in await self.cog.audience.elsewhere(event):
            if all(p.space != channel.space for p in places):
                places.append(Place(channel.space, channel))
        return places

    # --- life cycle ------------------------------------------------------------------------------

    async def put_listing(self, event: Event, card: MessageRef | None,
                          spaces: Collection[str] | None = None) -> None:
        """List the event (or update its listings) in each of its spaces, or only in `spaces`
        (keys); `card` is the card in the event's own channel, where the caller has it."""
        if event.cancelled or event.over(self.bot.clock.now()):
            return
        listed = await self._listed(event.id)
        for i, place in enumerate(await self._places(event)):
            if spaces is None or place.space.key in spaces:
                await self._list_in(event, place, card if i == 0 else None, listed.get(place.space.key))

    async def _list_in(self, event: Event, place: Place, card: MessageRef | None,
                       had: tuple[str, int] | None) -> None:
        listings = self.bot.listings(place.space.platform)
        if listings is None:
            return
        if card is None:  # the listing links the card in that space's channel, where it is tracked
            card = next((m for m in self.bot.tracked_messages(self.cog.name, "event", event.id)
                         if m.platform == place.channel.platform and m.channel_id == place.channel.id), None)
        old, interested = had if had is not None else (None, 0)
        listing = await self._listing(event, card, place.space.platform)
        new = await self._call(event, "listing", listings.put_listing(place.space, listing, old), place)
        if isinstance(new, Failed):  # the next change or start tries again
            return
        await self._fine(place.space, "listing")
        if new is None and old is not None:  # the space turned listings off
            await self._try(event, "listing", listings.drop_listing(place.space, old), place)
        if new != old:
            await self._set_listing(event.id, place.space, new, interested)

    async def _set_listing(self, event_id: int, space: SpaceRef, listing_id: str | None,
                           interested: int) -> None:
        """Another listing (or none): the old one's interested people are not the new one's."""
        def unit(conn: sqlite3.Connection) -> None:
            if listing_id is None:
                conn.execute("DELETE FROM event_listings WHERE event_id=? AND space=?", (event_id, space.key))
            else:
                conn.execute(
                    "INSERT INTO event_listings(event_id, space, listing_id, interested) VALUES (?, ?, ?, 0) "
                    "ON CONFLICT(event_id, space) DO UPDATE SET listing_id=excluded.listing_id, interested=0",
                    (event_id, space.key, listing_id))

        await self.cog.db.write(unit)
        if interested:
            self.cog.refresh(event_id)

    async def _relist(self, event: Event) -> None:
        """Title, time or place changed: each listing follows, and a space where the event is
        not listed yet (its listing failed at a passing platform error) gets it now; where the
        space has listings off, the platform answers without a request."""
        await self.put_listing(event, None)

    async def _drop_listing(self, event: Event, spaces: Collection[str] | None = None) -> None:
        """Its listings (or only those in `spaces`, keys) taken down. One whose removal failed
        keeps its row, so the next start or switch of the setting takes it down then."""
        listed = await self._listed(event.id)
        if not listed:
            return
        places = {p.space.key: p for p in await self._places(event)}
        for key, (listing_id, interested) in listed.items():
            if spaces is not None and key not in spaces:
                continue
            space = SpaceRef.from_key(key)
            listings = self.bot.listings(space.platform)
            place = places.get(key)
            if listings is not None and await self._try(
                    event, "listing", listings.drop_listing(space, listing_id), place):
                await self._set_listing(event.id, space, None, interested)
                if event.cancelled:
                    await self._settled(key, [event.id])

    async def _alive(self, space: SpaceRef, shared: bool = True) -> list[Event]:
        """The space's events neither cancelled nor over, its own first: with `shared`, those
        shared into it too."""
        scope, now = await self.cog.audience.scope(space), self.bot.clock.now()
        alive = "state != 'cancelled' AND (ends_at IS NULL OR ends_at > ?)"

        def read(conn: sqlite3.Connection) -> list[int]:
            own = conn.execute(f"SELECT id FROM events WHERE space=? AND {alive} ORDER BY starts_at",
                               (space.key, now.timestamp())).fetchall()
            others = shared_events(conn, scope, alive, (now.timestamp(),)) if shared else []
            return [int(r[0]) for r in own] + [e.id for e in others]

        events = [await self._event(event_id) for event_id in await self.cog.db.read(read)]
        return [e for e in events if e is not None]

    async def _listings_switched(self, key: str, space: SpaceRef) -> None:
        """The space turned its event list (setting `key`) on or off: what it has still to come
        (its own events and those shared into it) is listed there now, or taken down, rather
        than at each event's next change or the next start. Turned on, only those not listed
        there yet: one already listed is as it should be (on when it was on already), and
        sending each again would keep the command waiting on the platform for nothing."""
        on = bool(await self.bot.settings.get(space, key))
        if on:  # a lookup while it was off looked at nothing: cancelled events are looked up again
            await self.cog.db.execute("DELETE FROM event_listings_settled WHERE space=?", (space.key,))
        for event in await self._alive(space):
            if not (on and space.key in await self._listed(event.id)):
                await self.put_listing(event, None, [space.key])
        await self._drop_withdrawn(space)

    async def _drop_withdrawn(self, space: SpaceRef | None = None) -> None:
        """Listings of cancelled events whose removal failed at the cancel (a passing platform
        error) go now, in `space` or everywhere, and those with no row of cancelled events still
        to come (`native_marked.py`): a cancelled event must not stay listed for people to mark
        Interested. (An event over, not cancelled, is left to the platform, which
        ends its listings itself.)"""
        unrecorded = await self._unrecorded(space)  # before the rows below go
        where, args = ("AND l.space=?", (space.key,)) if space is not None else ("", ())
        rows = await self.cog.db.fetchall(
            "SELECT DISTINCT l.event_id FROM event_listings l JOIN events e ON e.id = l.event_id "
            f"WHERE e.state = 'cancelled' {where} ORDER BY l.event_id", args)
        for row in rows:
            event = await self._event(int(row[0]))
            if event is not None:
                await self._drop_listing(event, None if space is None else [space.key])
        await self._drop_unrecorded(unrecorded)

    async def _interest(self, space: SpaceRef, listing_id: str, count: int | None) -> None:
        row = await self.cog.db.fetchone(
            "SELECT event_id FROM event_listings WHERE listing_id=? AND space=?", (listing_id, space.key))
        if row is None:
            if count is not None:
                await self._interest_unrecorded(space)
            return
        event_id = int(row[0])
        event = await self._event(event_id)
        if event is None:
            return
        if event.cancelled:  # a listing left behind by a failed removal: it goes now
            if count is None:
                await self._set_listing(event_id, space, None, 0)
                await self._settled(space.key, [event_id])
            else:
                await self._drop_listing(event, [space.key])
            return
        if count is None:  # deleted by hand on the platform: list it again there
            await self.put_listing(event, None, [space.key])
            return
        await self.cog.db.execute("UPDATE event_listings SET interested=? WHERE event_id=? AND space=?",
                                  (count, event_id, space.key))
        self.cog.refresh(event_id)

    async def _reconcile_listings(self) -> None:
        """At start: listings of cancelled events left behind go, upcoming events get their
        listings (one made before a crash, or never made, is found by its marker or made now),
        listings deleted while the bot was away come back, counts are re-read."""
        await self._drop_withdrawn()
        now = self.bot.clock.now()
        rows = await self.cog.db.fetchall(
            "SELECT id FROM events WHERE state != 'cancelled' AND ends_at > ? ORDER BY starts_at",
            (now.timestamp(),))
        for row in rows:
            event = await self._event(int(row[0]))
            if event is None:
                continue
            listed = await self._listed(event.id)
            for place in await self._places(event):
                listings = self.bot.listings(place.space.platform)
                if listings is None:
                    continue
                had = listed.get(place.space.key)
                if had is None:  # never listed there, or listed before a crash (adopted by its marker)
                    await self._list_in(event, place, None, None)
                    had = (await self._listed(event.id)).get(place.space.key)
                    if had is None:
                        continue
                count = await self._call(event, "listing", listings.listing_interest(place.space, had[0]), place)
                if not isinstance(count, Failed):
                    await self._interest(place.space, had[0], count)

    async def _listing(self, event: Event, card: MessageRef | None, platform: str) -> Listing:
        """As `platform` lists it: its own command syntax for an RSVP."""
        prefix = self.bot.prefix_for(platform)
        marker = marker_of(event.id)
        parts = [f"{marker}: RSVP on the card in the channel, or {prefix}rsvp {event.id} going"]
        page = self.cog.page_url(event.id, await self.cog.web_key()) if self.bot.web.enabled else None
        if page:
            parts.append(page)
        return Listing(marker=marker, title=event.title, start=event.starts_at, end=event.ends_at,
                       place=event.location, description="\n".join(parts), card=card,
                       details=event.details or "")
