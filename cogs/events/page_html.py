"""The event pages' HTML: small, server-rendered, readable on a phone, no external assets.
Every user string goes through html.escape. Times are written in the space's zone and turned
into the reader's own by one small inline script (allowed by its hash only); a reader whose
clocks read as the group's at the start and the end (the same zone, maybe under another name,
or one that keeps the same offsets) is told so, not shown the same times twice."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from html import escape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import regex

from bot.timeparse import format_time
from bot.web import csp_hash

from .names import told_apart_parts
from .repo import Attendee, Event, Roster
from .upcoming import Next

# A title, place or name with no spaces (a long address) wraps rather than widening a phone's page.
STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;"
         "color:#111;background:#fff;overflow-wrap:anywhere}h1{font-size:1.5rem;margin:.2rem 0}"
         "ul{padding-left:1.2rem}.muted{color:#555}a{color:#0645ad}dl{display:grid;"
         "grid-template-columns:max-content minmax(0,1fr);gap:.2rem 1rem}dt{font-weight:600}"
         "@media (prefers-color-scheme:dark){body{background:#111;color:#eee}.muted{color:#aaa}"
         "a{color:#8ab4f8}}.act a{display:inline-block;padding:.625rem 0;margin-right:1.5rem}")
# Browsers name a zone as ICU does, and ICU still names these by what they were called before
# the tz database renamed them (a reader in Asia/Kolkata would be told "Asia/Calcutta"). Only
# renames: zones the tz database merged into another stay as the browser says them.
RENAMED = {"America/Buenos_Aires": "America/Argentina/Buenos_Aires",
           "America/Catamarca": "America/Argentina/Catamarca", "America/Cordoba": "America/Argentina/Cordoba",
           "America/Jujuy": "America/Argentina/Jujuy", "America/Mendoza": "America/Argentina/Mendoza",
           "America/Indianapolis": "America/Indiana/Indianapolis",
           "America/Louisville": "America/Kentucky/Louisville", "America/Godthab": "America/Nuuk",
           "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Katmandu": "Asia/Kathmandu", "Asia/Calcutta": "Asia/Kolkata",
           "Asia/Rangoon": "Asia/Yangon", "Atlantic/Faeroe": "Atlantic/Faroe", "Europe/Kiev": "Europe/Kyiv",
           "Pacific/Enderbury": "Pacific/Kanton"}
SCRIPT = ("for(const t of document.querySelectorAll('time[data-local]')){const d=new Date(t.dateTime);"
          "t.textContent=d.toLocaleString(undefined,{weekday:'short',day:'numeric',month:'short',"
          "year:'numeric',hour:'2-digit',minute:'2-digit',timeZoneName:'short'});}"
          "const own=[...document.querySelectorAll('time[data-offset]')].every(t=>"
          "-new Date(t.dateTime).getTimezoneOffset()==+t.dataset.offset);"
          "if(own){for(const s of document.querySelectorAll('[data-same]')){s.hidden=false;}}else{"
          "const zone=Intl.DateTimeFormat().resolvedOptions().timeZone;"
          f"for(const z of document.querySelectorAll('[data-zone]')){{z.textContent=({json.dumps(RENAMED)})[zone]||zone;}}"
          "for(const w of document.querySelectorAll('[data-whose]')){w.textContent='your';}"
          "for(const g of document.querySelectorAll('[data-group]')){g.hidden=false;}}")
GOOGLE_LINK_MAX = 2000  # characters: what every browser, mail client and chat app passes whole
# A character as a reader sees it (Unicode's extended grapheme cluster): the link's cuts fall
# between them. `regex`, not `re`, knows them; dateparser brings it.
_GRAPHEME = regex.compile(r"\X")
CSP = (f"default-src 'none'; style-src {csp_hash(STYLE)}; script-src {csp_hash(SCRIPT)}; "
       "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}"
            f"<script>{SCRIPT}</script></body></html>")


def _own(said: str) -> str:
    """What someone typed, escaped and isolated: a name, title or place that turns text right to
    left (U+202E) turns only itself, not the times and names written after it."""
    return f"<bdi>{escape(said)}</bdi>"


def _time(at: datetime, tz: ZoneInfo, *, offset: bool = False) -> str:
    """`offset`: the group's offset from UTC then, in minutes, for the script to compare."""
    gap = at.astimezone(tz).utcoffset() if offset else None
    return (f"<time data-local datetime=\"{at.astimezone(ZoneInfo('UTC')).isoformat()}\""
            + (f" data-offset=\"{gap // timedelta(minutes=1)}\"" if gap is not None else "")
            + f">{escape(format_time(at, tz))}</time>")


def _google(event: Event, page: str) -> str:
    """Google's template link to the event, and the page (with all of it) in its details; within
    GOOGLE_LINK_MAX, what it says cut, each in turn, where it must: what the details say, the
    place, then the title, each ending in "…" (a cut title or place) and never cut inside a
    character as a reader sees it (an emoji of several code points, a letter and its accents)."""
    fmt = "%Y%m%dT%H%M%SZ"
    utc = ZoneInfo("UTC")
    dates = f"{event.starts_at.astimezone(utc):{fmt}}/{event.ends_at.astimezone(utc):{fmt}}"
    title, place, said = (_GRAPHEME.findall(s) for s in (event.title, event.location, event.details))

    def link(text: str, where: str, details: str, address: str = page) -> str:
        q = {"action": "TEMPLATE", "text": text, "dates": dates, "location": where,
             "details": f"{details}\n\n{address}" if details and address else details or address}
        return "https://calendar.google.com/calendar/render?" + urlencode({k: v for k, v in q.items() if v})

    whole = link(event.title, event.location, event.details)
    if len(whole) <= GOOGLE_LINK_MAX:
        return whole
    tries: list[tuple[int, Callable[[int], str]]] = [
        (len(said), lambda k: link(event.title, event.location, _cut(said, k) if k else "")),
        (len(place), lambda k: link(event.title, _cut(place, k), "")),
        (len(title), lambda k: link(_cut(title, k), _cut(place, 0), "")),
        # Only an address longer than the link may be goes too.
        (len(title), lambda k: link(_cut(title, k), _cut(place, 0), "", ""))]
    for n, make in tries:
        if len(make(0)) <= GOOGLE_LINK_MAX:
            low, high = 0, n  # the most kept that fits
            while low < high:
                mid = (low + high + 1) // 2
                low, high = (mid, high) if len(make(mid)) <= GOOGLE_LINK_MAX else (low, mid - 1)
            return make(low)
    return tries[-1][1](0)  # a title and a place of "…" alone: it always fits


