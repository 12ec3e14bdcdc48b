"""Rules across cases: what a person's earlier cases allow before a new one opens.

Pure functions over the cases a register already holds for one person, for the
register to call when a case is opened (contract: ``STANDARD_PROCEDURE.md``,
"Across cases" and "Revision 3", items 8 and 10): one open case per person
(``case.one_open``), each case judged by its own procedure's final states; a
person admitted and not departed is not admitted again; and, whenever the
person left the Party before (``Person.left``, or ``left=``), with or without
earlier cases in the register, the re-admission rules judged when a case
opens: never for the excluded reasons, only once. The waiting period and the
province's consent are steps of the case itself (``readmission.waiting_period``
at the application, ``readmission.consent`` before the decision).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable

from admission_flow.exceptions import ArgumentTypeError
from admission_flow.model._checks import check_bool, check_date
from admission_flow.model._dates import add_months, months_between
from admission_flow.model._departure import LEAVING_REASONS, Departure
from admission_flow.model._leaving import EXCLUDED, REASONS, excluded_reason
from admission_flow.model._values import Case, Person, Text, Violation

__all__ = [
    "ENDS",
    "EXCLUDED_REASONS",
    "LEAVING_REASONS",
    "READMISSION_MONTHS",
    "Departure",
    "check_new_case",
]

#: The final states of ``vn-2021``: the default when a case's own procedure is not given.
ENDS: frozenset[str] = frozenset({"official", "withdrawn", "rejected", "removed"})
#: States a case reaches only once the person was admitted.
_ADMITTED = frozenset({"admitted", "probation", "escalated", "official"})
#: Months after leaving the Party before re-admission may be considered (judged at the
#: application by ``readmission.waiting_period``).
READMISSION_MONTHS = 36
#: Why a member left the Party that rules re-admission out (``asked_to_leave`` only
#: without real hardship, ``Departure.hardship``).
EXCLUDED_REASONS: tuple[str, ...] = EXCLUDED

SOURCE_ONE_OPEN = "procedure definition (one register entry per person)"
SOURCE_READMISSION = "QĐ 24-QĐ/TW §3.5 (kết nạp lại); HD 01-HD/TW §1.1"

_MESSAGES = {
    "case.one_open": Text(
        "{person} đã có hồ sơ đang mở ({case}, trạng thái {state}); mỗi người chỉ một hồ sơ mở "
        "một lúc: đóng hồ sơ đó trước.",
        "{person} already has an open case ({case}, in state {state}); one open case per person "
        "at a time: close that case first.",
    ),
    "readmission.still_member": Text(
        "{person} đã được kết nạp ({case}) và chưa ra khỏi Đảng; không thể kết nạp lại một đảng viên.",
        "{person} was admitted ({case}) and has not left the Party; a member cannot be admitted again.",
    ),
    "readmission.thirty_six_months": Text(
        "Kết nạp lại chỉ xét khi đã ra khỏi Đảng ít nhất {needed} tháng: từ {left} đến {on} mới "
        "{elapsed} tháng (xét được từ {from_date}).",
        "Re-admission is considered only {needed} months after leaving the Party: from {left} "
        "to {on} is only {elapsed} months (possible from {from_date}).",
    ),
    "readmission.once": Text(
        "{person} đã được kết nạp lại một lần ({case}); chỉ được kết nạp lại một lần.",
        "{person} was already re-admitted once ({case}); re-admission is allowed only once.",
    ),
    "readmission.excluded_reason": Text(
        "Không xét kết nạp lại người đã ra khỏi Đảng vì lý do: {reason} (trừ người xin ra khỏi "
        "Đảng vì hoàn cảnh gia đình đặc biệt khó khăn).",
        "Nobody who left the Party for this reason may be re-admitted: {reason} (except one who "
        "asked to leave because of very difficult family circumstances).",
    ),
}

#: The final states of a case: one set for all, or each case's own procedure's.
Ends = Collection[str] | Callable[[Case], Collection[str]]


def _violation(rule: str, source: str, **values: object) -> Violation:
    return Violation(rule=rule, message=_MESSAGES[rule].format(**values), source=source)


def check_new_case(
    person: Person,
    existing_cases: Iterable[Case],
    on: dt.date,
    *,
    left: Departure | None = None,
    provincial_consent: bool = False,
    ends: Ends = ENDS,
) -> list[Violation]:
    """Every reason a new case for ``person`` may not be opened on ``on``; empty if it may.

    Args:
        person: the candidate of the new case.
        existing_cases: the cases the register holds; those of other people are ignored.
        on: the date the new case would open.
        left: when and why the person last left the Party; ``person.left`` by
            default. A person whose last admission ended in ``removed`` (xóa tên
            khỏi danh sách đảng viên dự bị) left on that step's date, struck off,
            unless ``left`` says otherwise.
        provincial_consent: no longer read (revision 3): the province's consent is a
            step of the case (``record_consent``), judged before the decision.
        ends: the final states of each case: a set for all of them, or a function
            giving each case's own procedure's (``vn-2021``'s by default).
    """
    if not isinstance(person, Person):
        raise ArgumentTypeError(
            "check_new_case needs the candidate as an admission_flow.Person", field="person"
        )
    check_date("check_new_case", "on", on)
    check_bool("check_new_case", "provincial_consent", provincial_consent)
    if left is not None and not isinstance(left, Departure):
        raise ArgumentTypeError("left must be a units.Departure(on=..., reason=...)", field="left")
    left = left if left is not None else person.left
    final = ends if callable(ends) else (lambda case, fixed=frozenset(ends): fixed)
    cases = [c for c in existing_cases if c.candidate.id == person.id]
    found: list[Violation] = []
    who = person.id  # never a name: these messages reach logs and error lines
    for case in cases:
        if case.state not in final(case):
            found.append(
                _violation(
                    "case.one_open",
                    SOURCE_ONE_OPEN,
                    person=who,
                    case=case.id,
                    state=case.state or "-",
                )
            )
    admitted = [c for c in cases if any(s.accepted and s.to_state in _ADMITTED for s in c.history)]
    if admitted and left is None and admitted[-1].state == "removed":
        # Removed from the probationary list (xóa tên): the case itself says when
        # the person left; the re-admission rules then apply as to anyone struck off.
        last = admitted[-1]
        removal = next(s for s in reversed(last.history) if s.accepted and s.to_state == "removed")
        left = Departure(on=removal.on, reason="struck_off")
        # The new case's candidate does not carry this departure, so its own
        # readmission.waiting_period cannot judge it: the register does, at opening.
        elapsed = months_between(left.on, on)
        if elapsed < READMISSION_MONTHS:
            found.append(
                _violation(
                    "readmission.thirty_six_months",
                    SOURCE_READMISSION,
                    needed=READMISSION_MONTHS,
                    left=left.on,
                    on=on,
                    elapsed=elapsed,
                    from_date=add_months(left.on, READMISSION_MONTHS),
                )
            )
    if left is None:
        if admitted:
            found.append(
                _violation(
                    "readmission.still_member",
                    SOURCE_READMISSION,
                    person=who,
                    case=admitted[-1].id,
                )
            )
        return found
    if left.readmitted_before or len(admitted) >= 2:
        case_id = admitted[-1].id if admitted else "left.readmitted_before"
        found.append(_violation("readmission.once", SOURCE_READMISSION, person=who, case=case_id))
    if excluded_reason(left, EXCLUDED_REASONS):
        reason = REASONS.get(left.reason, Text(left.reason, left.reason))
        found.append(_violation("readmission.excluded_reason", SOURCE_READMISSION, reason=reason))
    return found
