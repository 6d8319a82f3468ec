"""A real bot closing a poll, SIGKILLed after the close is committed and before its results
reach the platform (test_poll_close_kill.py). Usage: poll_kill_worker.py MODE ROOT DB

  close ROOT DB    a poll with two votes, then `poll close 1`; says "posting" and hangs at
                   the results' post, where the test kills it
  settle ROOT DB   start (the scheduler's recovery runs what the kill left), stop
"""

from __future__ import annotations

import asyncio
import sys

from bot.app import build_bot
from bot.model import ChannelRef, UserRef
from bot.render import Out
from bot.testing import Sent
from tests.reliability.file_platform import PLATFORM, FilePlatformAdapter

RESULTS = "Results of poll #1"


class HangsAtResults(FilePlatformAdapter):
    async def _record(self, channel: ChannelRef, out: Out, *, key: str | None = None, ephemeral: bool = False,
                      to_user: UserRef | None = None, reply_to: UserRef | None = None) -> Sent:
        if RESULTS in await self._plain(channel, out):
            print("posting", flush=True)
            await asyncio.Event().wait()  # the kill comes here: the post never reaches the platform
        return await super()._record(channel, out, key=key, ephemeral=ephemeral, to_user=to_user,
                                     reply_to=reply_to)


async def close(root: str, db: str) -> None:
    bot = await build_bot(db, rate_limit=False)
    adapter = HangsAtResults(root, run="close")
    bot.add_adapter(adapter)
    await bot.start()
    [card] = await adapter.invoke('!poll create "Where?" Park | Cafe', "alice")
    for who in ("bob", "carol"):
        await adapter.platform_react(f"close-{who}", card.id, UserRef(PLATFORM, who, who.title()), "2️⃣", True)
    await adapter.invoke("!poll close 1", "alice")
    raise SystemExit("the results were posted: nothing to kill")


async def settle(root: str, db: str, run: str) -> None:
    bot = await build_bot(db, rate_limit=False)
    bot.add_adapter(FilePlatformAdapter(root, run=run))
    await bot.start()
    await bot.scheduler.idle()
    await bot.settle()
    await bot.stop()


def main(argv: list[str]) -> int:
    mode, root, db = argv
    asyncio.run(close(root, db) if mode == "close" else settle(root, db, mode))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
