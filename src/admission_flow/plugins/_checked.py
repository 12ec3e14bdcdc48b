"""What a plugin's failures read like, and a plugin's calendar with each answer checked.

Split from ``_manager``: the manager calls the hooks, this module names the
plugin, the hook and what went wrong when one fails, in one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from admission_flow.exceptions import PluginError
from admission_flow.model._calendar import Calendar
from admission_flow.model._values import Text
from admission_flow.model._words import describe

__all__ = [
    "FAILURES",
    "CheckedCalendar",
    "bad_answer",
    "one_line",
    "plugin_error",
    "rule_failure",
    "short_repr",
]

#: Failures of a plugin that end in a ``PluginError``: exit 3, never a traceback.
FAILURES = (Exception, SystemExit)


class CheckedCalendar:
    """A plugin's calendar, each answer checked and each failure named."""

    def __init__(self, calendar: Calendar, plugin: str) -> None:
        #: The calendar the plugin chose.
        self.calendar = calendar
        self._calendar = calendar
        self._plugin = plugin

    def _call(self, what: str, function: Callable[[], Any]) -> Any:
        try:
            return function()
        except FAILURES as exc:
            raise PluginError(
                f"the calendar of plugin '{self._plugin}' raised {type(exc).__name__} in {what}: "
                f"{one_line(exc)}; nothing was changed",
                plugin=self._plugin,
                hook="admission_flow_resolve_calendar",
            ) from exc

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        due = self._call("add_working_days", lambda: self._calendar.add_working_days(start, days))
        if type(due) is not dt.date or due < start:
            raise bad_answer(
                self._plugin,
                "admission_flow_resolve_calendar",
                due,
                f"add_working_days({start.isoformat()}, {days}) to give a date on or after {start.isoformat()}",
            )
        return due

    def days_off(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, Text]]:
        days: list[tuple[dt.date, Text]] = self._call(
            "days_off", lambda: list(self._calendar.days_off(start, end))
        )
        for item in days:
            if not (
                isinstance(item, tuple)
                and len(item) == 2
                and type(item[0]) is dt.date
                and isinstance(item[1], Text)
            ):
                raise bad_answer(
                    self._plugin,
                    "admission_flow_resolve_calendar",
                    item,
                    "days_off() to give (date, Text) pairs",
                )
        return days

    def __getattr__(self, name: str) -> Any:
        return getattr(self._calendar, name)

    def __repr__(self) -> str:
        return repr(self._calendar)


def rule_failure(plugin: str, rule: str, what: str) -> PluginError:
    """The error for a rule's check that raised or answered wrongly while an event was judged."""
    return PluginError(
        f"rule '{rule}' of plugin '{plugin}' {one_line(what)}; nothing was changed",
        plugin=plugin,
        hook=None,
        rule=rule,
    )


def one_line(what: object) -> str:
    """A message on one line, however many its original had."""
    return " ".join(str(what).split())


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters."""
    text = one_line(repr(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plugin_error(plugin: str, hook: str, exc: BaseException) -> PluginError:
    if isinstance(exc, PluginError):
        return exc
    return PluginError(
        f"plugin '{plugin}' raised {type(exc).__name__} in {hook}: {one_line(exc)}; nothing was changed",
        plugin=plugin,
        hook=hook,
    )


def bad_answer(plugin: str, hook: str, answer: Any, expected: str) -> PluginError:
    return PluginError(
        f"plugin '{plugin}' returned {describe(answer)} from {hook}; return {expected}",
        plugin=plugin,
        hook=hook,
    )
