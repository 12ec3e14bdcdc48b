"""Working days and calendar months: how deadlines and ages are counted.

``Engine(..., calendar=...)`` takes any ``Calendar``; the default is
``VietnamCalendar`` (public holidays, lunar ones included, and the government's
swapped days). ``WeekdayCalendar`` counts Monday to Friday, for tests and places
without holiday data. See ``docs/calendar.md``.
"""

from .model._calendar import Calendar, VietnamCalendar, WeekdayCalendar
from .model._dates import add_months, months_between

__all__ = ["Calendar", "VietnamCalendar", "WeekdayCalendar", "add_months", "months_between"]
