"""Take it offline: the command, automatic prompts on a heated exchange and not on a calm
one of the same length and pace, cooldown, and what is recorded (no message text)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.testing import FakeAdapter

HEATED = [
    ("alice", "honestly i think the new park rules are fine"),
    ("bob", "you clearly haven't read them. they ban dogs entirely"),
    ("alice", "you're wrong, they only ban them on the lawn. read it yourself"),
    ("bob", "why do you always do this? you never admit you're wrong"),
    ("alice", "you are the one who never listens. this is ridiculous"),
    ("bob", "whatever. you're being completely dishonest and you know it"),
    ("alice", "don't call me dishonest. you have no idea what you're talking about"),
    ("bob", "stop lying. you twist every single thing people say"),
]
CALM = [
    ("alice", "i think the new park rules are fine"),
    ("bob", "i read them too, they ban dogs on the lawn i think"),
    ("alice", "yes, only on the lawn, the paths are still ok"),
    ("bob", "that makes sense, the lawn gets muddy anyway"),
    ("alice", "agreed. maybe we could ask the council about the weekends"),
    ("bob", "good idea, i can write to them this week"),
    ("alice", "thanks! let me know if you want help with the letter"),
    ("bob", "will do, maybe we can draft it together"),
]


async def chat(fake: FakeAdapter, bot, lines, channel=None) -> None:  # type: ignore[no-untyped-def]
    for author, text in lines:
        bot.clock.advance(timedelta(seconds=25))
        other = "bob" if author == "alice" else "alice"
        await fake.say(text, author, reply_to=other, channel=channel)


def prompts(fake: FakeAdapter):
    return [s for s in fake.log if "Take it offline" in s.text]


async def test_auto_prompt_fires_on_heat_not_on_calm(fake: FakeAdapter, bot) -> None:
    from bot.model import ChannelRef

    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    calm_channel = ChannelRef("fake", "calm", "space1")
    await chat(fake, bot, CALM, calm_channel)
    assert prompts(fake) == []
    await chat(fake, bot, HEATED)
    [prompt] = prompts(fake)
    assert {u.id for u in prompt.out.mentions} == {"alice", "bob"}
    assert prompt.card.reactions == ("📅", "🔕", "❓")
    assert [a.id.split(":")[1] for a in prompt.card.actions] == ["meet", "dismiss"]


async def test_why_lists_signals_once_and_never_text(fake: FakeAdapter, bot) -> None:
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await chat(fake, bot, HEATED)
    [prompt] = prompts(fake)
    before = len(fake.log)
    await fake.react(prompt, "❓", "alice")
    await fake.react(prompt, "❓", "bob")
    why = [s for s in fake.log[before:] if "I spoke up because" in s.text]
    assert len(why) == 1
    # The exchange is two people trading "you ..." lines: those are the reasons it must give.
    assert "between two people" in why[0].text
    assert "second-person" in why[0].text or "hostile" in why[0].text
    [show] = await fake.invoke("!config show", "mod", mod=True)
    assert "Last automatic prompt, why:" in show.text and "between two people" in show.text
    assert "Prompt wording:" in show.text
    for _, line in HEATED:
        assert line not in why[0].text and line not in show.text
    dump = "\n".join(str(tuple(r)) for r in await bot.db.fetchall("SELECT * FROM offline_prompts"))
    for word in ("dishonest", "lying", "ridiculous"):
        assert word not in dump


async def test_command_prompt_has_no_why_and_wording_comes_from_the_variants(fake: FakeAdapter) -> None:
    from cogs.offline.wording import VARIANTS

    [p1] = await fake.invoke("!offline", "carol")
    [p2] = await fake.invoke("!offline", "carol")
    assert p1.card.reactions == ("📅", "🔕")
    used = {w.name for w in VARIANTS for p in (p1, p2) if w.invite.strip(", ")[:40] in p.text}
    assert len(used) == 2  # consecutive prompts take both arms


async def test_dismissals_in_a_row_make_the_channel_quieter(fake: FakeAdapter, bot) -> None:
    from bot.model import ChannelRef

    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    cog = bot.cogs["offline"]
    channel = ChannelRef("fake", "general", "space1")
    streaks = []
    for answer in ("🔕", "🔕", "📅"):
        bot.clock.advance(timedelta(hours=7))
        await chat(fake, bot, HEATED)
        await fake.react(prompts(fake)[-1], answer, "alice")
        streaks.append(await cog._dismissals_in_a_row(channel))
    assert len(prompts(fake)) == 3
    assert streaks == [1, 2, 0]
    heat = cog._channels[channel.key].heat
    # Two in a row: prompted on half the share, so the line is higher than with none or one.
    assert heat.line("low", 2) > heat.line("low", 1) == heat.line("low", 0)
async def test_auto_is_off_by_default_and_cooldown_holds(fake: FakeAdapter, bot) -> None:
    await chat(fake, bot, HEATED)
    assert prompts(fake) == []
    await fake.invoke("!config set offline.auto on", "mod", mod=True)
    await chat(fake, bot, HEATED)
    await chat(fake, bot, HEATED)  # still heated, but within the 6h cooldown
    assert len(prompts(fake)) == 1
    bot.clock.advance(timedelta(hours=6))
    await chat(fake, bot, HEATED)
    assert len(prompts(fake)) == 2


async def test_command_prompt_propose_and_dismiss_are_recorded_without_text(fake: FakeAdapter, bot) -> None:
    await chat(fake, bot, CALM[:2])
    [p1] = await fake.invoke("!offline let's sort this out over coffee", "carol")
    assert {u.id for u in p1.out.mentions} == {"alice", "bob", "carol"}
    assert "let's sort this out over coffee" in p1.text
    await fake.react(p1, "📅", "bob")
    [poll] = [s for s in fake.log if "When could we meet?" in s.text]
    assert "#1" in poll.text and poll.card.reactions == ("1️⃣", "2️⃣", "3️⃣")
    assert "proposed a meetup" in p1.text
    [p2] = await fake.invoke("!offline")
    await fake.press(p2, p2.card.actions[1].id, "alice")
    assert "Not now" in p2.text
    [show] = await fake.invoke("!config show", "mod", mod=True)
    assert "Take-it-offline prompts: 2" in show.text and "1 dismissed" in show.text
    assert "1 led to a meetup poll" in show.text
    dump = "\n".join(str(tuple(r)) for r in await bot.db.fetchall("SELECT * FROM offline_prompts"))
    for _, text in CALM[:2]:
        assert text not in dump
    assert "coffee" not in dump


async def test_reasons_stored_before_they_had_a_direction_are_told_as_they_were(databases) -> None:  # type: ignore[no-untyped-def]
    """Earlier versions stored an input's name and showed its "high" words even when the input
    had pushed the score by being low (a two-line exchange shown as "a long back-and-forth").
    The upgrade keeps no reason it cannot vouch for."""
    from bot.postgres import PostgresDatabase
    from bot.storage import Database
    from cogs.offline.migrations import MIGRATIONS
    from cogs.offline.signals import describe

    url = databases("upgrade.db")
    db = PostgresDatabase(url) if url.startswith("postgresql://") else Database(url)
    await db.open()
    try:
        await db.migrate("offline", MIGRATIONS[:2])
        await db.execute("INSERT INTO offline_prompts(space, channel, at, auto, signals) "
                         "VALUES('s', 'c', 0, 1, 'log_n_msgs,you_rate,hedge_rate,two_people')")
        await db.migrate("offline", MIGRATIONS)
        [(stored,)] = await db.fetchall("SELECT signals FROM offline_prompts")
    finally:
        await db.close()
    # Which side an input pushed from cannot be told afterwards: only side-free reasons stay.
    assert describe(stored.split(",")) == ["between two people"]


async def test_a_channel_keeps_its_own_scale_across_a_restart(databases, clock) -> None:  # type: ignore[no-untyped-def]
    """A sensitivity is a share of the channel's own exchanges; what the bot has learned of a
    channel's scale survives a restart (scores only), instead of starting from the prior."""
    from bot.app import build_bot
    from cogs.offline.calibration import ScoreDistribution
    from cogs.offline.scorer import HeatScorer

    prior = HeatScorer().new_distribution().weight
    talk = (CALM * 4)[:30]

    async def run_and_stop() -> float:
        bot = await build_bot(databases(), clock=clock)
        fake = FakeAdapter()
        bot.add_adapter(fake)
        await bot.start()
        try:
            await fake.invoke("!config set offline.auto on", "mod", mod=True)
            await chat(fake, bot, talk)
        finally:
            await bot.stop()
        check = await build_bot(databases(), clock=clock)
        try:
            rows = await check.db.fetchall("SELECT channel, counts FROM offline_calibration")
        finally:
            await check.db.close()
        [(channel, counts)] = rows
        assert channel == fake.channel.key
        kept = ScoreDistribution.from_bytes(bytes(counts))
        assert kept is not None
        return kept.weight

    assert await run_and_stop() == pytest.approx(prior + 30)
    assert await run_and_stop() == pytest.approx(prior + 60)  # carried on from where it was


