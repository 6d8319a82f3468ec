"""User text is never markup or a mention: hostile titles render literally and the only
mentions in any output are the ones a cog chose."""

from __future__ import annotations

from adapters.discord.render import escape_markdown
from adapters.matrix.render import escape_html
from bot.render import Card, Mention, Text, defuse_mentions, plain
from bot.testing import FakeAdapter

HOSTILE = "@everyone @here @room <@123> <@&456> <script>alert(1)</script> **bold** [x](http://evil)"


async def test_hostile_title_is_literal_and_pings_nobody(fake: FakeAdapter) -> None:
    [card] = await fake.invoke(f'!event create "{HOSTILE}" when="2026-12-05 18:30" where="{HOSTILE}"')
    assert HOSTILE in card.text
    assert card.out.mentions == ()
    await fake.react(card, "✅", "bob")
    [poll] = await fake.invoke(f'!poll create "{HOSTILE}" "{HOSTILE}" | b')
    assert poll.out.mentions == () and HOSTILE in poll.text
    for sent in fake.log:
        assert all(isinstance(p, str) or not isinstance(p, Mention) for ln in getattr(sent.out, "lines", ())
                   for p in ln)


def test_platform_escapers() -> None:
    md = escape_markdown("**x** _y_ `z` <@1>")
    assert "\\*\\*x\\*\\*" in md and "\\_y\\_" in md and "\\`z\\`" in md
    assert escape_html("<script>&") == "&lt;script&gt;&amp;"
    assert defuse_mentions("@everyone @room <@12>") == "@\u200beveryone @\u200broom <\u200b@12>"


def test_plain_keeps_text_and_mentions_separate() -> None:
    from bot.model import UserRef

    u = UserRef("fake", "bob", "Bob")
    out = Text(((f"{HOSTILE} ", Mention(u)),))
    assert out.mentions == (u,)
    assert plain(out) == f"{HOSTILE} @Bob"
    assert Card("t", body=((Mention(u),),)).mentions == (u,)
