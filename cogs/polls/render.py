"""Poll cards and results: each option with its count as a number, and a bar."""

from __future__ import annotations

from bot.render import Card, Line, Text, Time, line

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
        out.append(line(f"{NUMBERS[i]} ", opt, f" — {n} {bar(n, total)}{mark}"))
    return tuple(out)


def outcome(poll: Poll, tally: Tally) -> Line:
    leaders = tally.leaders()
    if not leaders:
        return line("No votes were cast.")
    if len(leaders) == 1:
        i = leaders[0]
        n = tally.counts[i]
        return line("Result: ", poll.options[i], f" with {n} vote{'s' if n != 1 else ''}")
    names: list = []
    for k, i in enumerate(leaders):
        names.extend([", " if k else "", poll.options[i]])
    return line("Tie between ", *names, f" ({tally.counts[leaders[0]]} votes each)")


def poll_card(poll: Poll, tally: Tally, prefix: str = "!") -> Card:
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
        title=f"📊 {poll.question}" if not poll.closed else f"📊 {poll.question} (closed)",
        ref=f"#{poll.id}",
        body=(*option_lines(poll, tally), status),
        footer=footer,
        reactions=NUMBERS[: len(poll.options)] if not poll.closed else (),
        color=0x5865F2,
    )


def results_text(poll: Poll, tally: Tally) -> Text:
    head = line(f"📊 Results of poll #{poll.id}: ", poll.question, " (closed)" if poll.closed else " (open)")
    return Text((head, *option_lines(poll, tally), outcome(poll, tally)))
