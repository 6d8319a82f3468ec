"""The turnout chart of `stats`: a bar chart (PNG) of going and checked in per event, and the
same chart in text for where an image is not seen (a terminal, a screen reader).

Counts only: the bars are labelled by event number and date, never by title or by anyone's
name. Drawn with matplotlib's Agg canvas on a Figure of its own (no pyplot and no global
backend, so concurrent charts share no state); matplotlib is imported on first use, so a bot
that never draws one does not pay for the import.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

WIDTH_PX, HEIGHT_PX, DPI = 800, 400, 100
GOING, HERE = "#5865F2", "#57F287"  # bar colours (tests find the bars by them)
MAX_BARS = 30  # events in one chart: the latest ones
TEXT_BAR = 20


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # "#12 05 Dec"
    going: int
    here: int


def png(bars: list[Bar], title: str) -> bytes:
    """The chart as a PNG of WIDTH_PX x HEIGHT_PX."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    bars = bars[-MAX_BARS:]
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = range(len(bars))
    width = 0.38
    top = max([1, *(b.going for b in bars), *(b.here for b in bars)])
    going = ax.bar([x - width / 2 for x in xs], [b.going for b in bars], width, color=GOING, label="going",
                   antialiased=False)
    here = ax.bar([x + width / 2 for x in xs], [b.here for b in bars], width, color=HERE,
                  label="checked in", antialiased=False)
    if len(bars) <= 15:  # the numbers themselves, where there is room for them
        ax.bar_label(going, fontsize=8)
        ax.bar_label(here, fontsize=8)
    ax.set_xticks(list(xs), [b.label.replace(" ", "\n", 1) for b in bars], fontsize=7)
    ax.set_ylim(0, top * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("people")
    ax.set_title(title, fontsize=11)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def text_chart(bars: list[Bar]) -> str:
    """The same bars in text, one event a line: going, then checked in."""
    bars = bars[-MAX_BARS:]
    top = max([1, *(b.going for b in bars), *(b.here for b in bars)])
    width = max((len(b.label) for b in bars), default=0)

    def bar(n: int, mark: str) -> str:
        return mark * round(TEXT_BAR * n / top)

    lines = [f"{'':{width}}  going {'█'} / checked in {'▒'}"]
    for b in bars:
        lines.append(f"{b.label:{width}}  {bar(b.going, '█')} {b.going}")
        lines.append(f"{'':{width}}  {bar(b.here, '▒')} {b.here}")
    return "\n".join(lines)