def test_a_kept_distribution_gives_the_same_lines_and_refuses_damage() -> None:
    from cogs.offline.calibration import BINS, ScoreDistribution
    from cogs.offline.scorer import HeatScorer

    dist = HeatScorer().new_distribution()
    for i in range(500):
        dist.observe((i * 0.618) % 1.0)
    again = ScoreDistribution.from_bytes(dist.to_bytes())
    assert again is not None and again.weight == pytest.approx(dist.weight)
    for rate in (0.02, 0.04, 0.4, 0.5):
        assert again.threshold(rate) == pytest.approx(dist.threshold(rate))
    assert ScoreDistribution.from_bytes(b"") is None
    assert ScoreDistribution.from_bytes(dist.to_bytes()[:-4]) is None
    assert ScoreDistribution.from_bytes(b"\xff\xff\xff\xff" * BINS) is None  # NaN counts
    assert ScoreDistribution.from_bytes(b"\x00" * 4 * BINS) is None  # nothing learned


async def _kept_weight(databases, channel_key: str) -> float | None:  # type: ignore[no-untyped-def]
    from bot.app import build_bot
    from cogs.offline.calibration import ScoreDistribution

    check = await build_bot(databases(), clock=None)
    try:
        row = await check.db.fetchone("SELECT counts FROM offline_calibration WHERE channel=?",
                                      (channel_key,))
    finally:
        await check.db.close()
    kept = ScoreDistribution.from_bytes(bytes(row[0])) if row is not None else None
    return kept.weight if kept is not None else None


