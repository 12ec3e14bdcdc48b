"""Calendar-month arithmetic, as the Party's texts count it.

A period of N months that starts on day D ends on day D of the N-th month
after; where that month has no day D (31 April, 29 February in a common
year), it ends on the month's last day. Ages and validity periods are
counted in whole months this way.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["add_months", "format_date_en", "format_date_vi", "months_between"]


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


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end``: the largest n with add_months(start, n) <= end.

    Negative when ``end`` is before ``start``.
    """
    months = (end.year - start.year) * 12 + (end.month - start.month)
    # add_months(start, months) falls in end's month; only its day can overshoot,
    # and only when start's day (clamped to that month's length) is after end's.
    if start.day > end.day and min(start.day, _days_in_month(end.year, end.month)) > end.day:
        months -= 1
    return months


def format_date_vi(day: dt.date) -> str:
    """``05/02/2024``: how Vietnamese documents write dates."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def format_date_en(day: dt.date) -> str:
    """``2024-02-05``: ISO 8601."""
    return day.isoformat()
