"""Threads a moderator archived and locked: Discord answers a message there 400 50083, and
logoff (without Manage Threads it may not reopen one, and with it should not undo a
moderator's lock) keeps it as closed for now, not gone. Moderators often lock a thread for a
while and unlock it later; the event keeps its thread, so reminders, renames and the archive
after the event reach it again then. Said once per lock in the log, not at every reminder.
"""

from __future__ import annotations

import logging

from bot.adapter import DestinationClosed

THREAD_ARCHIVED = 50083  # a message reopens an archived thread, but not one a moderator locked

log = logging.getLogger(__name__)


class LockedThreads:
    """The threads seen locked since they were last seen open (in memory: a restart says it
    once more, at the next refusal)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()

    def refused(self, thread_id: str) -> DestinationClosed:
        if thread_id not in self._ids:
            self._ids.add(thread_id)
            log.warning("Discord: thread %s is archived and locked by a moderator: logoff posts there "
                        "again once it is unlocked (an event's reminders still go to its channel)", thread_id)
        return DestinationClosed(f"Discord: thread {thread_id} is locked")

    def unlocked(self, thread_id: str) -> None:
        self._ids.discard(thread_id)