async def test_a_scale_kept_under_another_model_is_not_used_and_first_messages_race_safely(
        databases, clock) -> None:  # type: ignore[no-untyped-def]
    """A retrained model scores on another scale: what was kept under the old one is set aside.
    Two messages arriving at once in a channel the bot has not scored yet both count."""
    import asyncio

    from bot.app import build_bot
    from cogs.offline.calibration import ScoreDistribution
    from cogs.offline.scorer import HeatScorer

    scorer = HeatScorer()
    old = ScoreDistribution([1.0 / 320] * 320, 5000.0)  # a scale learned over 5,000 exchanges
    bot = await build_bot(databases(), clock=clock)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    try:
        await bot.db.execute("INSERT INTO offline_calibration(channel, counts, model, saved_at) "
                             "VALUES(?, ?, 'an older model', 0)", (fake.channel.key, old.to_bytes()))
        await fake.invoke("!config set offline.auto on", "mod", mod=True)
        await asyncio.gather(fake.say("first at once", "alice"), fake.say("second at once", "bob"))
    finally:
        await bot.stop()
    weight = await _kept_weight(databases, fake.channel.key)
    assert weight == pytest.approx(scorer.new_distribution().weight + 2)


async def test_a_scale_is_kept_as_it_goes_and_when_a_channel_leaves_memory(
        databases, clock, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Kept every SAVE_EVERY exchanges (a crash loses at most that many), and when the least
    recently active channel is forgotten to make room."""
    from bot.app import build_bot
    from bot.model import ChannelRef
    from cogs.offline import cog as offline_cog
    from cogs.offline import memory
    from cogs.offline.calibration import ScoreDistribution
    from cogs.offline.scorer import HeatScorer

    prior = HeatScorer().new_distribution().weight
    monkeypatch.setattr(offline_cog, "MAX_CHANNELS", 1)
    bot = await build_bot(databases(), clock=clock)
    fake = FakeAdapter()
    bot.add_adapter(fake)
    await bot.start()
    other = ChannelRef(fake.channel.platform, "elsewhere", fake.channel.space)
    try:
        await fake.invoke("!config set offline.auto on", "mod", mod=True)
        await chat(fake, bot, (CALM * 7)[:memory.SAVE_EVERY])
        kept = await bot.db.fetchall("SELECT channel FROM offline_calibration")
        assert [r[0] for r in kept] == [fake.channel.key]  # kept without waiting for a stop
        await chat(fake, bot, CALM[:3])
        await chat(fake, bot, CALM[:1], channel=other)  # the first channel leaves memory
        offline = bot.cogs["offline"]
        await asyncio.gather(*offline._keeping)  # type: ignore[attr-defined]
        [(counts,)] = await bot.db.fetchall("SELECT counts FROM offline_calibration WHERE channel=?",
                                            (fake.channel.key,))
        weight = ScoreDistribution.from_bytes(bytes(counts))
        assert weight is not None and weight.weight == pytest.approx(prior + memory.SAVE_EVERY + 3)
    finally:
        await bot.stop()


async def test_a_proposed_meetup_poll_closes_before_its_first_slot_at_any_hour(fake: FakeAdapter, bot) -> None:
    from datetime import UTC, datetime

    await chat(fake, bot, CALM[:2])
    for _ in range(24 * 3):  # every hour of a weekend and a weekday, in 5-minute steps off the hour
        bot.clock.advance(timedelta(minutes=65))
        [prompt] = await fake.invoke("!offline")
        await fake.react(prompt, "📅", "bob")
        poll_id, closes_at = await bot.db.fetchone(
            "SELECT id, closes_at FROM polls ORDER BY id DESC LIMIT 1")
        poll = next(s for s in reversed(fake.log) if f"#{poll_id}" in s.text and "When could" in s.text)
        now = bot.clock.now()
        closes = datetime.fromtimestamp(closes_at, UTC)
        times = options_times(poll.text)
        assert len(times) == 3
        first = min(datetime.fromisoformat(s).replace(tzinfo=UTC) for s in times)
        assert now < closes <= now + timedelta(days=1)
        assert closes <= first - timedelta(hours=2), (now, closes, first)


def options_times(card_text: str) -> list[str]:
    """The option times shown on a poll card (`1️⃣ Mon 07 Dec 2026 18:30 UTC`), as ISO text."""
    import re
    from datetime import datetime

    found = re.findall(r"\u20e3 \w{3} (\d{2} \w{3} \d{4} \d{2}:\d{2}) UTC", card_text)
    return [datetime.strptime(f, "%d %b %Y %H:%M").isoformat() for f in found]
