"""Two fake spaces linked the way moderators link them (PRODUCT.md "Linked spaces"): the
linked-spaces tests share this."""

from __future__ import annotations

import re

from bot.adapter import Capabilities
from bot.app import Bot
from bot.testing import FakeAdapter, Sent

CODE = re.compile(r"link ([A-Z0-9]{4}-[A-Z0-9]{4})")


def code_in(reply: Sent) -> str:
    found = CODE.search(reply.text)
    assert found, reply.text
    return found.group(1)


async def link(a: FakeAdapter, b: FakeAdapter) -> tuple[Sent, Sent]:
    """A moderator of `a` asks for a code, one of `b` types it (in lower case: codes are read
    aloud and retyped); the code's reply and the reply in `b`."""
    [code_reply] = await a.invoke("!link", "moda", mod=True)
    [done] = await b.invoke(f"!link {code_in(code_reply).lower()}", "modb", mod=True)
    assert done.text.startswith("🔗 Linked with"), done.text
    assert a.log[-1].text.startswith("🔗 Linked with"), a.log[-1].text
    return code_reply, done


async def labelled_pair(bot: Bot, beta: type[FakeAdapter] = FakeAdapter) -> tuple[FakeAdapter, FakeAdapter]:
    """Alpha and Beta, both taking DMs, labelled by platform, started (not linked yet); Beta
    of the class given (a platform that misbehaves)."""
    a = FakeAdapter("alpha", space="guild", channel="general",
                    capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Alpha"))
    b = beta("beta", space="room", channel="room",
             capabilities=Capabilities(edits_per_window=0, direct_messages=True, label="Beta"))
    bot.add_adapter(a)
    bot.add_adapter(b)
    await bot.start()
    return a, b


async def waitlisted(bot: Bot) -> tuple[FakeAdapter, FakeAdapter]:
    """Alpha and Beta linked, one Quiz of capacity 1: alice (Alpha) in, bob (Beta, `notify dm`)
    waitlisted."""
    a, b = await labelled_pair(bot)
    await link(a, b)
    await a.invoke('!event create Quiz when="2026-11-26 18:00" capacity=1')
    await a.invoke("!rsvp 1 going", "alice")
    await b.invoke("!notify dm", "bob")
    await b.invoke("!rsvp 1 going", "bob")
    return a, b
