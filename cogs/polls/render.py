"""Poll cards and results: each option with its count as a number, and a bar."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.bidi import isolate
from bot.render import Card, Choices, Line, Text, Time, line
from bot.timeparse import format_time

from .repo import Poll, Tally

NUMBERS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
BAR = 10


def bar(n: int, total: int) -> str:
    filled = round(BAR * n / total) if total else 0
    return "█" * filled + "░" * (BAR - filled)


def option_lines(poll: Poll, tally: Tally) -> tuple[Line, ...]:
    total = sum(tally.counts)
    leaders = set(tally.leaders()) if poll.closed else set()
    out = []
    for i, (opt, n) in enumerate(zip(poll.options, tally.counts, strict=True)):
        mark = " 🏆" if i in leaders else ""
        at = poll.time_of(i)
        shown: tuple[str | Time, ...] = (Time(at),) if at else (opt,)
        out.append(line(f"{NUMBERS[i]} ", *shown, f" — {n} {bar(n, total)}{mark}"))
    return tuple(out)


def votes(n: int) -> str:
    return f"{n} vote{'s' if n != 1 else ''}"


def option(poll: Poll, i: int) -> str | Time:
    at = poll.time_of(i)
    return Time(at) if at else poll.options[i]


def option_text(poll: Poll, i: int, tz: ZoneInfo) -> str:
    """`option` as plain text, for a sentence: a time with its date, in `tz`."""
    at = poll.time_of(i)
    return format_time(at, tz) if at else isolate(poll.options[i])


def outcome(poll: Poll, tally: Tally) -> Line:
    leaders = tally.leaders()
    if not leaders:
        return line("No votes were cast." if poll.closed else "No votes yet.")
    lead = "Result: " if poll.closed else "Leading: "
    if len(leaders) == 1:
        i = leaders[0]
        return line(lead, option(poll, i), f" with {votes(tally.counts[i])}")
    names: list[str | Time] = []
    for k, i in enumerate(leaders):
        names.extend([", " if k else "", option(poll, i)])
    return line("Tie between ", *names, f" ({votes(tally.counts[leaders[0]])} each)")


def choices(poll: Poll) -> Choices:
    return Choices(isolate(poll.question), tuple(line(option(poll, i)) for i in range(len(poll.options))),
                   multi=poll.multi, closed=poll.closed, closes=poll.closes_at)


def poll_card(poll: Poll, tally: Tally, prefix: str = "!", *, native: bool = False) -> Card:
    kind = "several choices allowed" if poll.multi else "one choice"
    if poll.closed:
        status = line("Closed. ", *outcome(poll, tally))
        footer = f"{tally.voters} voter{'s' if tally.voters != 1 else ''}"
    else:
        status = line(f"Vote by reacting with a number ({kind}), or {prefix}poll vote {poll.id} <n>.")
        if poll.closes_at:
            status = status + line(" Closes ", Time(poll.closes_at, relative=True), ".")
        footer = f"{tally.voters} voter{'s' if tally.voters != 1 else ''} so far"
    return Card(
        title=f"📊 {isolate(poll.question)}" + (" (closed)" if poll.closed else ""),
        ref=f"#{poll.id}",
        body=(*option_lines(poll, tally), status),
        footer=footer,
        reactions=NUMBERS[: len(poll.options)] if not poll.closed else (),
        color=0x5865F2,
        choices=choices(poll) if native else None,
    )


def results_text(poll: Poll, tally: Tally) -> Text:
    head = line(f"📊 Results of poll #{poll.id}: ", poll.question, " (closed)" if poll.closed else " (open)")
    return Text((head, *option_lines(poll, tally), outcome(poll, tally)))
