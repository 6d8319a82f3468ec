"""On Discord commands are slash commands: help and the usage line of a ⚠️ reply write each
option as the slash form's field (`question:<question>`, a boolean `multi:True`), never the text
syntax (`multi=yes`, `closes=<…>`) that cannot be typed there."""

from __future__ import annotations

from tests.adapters.discord.test_discord_features import ALL
from tests.discord_fake import message_text
from tests.discord_fake.harness import Harness, World

POLL_CREATE = "/poll create question:<question> options:<options> [multi:True] [closes:<when or duration>]"


async def test_help_and_usage_replies_write_options_as_slash_fields(harness: Harness, world: World) -> None:
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    one = await fake.send_interaction("help", {"command": "poll create"}, user=u["bob"], channel=ch)
    assert POLL_CREATE in one.text, one.text
    bad = await fake.send_interaction("poll create", {"question": "Where?", "options": "only one"},
                                      user=u["bob"], channel=ch)
    assert bad.text.startswith("⚠️"), bad.text
    assert f"Usage: {POLL_CREATE} (see /help command:poll create)" in bad.text, bad.text
    every = await fake.send_interaction("help", {}, user=u["bob"], channel=ch)
    listed = every.text or "\n".join(message_text(m) for m in every.messages)
    assert POLL_CREATE in listed, listed
    assert "=yes" not in listed and "=<" not in listed, listed
    assert "Type /help command:<command> for details." in listed, listed


async def test_a_one_word_question_field_is_not_taken_for_a_run_on(harness: Harness, world: World) -> None:
    # The question is a field of its own: nothing can run on from it into the options, and the
    # advice to quote it could not be followed there.
    await harness.start(ALL)
    fake, u, ch = world.fake, world.users, world.channel
    made = await fake.send_interaction("poll create", {"question": "Snacks", "options": "Chips? Sure | No thanks"},
                                       user=u["alice"], channel=ch)
    assert "⚠️" not in made.text and "Chips? Sure" in made.text, made.text
