"""Calendar-month arithmetic, as the Party's texts count it.

A period of N months that starts on day D ends on day D of the N-th month
after; where that month has no day D (31 April, 29 February in a common
year), it ends on the month's last day. Ages and validity periods are
counted in whole months this way.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["add_months", "ended_before", "format_date_en", "format_date_vi", "months_between"]


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(start: dt.date, months: int) -> dt.date:
    """The date ``months`` calendar months after ``start`` (before, if negative)."""
    year, month = divmod(start.year * 12 + (start.month - 1) + months, 12)
    month += 1
    day = start.day
    if day > 28:
        day = min(day, _days_in_month(year, month))
    return dt.date(year, month, day)


def ended_before(start: dt.date, months: int, day: dt.date) -> bool:
    """Whether the period of ``months`` from ``start`` ended before ``day``.

    ``day > add_months(start, months)``, in whole numbers, without building the
    end date: a rule's hot path (a certificate's validity at every vote).
    """
    end = start.year * 12 + start.month - 1 + months
    month = day.year * 12 + day.month - 1
    if month != end:
        return month > end
    last = start.day
    if last > 28:
        year, index = divmod(end, 12)
        last = min(last, _days_in_month(year, index + 1))
    return day.day > last


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end``: the largest n with add_months(start, n) <= end.

    Negative when ``end`` is before ``start``.
    """
    year, month, day = end.year, end.month, end.day
    months = (year - start.year) * 12 + (month - start.month)
    # add_months(start, months) falls in end's month; only its day can overshoot,
    # and only when start's day (clamped to that month's length) is after end's: a
    # day up to the 28th is in every month, so only a later one asks the month's length.
    first = start.day
    if first > day and (first <= 28 or _days_in_month(year, month) > day):
        months -= 1
    return months


def format_date_vi(day: dt.date) -> str:
    """``05/02/2024``: how Vietnamese documents write dates."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def format_date_en(day: dt.date) -> str:
    """``2024-02-05``: ISO 8601."""
    return day.isoformat()
