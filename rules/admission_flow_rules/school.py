"""Rules some schools add to the standard procedure.

Local rules, not national law (see ``SOURCES.md`` §1, "Order of A2 and A4
varies by place", and §6.8): a candidate in a school must have been on the
list of sympathizers (cảm tình Đảng) for at least twelve months before the
party committee verifies their background. The rule applies only to cases of
units whose ``kind`` is ``school``, and only to the ``verify_background`` event
of a procedure that opens cases with ``identify`` (``vn-2021`` and its
variants).

Register the module for the default of twelve months, or an instance of
``SympathizerPeriod`` for another period::

    plugins = admission_flow.Plugins([SympathizerPeriod(months=18)])
"""

from __future__ import annotations

from collections.abc import Iterable

import admission_flow as af

__all__ = ["RULE", "SOURCE", "SympathizerPeriod", "admission_flow_check_event"]

RULE = "school.sympathizer_twelve_months"
SOURCE = "Quy trình xét kết nạp đảng của Đảng ủy Trường ĐHSP Hà Nội 2 (quy định riêng của đơn vị)"
MESSAGE = af.Text(
    "Ở trường học, quần chúng phải ở trong danh sách cảm tình Đảng ít nhất {months} tháng "
    "trước khi thẩm tra lý lịch: từ {since} đến {on} mới {elapsed} tháng.",
    "In a school, a candidate must have been on the list of sympathizers for at least "
    "{months} months before the background check: from {since} to {on} is only {elapsed} months.",
)


class SympathizerPeriod:
    """The rule as a plugin object, with its own period in months."""

    def __init__(self, months: int = 12) -> None:
        if months < 1:
            raise ValueError("months must be at least 1")
        self.months = months

    @af.hookimpl
    def admission_flow_check_event(self, context: af.EventContext) -> Iterable[af.Violation]:
        if context.unit.kind != "school" or context.event.name != "verify_background":
            return ()
        identified = context.case.last("identify")
        if identified is None:
            return ()
        elapsed = af.months_between(identified.on, context.on)
        if elapsed >= self.months:
            return ()
        message = MESSAGE.format(
            months=self.months, since=identified.on, on=context.on, elapsed=elapsed
        )
        return (af.Violation(rule=RULE, message=message, source=SOURCE),)

    def __repr__(self) -> str:
        return f"SympathizerPeriod(months={self.months})"


_DEFAULT = SympathizerPeriod()


@af.hookimpl
def admission_flow_check_event(context: af.EventContext) -> Iterable[af.Violation]:
    """The rule with its default period, for registering this module itself."""
    return _DEFAULT.admission_flow_check_event(context)
