"""Working days: ``VietnamCalendar`` (weekends, Tết, swapped days) and ``WeekdayCalendar``.

Expected days off are those of the government's decisions: Tết 2024 off
08/02–14/02/2024; Tết 2025 off 25/01–02/02/2025; for 30/4–1/5 2024 the
Saturday 04/05/2024 is worked and Monday 29/04/2024 is off.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.calendar import Calendar, VietnamCalendar, WeekdayCalendar

D = dt.date
DAY = dt.timedelta(days=1)

TET_2024_WEEKDAYS = [D(2024, 2, 8), D(2024, 2, 9), D(2024, 2, 12), D(2024, 2, 13), D(2024, 2, 14)]
TET_2025_WEEKDAYS = [D(2025, 1, 27) + n * DAY for n in range(5)]  # Monday to Friday


@pytest.fixture
def calendar() -> VietnamCalendar:
    return VietnamCalendar()


def test_both_calendars_satisfy_the_protocol() -> None:
    """Both calendars are ``Calendar``s the engine accepts."""
    assert isinstance(VietnamCalendar(), Calendar)
    assert isinstance(WeekdayCalendar(), Calendar)


# -- VietnamCalendar -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2023, 9, 15), 0, D(2023, 9, 15)),  # zero days: the start itself
        (D(2023, 10, 13), 1, D(2023, 10, 16)),  # Friday -> Monday
        (D(2023, 10, 14), 1, D(2023, 10, 16)),  # Saturday -> Monday
        (D(2023, 10, 15), 1, D(2023, 10, 16)),  # Sunday -> Monday
        (D(2023, 10, 16), 5, D(2023, 10, 23)),  # one week
        (D(2024, 2, 7), 1, D(2024, 2, 15)),  # across Tết 2024
        (D(2024, 2, 7), 2, D(2024, 2, 16)),
        (D(2025, 1, 24), 1, D(2025, 2, 3)),  # across Tết 2025
        (D(2024, 4, 26), 1, D(2024, 5, 2)),  # 29/4 swapped off, 30/4 and 1/5 holidays
        (D(2024, 5, 3), 1, D(2024, 5, 4)),  # Saturday 4/5/2024 is worked
        (D(2024, 5, 4), 1, D(2024, 5, 6)),
        (D(2023, 12, 29), 1, D(2024, 1, 2)),  # New Year's Day
    ],
)
def test_add_working_days(
    calendar: VietnamCalendar, start: dt.date, days: int, expected: dt.date
) -> None:
    """Counting skips weekends and days off, and counts swapped working Saturdays."""
    assert calendar.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2023, 10, 13), True),  # Friday
        (D(2023, 10, 14), False),  # Saturday
        (D(2023, 10, 15), False),  # Sunday
        *((day, False) for day in TET_2024_WEEKDAYS),
        (D(2024, 2, 7), True),
        (D(2024, 2, 15), True),
        *((day, False) for day in TET_2025_WEEKDAYS),
        (D(2025, 1, 24), True),
        (D(2025, 2, 3), True),
        (D(2024, 5, 4), True),  # the swapped working Saturday
        (D(2024, 4, 29), False),  # the swapped day off
        (D(2024, 4, 30), False),
        (D(2024, 5, 1), False),
        (D(2024, 5, 11), False),  # an ordinary Saturday after it
    ],
)
def test_is_working_day(calendar: VietnamCalendar, day: dt.date, working: bool) -> None:
    """Weekdays work unless off; Saturdays rest unless swapped in."""
    assert calendar.is_working_day(day) is working


def test_negative_working_days_are_refused(calendar: VietnamCalendar) -> None:
    """Counting backwards is not a deadline: ValueError."""
    with pytest.raises(ValueError, match="must not be negative"):
        calendar.add_working_days(D(2024, 1, 1), -1)


def test_days_off_over_tet_2024(calendar: VietnamCalendar) -> None:
    """Tết 2024's weekdays off, named in Vietnamese and English; its weekend days are left out."""
    off = calendar.days_off(D(2024, 2, 1), D(2024, 2, 29))
    assert [day for day, _ in off] == TET_2024_WEEKDAYS
    names = dict(off)
    assert names[D(2024, 2, 9)] == af.Text("Giao thừa Tết Nguyên Đán", "Lunar New Year's Eve")
    assert all(name.vi and name.en for name in names.values())
    assert all("Tết" in name.vi for name in names.values())
    assert all("Lunar New Year" in name.en for name in names.values())


def test_days_off_over_tet_2025(calendar: VietnamCalendar) -> None:
    """Tết 2025: Monday 27 to Friday 31 January 2025, named in both languages."""
    off = calendar.days_off(D(2025, 1, 20), D(2025, 2, 10))
    assert [day for day, _ in off] == TET_2025_WEEKDAYS
    assert dict(off)[D(2025, 1, 29)] == af.Text("Tết Nguyên Đán", "Lunar New Year")


