"""Rules some schools add to the standard procedure, and who in a school must be a member.

``SchoolPositions`` (installed on the entry point as ``school``) reads the unit
file: in units of kind ``school``, the positions the file says must be held by
members (``targets.members_in``, often set once for every school with
``by_kind: {school: ...}``). The source article's district asks this of its
schools: heads of subject departments, the Youth Union secretary and the
trade-union chair must be party members. Whoever holds one of them and is not
a member is put on the school's source list. A unit of another kind, or a
school with no such target, gets nothing.

The sympathizer rule below is registered on purpose (``-p`` or ``Plugins``),
as before: it refuses events, so it is not switched on by installing.

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
from admission_flow import units

__all__ = [
    "POSITIONS",
    "POSITIONS_RULE",
    "RULE",
    "SOURCE",
    "SchoolPositions",
    "SympathizerPeriod",
    "admission_flow_add_boundaries",
    "admission_flow_check_event",
]

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

    @af.hookimpl
    def admission_flow_add_boundaries(self, procedure: af.Procedure) -> Iterable[af.Boundary]:
        """Where the rule turns, for ``admission-flow check``: a school, at the background check."""
        if "verify_background" not in procedure.events:
            return ()
        return (
            af.Boundary(note="a school", unit={"kind": "school"}, events=("verify_background",)),
        )

    def __repr__(self) -> str:
        return f"SympathizerPeriod(months={self.months})"


_DEFAULT = SympathizerPeriod()


@af.hookimpl
def admission_flow_check_event(context: af.EventContext) -> Iterable[af.Violation]:
    """The rule with its default period, for registering this module itself."""
    return _DEFAULT.admission_flow_check_event(context)


@af.hookimpl
def admission_flow_add_boundaries(procedure: af.Procedure) -> Iterable[af.Boundary]:
    """The rule's boundary with its default period (see ``SympathizerPeriod``)."""
    return _DEFAULT.admission_flow_add_boundaries(procedure)


POSITIONS_RULE = "school.members_in_positions"
POSITIONS_SOURCE = (
    "Quận ủy Liên Chiểu, Đảng ủy phường Hòa Hiệp Bắc (2023): tổ trưởng bộ môn, bí thư đoàn, "
    "chủ tịch công đoàn trường học phải là đảng viên (chỉ đạo của địa phương)"
)


class SchoolPositions:
    """In a school, the positions the unit file names must be held by members."""

    @af.hookimpl
    def admission_flow_check_unit(self, context: units.UnitContext) -> Iterable[units.Finding]:
        node, tree = context.node, context.tree
        if node.kind != "school" or not node.holders:
            return ()  # not a school, or a school whose positions the file does not record
        required: tuple[str, ...] | None = tree.target(node.id, "members_in")
        if not required:
            return ()
        holders = [h for h in node.holders if set(h.positions) & set(required)]
        outside = [h for h in holders if not h.member]
        vacant = [p for p in required if not node.holders_of(p)]
        names = af.Text(
            ", ".join(tree.positions[p].label.vi.lower() for p in required),
            ", ".join(tree.positions[p].label.en for p in required),
        )
        message = af.Text(
            "Ở trường học, {names} phải là đảng viên: {outside} trong {total} người giữ các "
            "chức danh này chưa là đảng viên{vacant_vi}.",
            "In a school, the {names} must be party members: {outside} of the {total} people "
            "holding these positions are not{vacant_en}.",
        ).format(
            names=names,
            outside=len(outside),
            total=len(holders),
            vacant_vi=f"; chưa có người giữ: {', '.join(vacant)}" if vacant else "",
            vacant_en=f"; nobody holds: {', '.join(vacant)}" if vacant else "",
        )
        return (
            units.Finding(
                rule=POSITIONS_RULE,
                unit=node.id,
                message=message,
                source=POSITIONS_SOURCE,
                met=not outside and not vacant,
                figures={"holders": len(holders), "not_members": len(outside), "vacant": vacant},
                people=tuple(h.id for h in outside),
            ),
        )

    def __repr__(self) -> str:
        return "SchoolPositions()"


#: The object the entry point ``school`` registers.
POSITIONS = SchoolPositions()
