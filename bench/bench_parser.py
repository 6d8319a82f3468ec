"""Benchmark: reading a typed command line (bot.commands.CommandRegistry.resolve), worst cases.

    python bench/bench_parser.py [--repeat 20]

Every text command is parsed on the event loop, so a line built to be slow delays every other
message. Each case is a line of up to the longest a command may be, made of one pattern that
once made the scan for quotes quadratic (many words opening an apostrophe, apostrophes inside
words, `name=` words), plus ordinary long lines for comparison; each is also timed at a quarter
of its length, so the ratio says how the time grows (about 4 when linear, 16 when quadratic).
The registry is the real one, from a bot built on a temporary database.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import header, tmpdir

from bot.app import build_bot
from bot.commands import MAX_LINE, CommandRegistry, UsageError

CASES = {
    "words opening an apostrophe": ("poll create Q ", "'a ", ""),
    "opening and inner apostrophes": ("event create ", "'a'b ", "when=x"),
    "openers, then inner apostrophes": ("event create ", "'a b'c ", "when=x"),
    "quotes before name= words": ("event create ", "'a x= ", ""),
    "backslashes": ("event create ", "\\", ""),
    "a value running on": ("event create t when=", "a ", ""),
    "poll options": ("poll create Q ", "x | ", ""),
}


def best_ms(reg: CommandRegistry, line: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            reg.resolve(line)
        except UsageError:
            pass
        best = min(best, time.perf_counter() - start)
    return best * 1e3


async def main(repeat: int) -> None:
    header("command line parsing, worst cases")
    bot = await build_bot(str(tmpdir("parser") / "b.db"), rate_limit=False)
    try:
        table(bot.commands, repeat)
    finally:
        await bot.db.close()


def table(reg: CommandRegistry, repeat: int) -> None:
    print(f"{'case':34s} {'chars':>6s} {'best ms':>8s} {'x4 ratio':>8s}")
    for name, (head, unit, tail) in CASES.items():
        n = (MAX_LINE - len(head) - len(tail)) // len(unit)
        full = best_ms(reg, head + unit * n + tail, repeat)
        quarter = best_ms(reg, head + unit * (n // 4) + tail, repeat)
        print(f"{name:34s} {len(head + unit * n + tail):6d} {full:8.2f} {full / quarter:8.1f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=20)
    asyncio.run(main(p.parse_args().repeat))
