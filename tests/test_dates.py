"""Calendar-month arithmetic: ``add_months`` and ``months_between``.

A period of N months from day D ends on day D of the N-th month after, or on
that month's last day when it has no day D.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af

D = dt.date

dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31))
month_counts = st.integers(min_value=-1200, max_value=1200)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2023, 5, 20), 0, D(2023, 5, 20)),
        (D(2023, 5, 20), 1, D(2023, 6, 20)),
        (D(2023, 12, 15), 1, D(2024, 1, 15)),
        (D(2023, 5, 20), 60, D(2028, 5, 20)),
        # Month ends clamp to the shorter month's last day.
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 5, 31), 1, D(2024, 6, 30)),
        (D(2024, 3, 31), 6, D(2024, 9, 30)),
        (D(2005, 3, 31), 215, D(2023, 2, 28)),
        (D(1963, 8, 31), 721, D(2023, 9, 30)),
        # 29 February: common years end on the 28th, leap years keep the 29th.
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2004, 2, 29), 216, D(2022, 2, 28)),
        (D(2024, 2, 29), 1, D(2024, 3, 29)),
        # Negative: months before.
        (D(2024, 1, 15), -1, D(2023, 12, 15)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2023, 3, 31), -1, D(2023, 2, 28)),
        (D(2025, 2, 28), -12, D(2024, 2, 28)),
        (D(2023, 6, 15), -24, D(2021, 6, 15)),
    ],
)
def test_add_months_examples(start: dt.date, months: int, expected: dt.date) -> None:
    """Whole calendar months, clamped to the month's last day."""
    assert af.add_months(start, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2023, 5, 20), D(2023, 5, 20), 0),
        (D(2023, 5, 20), D(2023, 6, 19), 0),
        (D(2023, 5, 20), D(2023, 6, 20), 1),
        (D(2023, 5, 20), D(2028, 5, 19), 59),
        (D(2023, 5, 20), D(2028, 5, 20), 60),
        (D(2005, 9, 15), D(2023, 9, 14), 215),
        (D(2005, 9, 15), D(2023, 9, 15), 216),
        # Month ends: the 31st reaches a month on its last day.
        (D(2024, 1, 31), D(2024, 2, 28), 0),
        (D(2024, 1, 31), D(2024, 2, 29), 1),
        (D(2024, 3, 31), D(2024, 4, 30), 1),
        (D(2005, 3, 31), D(2023, 2, 27), 214),
        (D(2005, 3, 31), D(2023, 2, 28), 215),
        (D(2005, 3, 31), D(2023, 3, 30), 215),
        (D(2005, 3, 31), D(2023, 3, 31), 216),
        # 29 February birthdays: 18 on 28 February of a common year.
        (D(2004, 2, 29), D(2022, 2, 27), 215),
        (D(2004, 2, 29), D(2022, 2, 28), 216),
        (D(2004, 2, 29), D(2024, 2, 28), 239),
        (D(2004, 2, 29), D(2024, 2, 29), 240),
        # Negative: the largest n with add_months(start, n) <= end.
        (D(2024, 3, 15), D(2024, 3, 14), -1),
        (D(2024, 3, 15), D(2024, 2, 15), -1),
        (D(2024, 3, 15), D(2024, 2, 14), -2),
        (D(2024, 3, 15), D(2024, 1, 16), -2),
        (D(2024, 3, 15), D(2024, 1, 15), -2),
    ],
)
def test_months_between_examples(start: dt.date, end: dt.date, expected: int) -> None:
    """Whole months from start to end, counted as ``add_months`` counts them."""
    assert af.months_between(start, end) == expected


@given(dates, dates)
def test_months_between_brackets_the_end(start: dt.date, end: dt.date) -> None:
    """add_months(d, m) <= e < add_months(d, m + 1) for m = months_between(d, e), e >= d or not."""
    months = af.months_between(start, end)
    assert af.add_months(start, months) <= end < af.add_months(start, months + 1)
    if end >= start:
        assert months >= 0


@given(dates, month_counts)
def test_months_between_inverts_add_months(start: dt.date, months: int) -> None:
    """months_between(d, add_months(d, n)) == n, clamped month ends included."""
    assert af.months_between(start, af.add_months(start, months)) == months


@given(dates, month_counts)
def test_add_months_keeps_the_day_or_clamps_it(start: dt.date, months: int) -> None:
    """The result is ``months`` months away, on the same day or its month's last day."""
    result = af.add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day == start.day or (
        result.day < start.day and (result + dt.timedelta(days=1)).day == 1
    )


@given(dates, dates, month_counts)
def test_add_months_is_monotonic(first: dt.date, second: dt.date, months: int) -> None:
    """A later start never gives an earlier result."""
    first, second = sorted((first, second))
    assert af.add_months(first, months) <= af.add_months(second, months)


@given(dates, st.integers(0, 600), st.integers(0, 600))
def test_adding_months_in_two_steps_never_overshoots(
    start: dt.date, first: int, second: int
) -> None:
    """Clamping can only shorten a two-step period, never lengthen it."""
    assert af.add_months(af.add_months(start, first), second) <= af.add_months(
        start, first + second
    )


@given(dates, st.integers(min_value=-1200, max_value=1200), dates)
def test_ended_before_agrees_with_add_months(start: dt.date, months: int, day: dt.date) -> None:
    """The rules' shortcut (no end date built) says what comparing with the end date says."""
    from admission_flow.model._dates import ended_before

    assert ended_before(start, months, day) is (day > af.add_months(start, months))


@pytest.mark.parametrize(
    ("start", "day", "expected"),
    [
        (D(2019, 3, 10), D(2024, 3, 10), False),  # on the 60th month's anniversary: not ended
        (D(2019, 3, 10), D(2024, 3, 11), True),  # the day after
        (D(2019, 8, 31), D(2024, 8, 31), False),
        # 29 February 2020 + 60 months: 2025 has no 29 February, the period ends on the 28th.
        (D(2020, 2, 29), D(2025, 2, 28), False),
        (D(2020, 2, 29), D(2025, 3, 1), True),
        (D(2020, 2, 29), D(2025, 1, 31), False),
        (D(2018, 12, 31), D(2023, 12, 31), False),
        (D(2018, 12, 31), D(2024, 1, 1), True),
    ],
)
def test_ended_before_at_month_ends(start: dt.date, day: dt.date, expected: bool) -> None:
    from admission_flow.model._dates import ended_before

    assert ended_before(start, 60, day) is expected