def _cut(graphemes: list[str], keep: int) -> str:
    """The first `keep` of them, saying the rest was cut; all of them where they are no more."""
    return "".join(graphemes) if keep >= len(graphemes) else "".join(graphemes[:keep]).rstrip() + "…"


def _names(heading: str, people: tuple[Attendee, ...], names: bool, labels: Mapping[str, str]) -> str:
    """A list as the card writes its names (those who look alike told apart, a shared event's
    people with their platform), all of them."""
    # The platform and ID after a name are the bot's words: a name turning text around leaves them be.
    shown = (": " + ", ".join(_own(n) + escape(tag) for n, tag in told_apart_parts(people, labels))
             if names and people else "")
    return f"<li>{escape(heading)}{shown}</li>"


def event_page(event: Event, roster: Roster, tz: ZoneInfo, now: datetime, *, names: bool, ics_href: str,
               page: str, repeats: str | None, labels: Mapping[str, str]) -> str:
    going, wait, maybe, _ = roster.counts()
    cap = f"{going}/{event.capacity}" if event.capacity else str(going)
    state = " (cancelled)" if event.cancelled else ""
    rows = [f"<dt>When</dt><dd>{_time(event.starts_at, tz, offset=True)} – "
            f"{_time(event.ends_at, tz, offset=True)}"
            # Without the script the times stay in the group's zone, and say so.
            f"<br><span class=\"muted\">shown in <span data-whose>the group's</span> timezone, "
            f"<span data-zone>{escape(tz.key)}</span><span data-same hidden>, the same as yours</span>"
            f"<span data-group hidden>; the group's is "
            f"{escape(tz.key)}: {escape(format_time(event.starts_at, tz))} – "
            f"{escape(format_time(event.ends_at, tz))}</span></span></dd>"]
    if event.location:
        rows.append(f"<dt>Where</dt><dd>{escape(event.location)}</dd>")
    if repeats:
        rows.append(f"<dt>Repeats</dt><dd>{escape(repeats)}</dd>")
    if event.details:
        rows.append(f"<dt>Details</dt><dd>{escape(event.details)}</dd>")
    lists = [_names(f"Going ({cap})", roster.going, names, labels),
             _names(f"Maybe ({maybe})", roster.maybe, names, labels)]
    if wait:
        lists.append(_names(f"Waitlist ({wait})", roster.waitlist, names, labels))
    if event.goal:
        lists.append(f"<li>Goal ({going}/{event.goal})</li>")
    # Google's link makes an event that knows nothing of a cancellation; its .ics says so.
    google = ("" if event.cancelled else f"<a href=\"{escape(_google(event, page))}\" "
              "rel=\"noopener noreferrer\">Add to Google Calendar</a>")
    status = ("It was cancelled." if event.cancelled else "It has ended." if event.ends_at <= now
              else "RSVP in the chat.")
    body = (f"<main><p class=\"muted\">#{event.id}</p><h1>{_own(event.title)}{state}</h1>"
            f"<dl>{''.join(rows)}</dl><h2>Who's coming</h2><ul>{''.join(lists)}</ul>"
            f"<p class=\"act\"><a href=\"{escape(ics_href)}\" download>Add to your calendar (.ics)</a>{google}</p>"
            f"<p class=\"muted\">{status}</p></main>")
    return _page(event.title, body)


def _item(item: tuple[Event, Roster, str] | Next, tz: ZoneInfo) -> str:
    if isinstance(item, Next):  # no page of its own until it is posted
        s = item.series
        return (f"<li>{_own(s.title)} — {_time(item.starts_at, tz)}"
                + (f" — {_own(s.location)}" if s.location else "")
                + f" — <span class=\"muted\">🔁 {escape(s.words_in(tz))}; not posted yet</span></li>")
    e, r, href = item
    return (f"<li><a href=\"{escape(href)}\">{_own(e.title)}</a> — {_time(e.starts_at, tz)}"
            + (f" — {_own(e.location)}" if e.location else "")
            + f" — Going ({r.counts()[0]}{f'/{e.capacity}' if e.capacity else ''})</li>")


def space_page(title: str, items: list[tuple[Event, Roster, str] | Next], tz: ZoneInfo, ics_href: str,
               space: str = "") -> str:
    """`space`: the name its calendar feed goes by, said under the heading."""
    lis = "".join(_item(i, tz) for i in items)
    body = (f"<main><h1>{escape(title)}</h1>" + (f"<p>{_own(space)}</p>" if space else "")
            + (f"<ul>{lis}</ul>" if items else "<p>No upcoming events.</p>")
            + f"<p class=\"act\"><a href=\"{escape(ics_href)}\">Subscribe (.ics)</a></p></main>")
    return _page(f"{title}: {space}" if space else title, body)
