"""Listings of cancelled events that have no row to drop them by: the platform made the listing
but its answer was lost (the request timed out, the connection dropped), so its id was never
stored. They are found by their marker, as a listing made before a crash is adopted: at the
cancel, in each space of the event where it has no row; at the start and when a space's
setting is switched, for the cancelled events still to come (one lookup per space serves all
of them; a listing that is over the platform ends itself); and when someone marks Interested
a listing that maps to no event. Once a space is known clear of a cancelled event's listings
(its stored one dropped, or a lookup there answered), that is recorded, so later starts do not
look again. A part of `NativeSurfaces` (a mixin), under `NativeListings`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection, Iterable

from bot.model import SpaceRef

from .native_part import NativePart, Place
from .repo import Event

log = logging.getLogger(__name__)

# The spaces each cancelled event is known to have no listing left in: an ordinary cancel
# leaves no row either, and without this every start would look each such event up again.
MIGRATION = """
CREATE TABLE event_listings_settled (
    event_id INTEGER NOT NULL,
    space TEXT NOT NULL,
    PRIMARY KEY (event_id, space)
) WITHOUT ROWID;
"""


def marker_of(event_id: int) -> str:
    """What each listing of the event says, so it can be found without its id."""
    return f"logoff event #{event_id}"


class NativeMarked(NativePart):
    # --- what NativeListings provides ------------------------------------------------------------

    async def _listed(self, event_id: int) -> dict[str, tuple[str, int]]:
        raise NotImplementedError

    async def _event(self, event_id: int) -> Event | None:
        raise NotImplementedError

    async def _places(self, event: Event) -> list[Place]:
        raise NotImplementedError

    async def _drop_listing(self, event: Event, spaces: Collection[str] | None = None) -> None:
        raise NotImplementedError

    # --- taking them down ------------------------------------------------------------------------

    async def _withdraw_listings(self, event: Event) -> None:
        """Cancelled: its listings go, by their ids where stored and by the marker elsewhere."""
        listed = await self._listed(event.id)
        await self._drop_listing(event)
        if event.over(self.bot.clock.now()):
            return
        for place in await self._places(event):
            listings = self.bot.listings(place.space.platform)
            if place.space.key not in listed and listings is not None:
                if await self._try(event, "listing", listings.drop_marked(place.space, [marker_of(event.id)]), place):
                    await self._settled(place.space.key, [event.id])

    async def _settled(self, key: str, event_ids: Iterable[int]) -> None:
        """The space `key` holds no listing of these cancelled events any more."""
        def unit(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT INTO event_listings_settled(event_id, space) VALUES (?, ?) "
                             "ON CONFLICT(event_id, space) DO NOTHING", [(i, key) for i in event_ids])

        await self.cog.db.write(unit)

    async def _unrecorded(self, space: SpaceRef | None = None) -> dict[str, list[Event]]:
        """Space key -> the cancelled events still to come that have no row there (in `space`
        only, where given) and are not known clear there, in the spaces whose platform lists
        events."""
        now = self.bot.clock.now().timestamp()

        def read(conn: sqlite3.Connection) -> dict[int, set[str]]:
            rows = conn.execute(
                "SELECT e.id, s.space FROM events e LEFT JOIN event_listings_settled s ON s.event_id = e.id "
                "WHERE e.state = 'cancelled' AND e.starts_at > ? ORDER BY e.id", (now,)).fetchall()
            settled: dict[int, set[str]] = {}
            for event_id, key in rows:
                settled.setdefault(int(event_id), set()).update([str(key)] if key is not None else [])
            return settled

        found: dict[str, list[Event]] = {}
        for event_id, settled in (await self.cog.db.read(read)).items():
            event = await self._event(event_id)
            if event is None:
                continue
            listed = await self._listed(event.id)
            for place in await self._places(event):
                key = place.space.key
                if key in listed or key in settled or (space is not None and key != space.key):
                    continue
                if self.bot.listings(place.space.platform) is not None:
                    found.setdefault(key, []).append(event)
        return found

    async def _drop_unrecorded(self, found: dict[str, list[Event]]) -> None:
        """One lookup per space for all its cancelled events. A failure is only logged: it is not
        news for the channel, and the next start or switch of the setting looks again."""
        for key, events in found.items():
            space = SpaceRef.from_key(key)
            listings = self.bot.listings(space.platform)
            if listings is None:
                continue
            try:
                await listings.drop_marked(space, [marker_of(e.id) for e in events])
            except Exception as e:  # noqa: BLE001
                log.warning("taking down the listings of cancelled events in %s failed: %s", key, e)
                continue
            await self._settled(key, [e.id for e in events])

    async def _interest_unrecorded(self, space: SpaceRef) -> None:
        """Someone marked Interested a listing with no row: if the space has cancelled events
        to come without a row, theirs may be it; a live event's is left (its next change or
        the next start adopts it by its marker)."""
        found = await self._unrecorded(space)
        if found:
            await self._drop_unrecorded(found)
