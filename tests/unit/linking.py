"""Two fake spaces linked the way moderators link them (PRODUCT.md "Linked spaces"): the
linked-spaces tests share this."""

from __future__ import annotations

import re

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
