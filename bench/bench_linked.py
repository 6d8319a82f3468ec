"""Linked spaces under a storm: reactions on both sides of one poll shared by a Discord channel
and a Matrix room linked in one bot (issue 20).

    python bench/bench_linked.py [--discord 2500] [--matrix 2500] [--matrix-users 100]
                                 [--senders 16] [--discord-seconds 10]

The platforms: the fake Discord (tests/discord_fake) in this process and a real Synapse
(tests/matrix_harness, loopback, /dev/shm, rate limits raised). The bot: `python -m bot.cli run`
in a child process with [discord] and [matrix] on one SQLite file on disk, as in production.
A moderator links the two (/link, then `!link CODE` in the room); /poll create on Discord
with 10 options and multi=yes, so every reaction present is one vote and the truth is exact.

Each reaction toggles a random (person, option): a vote, or taking it back when there.
Discord: `--discord` of them by 250 members, through the fake's gateway (FakeDiscord
add_reaction/remove_reaction: the platform's truth, then MESSAGE_REACTION_ADD/REMOVE), at an
even rate over `--discord-seconds`. Matrix: `--matrix` events (m.reaction, or the redaction
of one) by `--matrix-users` nio clients, `--senders` requests in flight, as fast as Synapse
takes them; each person's in order. Both sides start together.

Reported, all read on the platforms: each side's rate; the time until both cards show the
truth (Discord: the fake's message; Matrix: the card's latest m.replace from /relations), the
truth itself (Discord: the fake's reactions; Matrix: the annotations /relations still lists);
edits of each card in any 5 s window (Discord: when each PATCH reached the fake; Matrix: the
edits' origin_server_ts) against the adapters' pacing, 5 per 5 s; the bot's CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import time
from collections import defaultdict
from typing import Any

import aiohttp
from _common import header, load, tmpdir

from bot.adapter import Capabilities  # noqa: E402
from tests.adapters.linked.kit import CliBot, DiscordSide, MatrixSide  # noqa: E402
from tests.matrix_harness import HumanFactory, Synapse  # noqa: E402

NUMBERS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
OPTIONS = ("Park", "Cafe", "Library", "Beach", "Museum", "Pub", "Zoo", "Pier", "Hall", "Garden")
QUESTION = "Storm: where?"
PACE = Capabilities()  # both adapters declare 5 edits per 5 s per channel (checked below)


def plan(n: int, people: list[str], rng: random.Random) -> list[tuple[str, int, bool]]:
    """n toggles of random (person, option): (person, option, added)."""
    present: set[tuple[str, int]] = set()
    out = []
    for _ in range(n):
        pair = (rng.choice(people), rng.randrange(len(OPTIONS)))
        added = pair not in present
        (present.add if added else present.discard)(pair)
        out.append((pair[0], pair[1], added))
    return out


def counts(body: str) -> list[int]:
    found = [re.search(rf"{re.escape(NUMBERS[i])} {o} — (\d+)", body) for i, o in enumerate(OPTIONS)]
    return [int(m.group(1)) if m else -1 for m in found]


def tightest(times: list[float], n: int) -> float:
    """The shortest time spanned by n edits in a row (inf with fewer)."""
    times = sorted(times)
    return min((times[i + n - 1] - times[i] for i in range(len(times) - n + 1)), default=float("inf"))


def max_in_window(times: list[float], window: float = 5.0) -> int:
    times, best, j = sorted(times), 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


async def relations(http: aiohttp.ClientSession, syn: Synapse, token: str, room: str,
                    event_id: str, rel: str) -> list[dict[str, Any]]:
    url = f"{syn.url}/_matrix/client/v1/rooms/{room}/relations/{event_id}/{rel}"
    out: list[dict[str, Any]] = []
    params = {"limit": "1000", "dir": "f"}
    while True:
        async with http.get(url, params=params, headers={"Authorization": f"Bearer {token}"}) as r:
            data = await r.json()
        assert r.status == 200, data
        out.extend(data["chunk"])
        if not data.get("next_batch"):
            return out
        params["from"] = data["next_batch"]


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    syn = Synapse()
    syn.start()
    factory = HumanFactory(syn)
    d_people = [f"d{i}" for i in range(250)]
    discord = await DiscordSide.open(*d_people)
    t = time.perf_counter()
    matrix = MatrixSide.open(syn, factory, "host", *(f"m{i}" for i in range(args.matrix_users)))
    folder = tmpdir("linked")
    cli = CliBot(folder, folder / "logoff.db", discord, matrix)
    try:
        await cli.start()
        await matrix.make_room()
        print(f"set-up: {args.matrix_users + 2} Matrix accounts, room joined by all, bot running: "
              f"{time.perf_counter() - t:.1f} s")
        linked = await discord.slash("mod", "link")
        code = re.search(r"link ([A-Z0-9]{4}-[A-Z0-9]{4})", linked.text)
        assert code, linked.text
        await matrix.say("mod", f"!link {code.group(1)}")
        await matrix.card("Linked with Discord channel")
        await discord.slash("mod", "poll create", {"question": QUESTION, "options": " | ".join(OPTIONS),
                                                   "multi": True})
        card_d, card_m = discord.card(QUESTION), await matrix.card(QUESTION)
        await asyncio.sleep(2.0)  # both cards tracked before anyone reacts (a faster reaction is dropped)

        d_plan = plan(args.discord, d_people, rng)
        m_plan = plan(args.matrix, [f"m{i}" for i in range(args.matrix_users)], rng)
        edits_before = len(discord.fake.edits)
        cpu0 = cpu_s(cli.proc.pid)  # type: ignore[union-attr]
        start = time.perf_counter()
        storm_ms = time.time() * 1000

        async def discord_side() -> float:
            rate = len(d_plan) / args.discord_seconds
            i = 0
            while i < len(d_plan):
                upto = min(len(d_plan), int((time.perf_counter() - start) * rate) + 1)
                for person, opt, added in d_plan[i:upto]:
                    discord.react(person, card_d, NUMBERS[opt], added=added)
                i = upto
                await asyncio.sleep(0.002)
            return time.perf_counter() - start

        gate = asyncio.Semaphore(args.senders)

        async def person(name: str, ops: list[tuple[int, bool]]) -> None:
            for opt, added in ops:
                async with gate:
                    if added:
                        await matrix.react(name, card_m, NUMBERS[opt])
                    else:
                        await matrix.unreact(name, card_m, NUMBERS[opt])

        async def matrix_side() -> float:
            by_person: dict[str, list[tuple[int, bool]]] = defaultdict(list)
            for name, opt, added in m_plan:
                by_person[name].append((opt, added))
            await asyncio.gather(*(person(n, ops) for n, ops in by_person.items()))
            return time.perf_counter() - start

        d_took, m_took = await asyncio.gather(discord_side(), matrix_side())

        async with aiohttp.ClientSession() as http:
            token = matrix.reader.account.access_token

            async def matrix_card() -> str:
                edits = await relations(http, syn, token, matrix.room, card_m, "m.replace")
                latest = max(edits, key=lambda e: e["origin_server_ts"])
                return str(latest["content"]["m.new_content"]["body"])

            truth_d = [sum(1 for u in discord.fake.reaction_users(card_d, e) if u != discord.fake.bot_id)
                       for e in NUMBERS]
            notes = await relations(http, syn, token, matrix.room, card_m, "m.annotation")
            truth_m = [sum(1 for e in notes if e["sender"] != matrix.bot_id
                           and e["content"]["m.relates_to"]["key"] == k) for k in NUMBERS]
            local_m = [0] * len(OPTIONS)
            for _name, opt, added in m_plan:
                local_m[opt] += 1 if added else -1
            truth = [a + b for a, b in zip(truth_d, truth_m, strict=True)]
            deadline, shown_d, shown_m = time.perf_counter() + args.settle, [-1], [-1]
            while time.perf_counter() < deadline:
                shown_d, shown_m = counts(discord.text(card_d)), counts(await matrix_card())
                if shown_d == truth and shown_m == truth:
                    break
                await asyncio.sleep(0.25)
            converged = time.perf_counter() - start
            m_edit_ts = [e["origin_server_ts"] / 1000 for e in
                         await relations(http, syn, token, matrix.room, card_m, "m.replace")
                         if e["origin_server_ts"] >= storm_ms]
        cpu = cpu_s(cli.proc.pid) - cpu0  # type: ignore[union-attr]
        d_edit_t = [e.at for e in discord.fake.edits[edits_before:] if e.message_id == card_d]
        n_d, n_m = len(d_plan), len(m_plan)
        print(f"reactions: {n_d + n_m} ({n_d} on Discord by {len(d_people)} members, {n_m} on Matrix by "
              f"{args.matrix_users} accounts, {args.senders} in flight); "
              f"votes taken back among them: {sum(1 for p in d_plan + m_plan if not p[2])}")
        print(f"Discord: {n_d} gateway events in {d_took:.2f} s ({n_d / d_took:,.0f}/s)")
        print(f"Matrix: {n_m} events accepted by Synapse in {m_took:.2f} s ({n_m / m_took:,.0f}/s)")
        print(f"truth: Discord {truth_d} + Matrix {truth_m} = {truth} (Matrix as sent: {local_m})")
        exact = shown_d == truth and shown_m == truth and truth_m == local_m
        print(f"cards at the end: Discord {shown_d}, Matrix {shown_m}  [exact on both: "
              f"{'MET' if exact else 'NOT MET'}]; both exact {converged:.2f} s after the storm began "
              f"({converged - max(d_took, m_took):.2f} s after the last reaction was sent)")
        worst_d, worst_m = max_in_window(d_edit_t), max_in_window(m_edit_ts)
        limit = PACE.edits_per_window
        paced = worst_d <= limit and worst_m <= limit
        print(f"card edits: Discord {len(d_edit_t)}, Matrix {len(m_edit_ts)}; most in any "
              f"{PACE.edit_window_s:.0f} s window: Discord {worst_d}, Matrix {worst_m}  "
              f"[<= {limit} per {PACE.edit_window_s:.0f} s on each: {'MET' if paced else 'NOT MET'}]; "
              f"shortest span of {limit + 1} edits in a row: Discord {tightest(d_edit_t, limit + 1):.3f} s, "
              f"Matrix {tightest(m_edit_ts, limit + 1):.3f} s")
        print(f"bot process CPU during the storm and until both cards were exact: {cpu:.1f} s "
              f"over {converged:.1f} s; log errors: {len(cli.problems())}")
        return exact and paced and not cli.problems()
    finally:
        cli.kill9()
        for h in factory.made:
            await h.close()
        await discord.fake.stop()
        syn.cleanup()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--discord", type=int, default=2500, help="reactions on the Discord card")
    p.add_argument("--matrix", type=int, default=2500, help="reactions on the Matrix card")
    p.add_argument("--matrix-users", type=int, default=100)
    p.add_argument("--senders", type=int, default=16, help="Matrix requests in flight")
    p.add_argument("--discord-seconds", type=float, default=10.0)
    p.add_argument("--settle", type=float, default=120.0, help="seconds to wait for exact cards")
    p.add_argument("--seed", type=int, default=20)
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    header("linked spaces: a reaction storm on one poll, Discord + Matrix (issue 20)")
    ok = asyncio.run(run(args))
    print(f"# {load()} at the end")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
