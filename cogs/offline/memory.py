"""What the cog keeps of a channel: in memory, its recent authors (with the ids of their latest
messages, so a deleted message is taken back from who wrote recently too) and heat window;
across restarts, the channel's own score distribution.

A sensitivity is a share of a channel's own exchanges, and the channel's scale takes hundreds
of exchanges to learn; a restart must not send it back to the global prior. Only the histogram
of scores is kept (cogs/offline/calibration.py), never text or who wrote it, with the model
that made the scores. It is written every `SAVE_EVERY` exchanges of a channel and when the bot
stops, so a crash loses at most that many exchanges' worth of learning.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.model import ChannelRef, UserRef
from bot.storage import Database, StorageError

from .calibration import ScoreDistribution
from .scorer import ChannelHeat

log = logging.getLogger(__name__)

SAVE_EVERY = 50
AUTHORS_KEPT = 20  # recent authors remembered per channel, the longest quiet forgotten first
# Per author, the ids of their latest messages: a deletion among them takes that message back.
# One deleted further back leaves them at least this many later ones, recent still.
IDS_KEPT = 8
RECENT = timedelta(minutes=30)  # who wrote this recently is in the exchange a prompt addresses
MAX_ADDRESSED = 5
# Ids of messages deleted before the bot had read them into the window (a deletion can overtake
# its message while that waits for the channel's kept scale): a handful is plenty.
GONE_KEPT = 16

MIGRATION = """
CREATE TABLE offline_calibration (
    channel TEXT PRIMARY KEY,
    counts BLOB NOT NULL,
    model TEXT NOT NULL,
    saved_at REAL NOT NULL
);
"""


def readable(text: str | None) -> str | None:
    """A message's words, or None when it has none (only an attachment or a sticker): no
    words are not a terse reply, so such a message is judged like one whose text the platform
    does not give, on who and when alone."""
    return text if text is not None and text.strip() else None


class _Author:
    """Someone's latest messages in a channel, as ids and times (never text)."""

    __slots__ = ("user", "said", "before")

    def __init__(self, user: UserRef) -> None:
        self.user = user
        self.said: deque[tuple[str, datetime]] = deque()
        self.before: datetime | None = None  # the latest of their messages no longer in `said`

    def last(self) -> datetime | None:
        return max([at for _, at in self.said] + ([self.before] if self.before is not None else []), default=None)


class Channel:
    """What the cog remembers of one channel: recent authors and the heat window."""

    __slots__ = ("recent", "heat", "last_prompt", "dismissals", "unsaved", "gone")

    def __init__(self, heat: ChannelHeat | None) -> None:
        # Each author once: one person's burst of messages must not push the others of the
        # exchange out of memory.
        self.recent: OrderedDict[str, _Author] = OrderedDict()
        self.heat = heat
        self.last_prompt: datetime | None = None
        self.dismissals: int | None = None  # automatic prompts waved off in a row; None: not read
        self.unsaved = 0  # exchanges scored since the channel's distribution was last kept
        self.gone: deque[str] = deque(maxlen=GONE_KEPT)

    def wrote(self, user: UserRef, at: datetime, message_id: str) -> None:
        if message_id in self.gone:  # its deletion came first
            return
        author = self.recent.get(user.key)
        if author is None:
            author = self.recent[user.key] = _Author(user)
        author.user = user
        author.said.append((message_id, at))
        if len(author.said) > IDS_KEPT:
            _, earlier = author.said.popleft()
            author.before = max(earlier, author.before or earlier)
        self.recent.move_to_end(user.key)
        while len(self.recent) > AUTHORS_KEPT:
            self.recent.popitem(last=False)

    def people(self, now: datetime, keys: list[str] | None = None) -> list[UserRef]:
        """Who wrote within `RECENT`: those of `keys` in that order, or the latest first."""
        by_key: dict[str, UserRef] = {}
        for author in reversed(self.recent.values()):
            last = author.last()
            if last is not None and now - last <= RECENT:
                by_key[author.user.key] = author.user
        order = keys if keys is not None else list(by_key)
        return [by_key[k] for k in order if k in by_key][:MAX_ADDRESSED]

    def edited(self, message_id: str, author: str, text: str | None) -> None:
        """Its author changed a message: the window reads it as it is now (text in memory only)."""
        if self.heat is not None:
            self.heat.reread(message_id, author, readable(text))

    def deleted(self, message_id: str) -> None:
        self._unsay(message_id)
        if self.heat is None or not self.heat.forget(message_id):
            self.gone.append(message_id)

    def _unsay(self, message_id: str) -> None:
        """Its author is recent no more, unless they have another message in the span."""
        for key, author in self.recent.items():
            for i, (said, _) in enumerate(author.said):
                if said == message_id:
                    del author.said[i]
                    if author.last() is None:
                        del self.recent[key]
                    return

    def was_deleted(self, message_id: str) -> bool:
        return message_id in self.gone


_UPSERT = ("INSERT INTO offline_calibration(channel, counts, model, saved_at) VALUES(?, ?, ?, ?) "
           "ON CONFLICT(channel) DO UPDATE SET counts=excluded.counts, model=excluded.model, "
           "saved_at=excluded.saved_at")


async def load(db: Database, channel: ChannelRef, model: str) -> ScoreDistribution | None:
    """The channel's kept distribution, if it was kept under this model: another model's
    scores are on another scale, and the channel starts again from the prior."""
    row = await db.fetchone("SELECT counts FROM offline_calibration WHERE channel=? AND model=?",
                            (channel.key, model))
    return ScoreDistribution.from_bytes(bytes(row[0])) if row is not None else None


async def save(db: Database, kept: Sequence[tuple[str, ScoreDistribution]], model: str,
               at: float) -> None:
    rows = [(key, dist.to_bytes(), model, at) for key, dist in kept]
    if rows:
        await db.write(lambda c: c.executemany(_UPSERT, rows).rowcount)


async def keep(db: Database, channels: Sequence[tuple[str, Channel]], model: str, at: datetime) -> None:
    """Keep channels' distributions; a database that is away only delays it to the next time."""
    chosen = [(key, st, st.unsaved) for key, st in channels if st.heat is not None and st.unsaved]
    try:
        await save(db, [(key, st.heat.scores) for key, st, _ in chosen if st.heat], model, at.timestamp())
    except StorageError as e:
        log.warning("could not keep the offline calibration of %d channels: %s", len(chosen), e)
        return
    for _, st, counted in chosen:
        st.unsaved -= counted  # exchanges scored while it was being written wait for next time
