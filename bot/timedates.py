"""Dates people write for a meetup: on the calendar; written without a year, the nearest
such date (refused when that is one just passed); a day of the month alone ("the 24th"), the
next one. Used by bot/timephrases.py."""

from __future__ import annotations

from datetime import date

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")


class DateRefused(ValueError):
    """A date that is not on the calendar, or a yearless one that has passed. `said`
    follows the text quoted back; `instead`, if any, is the date to suggest writing, with
    its year, after the words `lead`."""

    def __init__(self, said: str, instead: date | None = None, lead: str = "write") -> None:
        super().__init__(said)
        self.said, self.instead, self.lead = said, instead, lead


_LONGEST = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _on_calendar(month: int, day: int) -> None:
    """Refuses a month or day no year has, saying which part is wrong."""
    if not 1 <= month <= 12:
        raise DateRefused(f"is not a real date: there is no month {month} (months go from 1 to 12)")
    longest = _LONGEST[month - 1]
    if not 1 <= day <= longest:
        most = "at most 29" if month == 2 else str(longest)
        raise DateRefused(f"is not a real date: {MONTHS[month - 1].title()} has {most} days")


def real_date(year: int, month: int, day: int) -> date:
    if month == 2 and day > 28 and 1 <= year <= 9999 and not _exists(year, 2, 29):  # its February, said
        raise DateRefused(f"is not a real date: February {year} has 28 days")
    _on_calendar(month, day)
    if not _exists(year, month, day):
        raise ValueError(f"no year {year}")
    return date(year, month, day)


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def dated(day: int, month: int, year: str | None, today: date) -> date:
    """A day and month, in the given year or else the nearest such date.

    A date written without its year means the nearest one: people leave out the year
    when it is the obvious one. When that nearest is this year's and it has passed
    ("dec 5" said on 6 Dec) it is a time in the past, most likely a slip, and is refused
    rather than moved almost a year on; when next year's is the nearer ("jan 5" said in
    December) it is next year's. This year's counts as nearer when it is no further
    back than next year's is ahead, which is at about half a year."""
    if year is not None:
        return real_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    _on_calendar(month, day)
    this_year = date(today.year, month, day) if _exists(today.year, month, day) else None
    if this_year is not None and this_year >= today:
        return this_year
    later = next(date(y, month, day) for y in range(today.year + 1, today.year + 9)
                 if _exists(y, month, day))
    if this_year is not None and today - this_year <= later - today:
        lead = "for next year write" if later.year == today.year + 1 else f"the next is in {later.year}:"
        raise DateRefused(f"is {this_year:%a %d %b %Y}, which has passed", later, lead)
    if later.year > today.year + 1:  # 29 February, with no such day this year or next
        raise DateRefused(f"is not a real date: there is no 29 February in {today.year} or "
                          f"{today.year + 1}; the next is in {later.year}", later)
    return later


def of_month(day: int, today: date) -> date:
    """"the 24th": this month's, from today on, else next month's. A month without that day
    is refused (not skipped), naming the next month that has it."""
    if not 1 <= day <= 31:
        raise DateRefused(f"is not a real date: no month has a day {day}")
    year, month = (today.year, today.month) if day >= today.day else (
        today.year + today.month // 12, today.month % 12 + 1)
    if _exists(year, month, day):
        return date(year, month, day)
    later = next(date(y, mo, day) for y, mo in ((year + (month + n - 1) // 12, (month + n - 1) % 12 + 1)
                                                 for n in range(1, 3)) if _exists(y, mo, day))
    days = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
    raise DateRefused(f"names no day of {MONTHS[month - 1].title()} {year}, which has {days} days", later,
                      "for the next one write")