def test_days_off_include_the_swapped_day_off(calendar: VietnamCalendar) -> None:
    """Monday 29/4/2024 is listed as a day off in place of Saturday 4/5/2024."""
    off = dict(calendar.days_off(D(2024, 4, 26), D(2024, 5, 6)))
    assert sorted(off) == [D(2024, 4, 29), D(2024, 4, 30), D(2024, 5, 1)]
    assert "04/05/2024" in off[D(2024, 4, 29)].vi
    assert off[D(2024, 4, 29)].en.startswith("Day off")
    assert off[D(2024, 4, 30)].vi == "Ngày Chiến thắng"
    assert off[D(2024, 5, 1)].en == "International Labor Day"


def test_days_off_range_excludes_its_start_and_includes_its_end(
    calendar: VietnamCalendar,
) -> None:
    """``days_off`` covers (start, end]."""
    assert [d for d, _ in calendar.days_off(D(2024, 2, 8), D(2024, 2, 9))] == [D(2024, 2, 9)]
    assert [d for d, _ in calendar.days_off(D(2024, 2, 7), D(2024, 2, 8))] == [D(2024, 2, 8)]
    assert calendar.days_off(D(2024, 2, 15), D(2024, 2, 29)) == []


def test_days_off_across_years(calendar: VietnamCalendar) -> None:
    """A range across New Year lists the days off of both years."""
    off = [d for d, _ in calendar.days_off(D(2023, 12, 20), D(2024, 2, 10))]
    assert off == [D(2024, 1, 1), D(2024, 2, 8), D(2024, 2, 9)]


# -- WeekdayCalendar -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2023, 10, 13), 0, D(2023, 10, 13)),
        (D(2023, 10, 13), 1, D(2023, 10, 16)),
        (D(2023, 10, 14), 1, D(2023, 10, 16)),
        (D(2024, 2, 7), 1, D(2024, 2, 8)),  # Tết is a working day here
        (D(2024, 5, 3), 1, D(2024, 5, 6)),  # and no Saturday is
        (D(2024, 1, 25), 30, D(2024, 3, 7)),
    ],
)
def test_weekday_calendar_counts_monday_to_friday(
    start: dt.date, days: int, expected: dt.date
) -> None:
    """Monday to Friday, no holidays."""
    assert WeekdayCalendar().add_working_days(start, days) == expected


def test_weekday_calendar_has_no_days_off() -> None:
    """``days_off`` is always empty, Tết included."""
    assert WeekdayCalendar().days_off(D(2024, 1, 1), D(2025, 12, 31)) == []


# -- properties --------------------------------------------------------------------------

starts = st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31))
counts = st.integers(min_value=0, max_value=300)


def count_working_days(calendar: VietnamCalendar, start: dt.date, end: dt.date) -> int:
    """Working days in (start, end], one by one."""
    day, found = start, 0
    while day < end:
        day += DAY
        found += calendar.is_working_day(day)
    return found


@given(starts, counts)
def test_vietnam_result_is_a_working_day_n_after(start: dt.date, days: int) -> None:
    """add_working_days(d, n) is a working day, and exactly n working days lie in (d, result]."""
    calendar = VietnamCalendar()
    result = calendar.add_working_days(start, days)
    if days:
        assert calendar.is_working_day(result)
    else:
        assert result == start
    assert count_working_days(calendar, start, result) == days


@given(starts, counts, counts)
def test_vietnam_counting_in_two_steps_is_counting_once(
    start: dt.date, first: int, second: int
) -> None:
    """n then m working days is n + m working days."""
    calendar = VietnamCalendar()
    middle = calendar.add_working_days(start, first)
    assert calendar.add_working_days(middle, second) == calendar.add_working_days(
        start, first + second
    )


@given(starts, counts)
def test_days_off_are_exactly_the_weekdays_not_worked(start: dt.date, days: int) -> None:
    """Within (d, result], ``days_off`` lists exactly the weekdays that are not working days."""
    calendar = VietnamCalendar()
    end = calendar.add_working_days(start, days)
    off = [day for day, _ in calendar.days_off(start, end)]
    expected = []
    day = start
    while day < end:
        day += DAY
        if day.weekday() < 5 and not calendar.is_working_day(day):
            expected.append(day)
    assert off == expected


@given(starts, counts)
def test_weekday_result_is_a_weekday_n_after(start: dt.date, days: int) -> None:
    """WeekdayCalendar: the result is a weekday with exactly n weekdays in (d, result]."""
    result = WeekdayCalendar().add_working_days(start, days)
    span = [start + n * DAY for n in range(1, (result - start).days + 1)]
    assert sum(day.weekday() < 5 for day in span) == days
    if days:
        assert result.weekday() < 5
    else:
        assert result == start
