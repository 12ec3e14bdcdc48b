"""Working days, and deadlines that say how they were counted.

"Working days" (ngày làm việc) are Monday to Friday, minus Vietnam's public
holidays (Tết and the other lunar holidays included), plus the Saturdays the
government swaps in as working days when it moves a holiday. The holiday data
comes from the ``holidays`` package, which follows the government's yearly
decisions; this module only counts.

The calendar is pluggable: anything with the two methods of ``Calendar`` will
do, passed to the engine or returned by a plugin's
``admission_flow_resolve_calendar``.
"""

from __future__ import annotations

import abc
import datetime as dt
import functools
import re
from typing import Protocol, runtime_checkable

from admission_flow.exceptions import ArgumentTypeError, InputError

from ._dates import format_date_en, format_date_vi
from ._values import Text
from ._words import describe

__all__ = ["Calendar", "VietnamCalendar", "WeekdayCalendar"]

_ONE_DAY = dt.timedelta(days=1)
#: The most working days one count may span (about forty years): beyond it a
#: count would run past the holiday data, and is a mistake.
MAX_WORKING_DAYS = 10_000
#: holidays' English names give a swapped day in US order ("substituted from 05/04/2024").
_US_DATE = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


def _english_name(name: str) -> str:
    """A holiday's English name, with any date in ISO order beside our ISO dates."""
    return _US_DATE.sub(lambda m: f"in place of {m[3]}-{m[1]}-{m[2]}", name)


@runtime_checkable
class Calendar(Protocol):
    """What the engine needs of a calendar."""

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
        ...  # pragma: no cover - protocol

    def days_off(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, Text]]:
        """Holidays and swapped days off that fall on weekdays in ``(start, end]``."""
        ...  # pragma: no cover - protocol


class _Counting(abc.ABC):
    """Counts working days with the subclass's ``is_working_day``."""

    @abc.abstractmethod
    def is_working_day(self, day: dt.date) -> bool:
        """Whether people work on ``day``."""

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        if type(start) is not dt.date or type(days) is not int:
            raise ArgumentTypeError(
                f"add_working_days takes a date and a whole number, not {describe(start)} "
                f"and {describe(days)}",
                field="days",
            )
        if days < 0:
            raise InputError(f"days must not be negative, not {days}", field="days")
        if days > MAX_WORKING_DAYS:
            raise InputError(f"days must be at most {MAX_WORKING_DAYS:,}, not {days}", field="days")
        day = start
        while days > 0:
            day += _ONE_DAY
            if self.is_working_day(day):
                days -= 1
        return day


class WeekdayCalendar(_Counting):
    """Monday to Friday, with no holidays: for tests and for places without holiday data."""

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5

    def days_off(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, Text]]:
        return []


class VietnamCalendar(_Counting):
    """Vietnam's working days, from the ``holidays`` package.

    Holiday years are loaded when first needed and kept; results are cached,
    so counting the same deadline twice costs a dictionary lookup.
    """

    def __init__(self, *, subdivision: str | None = None) -> None:
        self._subdivision = subdivision
        self._years: dict[int, tuple[dict[dt.date, Text], frozenset[dt.date]]] = {}

    def _year(self, year: int) -> tuple[dict[dt.date, Text], frozenset[dt.date]]:
        found = self._years.get(year)
        if found is None:
            # Imported on first use: ``holidays`` holds every country's data and is a
            # quarter of ``import admission_flow`` for programs that never count a day.
            import holidays

            vi = holidays.country_holidays(
                "VN", years=year, language="vi", subdiv=self._subdivision
            )
            en = holidays.country_holidays(
                "VN", years=year, language="en_US", subdiv=self._subdivision
            )
            names = {day: Text(str(vi[day]), _english_name(str(en[day]))) for day in sorted(vi)}
            workdays = frozenset(d for d in getattr(vi, "weekend_workdays", ()) if d.year == year)
            found = self._years[year] = (names, workdays)
        return found

    def is_working_day(self, day: dt.date) -> bool:
        names, workdays = self._year(day.year)
        if day in workdays:
            return True
        return day.weekday() < 5 and day not in names

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one calendar per engine, few distinct dates
    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        return super().add_working_days(start, days)

    def extra_working_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Weekend days in ``(start, end]`` the government made working days."""
        days: list[dt.date] = []
        for year in range(start.year, end.year + 1):
            _, workdays = self._year(year)
            days.extend(d for d in workdays if start < d <= end)
        return sorted(days)

    def days_off(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, Text]]:
        result: list[tuple[dt.date, Text]] = []
        for year in range(start.year, end.year + 1):
            names, _ = self._year(year)
            result.extend(
                (day, name)
                for day, name in names.items()
                if start < day <= end and day.weekday() < 5
            )
        return sorted(result, key=lambda item: item[0])

    def __repr__(self) -> str:
        return (
            "VietnamCalendar()"
            if self._subdivision is None
            else f"VietnamCalendar(subdivision={self._subdivision!r})"
        )


def explain(
    calendar: Calendar,
    *,
    label: Text,
    start: dt.date,
    months: int,
    counted_from: dt.date,
    working_days: int,
    due: dt.date,
) -> Text:
    """How a due date was counted, in both languages.

    ``label`` names what started the clock (an event), ``start`` is its date,
    and counting begins ``months`` later, on ``counted_from``.
    """
    off = calendar.days_off(counted_from, due)
    extra_days = getattr(calendar, "extra_working_days", None)
    extra: list[dt.date] = extra_days(counted_from, due) if extra_days is not None else []
    vi_from = f"bước “{label.vi}” ngày {format_date_vi(start)}"
    en_from = f"“{label.en}” on {format_date_en(start)}"
    if months:
        vi_from = f"khi đủ {months} tháng kể từ {vi_from} ({format_date_vi(counted_from)})"
        en_from = f"the {months} months from {en_from} ({format_date_en(counted_from)})"
    vi_off = "; ".join(f"{format_date_vi(d)} {name.vi}" for d, name in off)
    en_off = "; ".join(f"{format_date_en(d)} {name.en}" for d, name in off)
    vi_extra = ", ".join(format_date_vi(d) for d in extra)
    en_extra = ", ".join(format_date_en(d) for d in extra)
    return Text(
        f"{working_days} ngày làm việc sau {vi_from}, không tính thứ Bảy, Chủ nhật"
        + (f" và ngày nghỉ ({vi_off})" if off else "")
        + (f", có tính ngày làm bù ({vi_extra})" if extra else "")
        + f": hạn {format_date_vi(due)}",
        f"{working_days} working days after {en_from}, not counting weekends"
        + (f" or days off ({en_off})" if off else "")
        + (f", counting the swapped working days ({en_extra})" if extra else "")
        + f": due {format_date_en(due)}",
    )
