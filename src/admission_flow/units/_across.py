"""Rules across cases: what a person's earlier cases allow before a new one opens.

Pure functions over the cases a register already holds for one person, for the
register to call when a case is opened (contract: ``STANDARD_PROCEDURE.md``,
"Across cases"): one open case per person (``case.one_open``), and re-admission
(kết nạp lại) only 36 months after leaving the Party, only once, never for the
excluded reasons, with the province-level standing committee's written
consent. A re-admitted person goes through the whole procedure again,
probation included: nothing in ``vn-2021`` lets a case skip it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

import attrs

from admission_flow.exceptions import ArgumentTypeError
from admission_flow.model._checks import check_bool, check_choice, check_date
from admission_flow.model._dates import add_months, months_between
from admission_flow.model._values import Case, Person, Text, Violation

__all__ = [
    "ENDS",
    "EXCLUDED_REASONS",
    "LEAVING_REASONS",
    "READMISSION_MONTHS",
    "Departure",
    "check_new_case",
]

#: The final states of ``vn-2021``: a case in any other state is open.
ENDS: frozenset[str] = frozenset({"official", "withdrawn", "rejected", "removed"})
#: States a case reaches only once the person was admitted.
_ADMITTED = frozenset({"admitted", "probation", "escalated", "official"})
#: Months after leaving the Party before re-admission may be considered.
READMISSION_MONTHS = 36
#: Why a member left the Party; the first five rule re-admission out.
EXCLUDED_REASONS: tuple[str, ...] = (
    "abandoned_activities",  # tự ý bỏ sinh hoạt đảng
    "asked_to_leave",  # xin ra khỏi Đảng
    "serious_disunity",  # gây mất đoàn kết nội bộ nghiêm trọng
    "corruption_conviction",  # bị kết án về tội tham nhũng
    "serious_crime_conviction",  # bị kết án về tội nghiêm trọng trở lên
)
LEAVING_REASONS: tuple[str, ...] = (*EXCLUDED_REASONS, "struck_off", "expelled", "other")

SOURCE_ONE_OPEN = "procedure definition (one register entry per person)"
SOURCE_READMISSION = "QĐ 24-QĐ/TW §5 (kết nạp lại); HD 01-HD/TW §5"

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
        "Không xét kết nạp lại người đã ra khỏi Đảng vì lý do '{reason}'.",
        "Nobody who left the Party for the reason '{reason}' may be re-admitted.",
    ),
    "readmission.consent": Text(
        "Kết nạp lại cần văn bản đồng ý của ban thường vụ tỉnh ủy, thành ủy (hoặc tương đương).",
        "Re-admission needs the written consent of the province-level standing committee.",
    ),
}


@attrs.frozen(kw_only=True)
class Departure:
    """When and why a person left the Party (ra khỏi Đảng), as the register knows it."""

    on: dt.date
    reason: str

    def __attrs_post_init__(self) -> None:
        check_date("Departure", "on", self.on)
        check_choice("Departure", "reason", self.reason, LEAVING_REASONS)


def _violation(rule: str, source: str, **values: object) -> Violation:
    return Violation(rule=rule, message=_MESSAGES[rule].format(**values), source=source)


def check_new_case(
    person: Person,
    existing_cases: Iterable[Case],
    on: dt.date,
    *,
    left: Departure | None = None,
    provincial_consent: bool = False,
    ends: Collection[str] = ENDS,
) -> list[Violation]:
    """Every reason a new case for ``person`` may not be opened on ``on``; empty if it may.

    Args:
        person: the candidate of the new case.
        existing_cases: the cases the register holds; those of other people are ignored.
        on: the date the new case would open.
        left: when and why the person last left the Party, if they were a member. A
            person whose last admission ended in ``removed`` (xóa tên khỏi danh sách
            đảng viên dự bị) left on that step's date, struck off, unless ``left`` says
            otherwise.
        provincial_consent: the province-level standing committee's written consent
            to re-admit (needed for a re-admission only).
        ends: the final states of the procedure (``vn-2021``'s by default).
    """
    if not isinstance(person, Person):
        raise ArgumentTypeError(
            "check_new_case needs the candidate as an admission_flow.Person", field="person"
        )
    check_date("check_new_case", "on", on)
    check_bool("check_new_case", "provincial_consent", provincial_consent)
    if left is not None and not isinstance(left, Departure):
        raise ArgumentTypeError("left must be a units.Departure(on=..., reason=...)", field="left")
    cases = [c for c in existing_cases if c.candidate.id == person.id]
    found: list[Violation] = []
    who = person.id  # never a name: these messages reach logs and error lines
    for case in cases:
        if case.state not in ends:
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
    if not admitted:
        return found
    last = admitted[-1]
    if left is None and last.state == "removed":
        # Removed from the probationary list (xóa tên): the case itself says when
        # the person left; the re-admission rules then apply as to anyone struck off.
        removal = next(s for s in reversed(last.history) if s.accepted and s.to_state == "removed")
        left = Departure(on=removal.on, reason="struck_off")
    if left is None:
        found.append(
            _violation(
                "readmission.still_member", SOURCE_READMISSION, person=who, case=admitted[-1].id
            )
        )
        return found
    if len(admitted) >= 2:
        found.append(
            _violation("readmission.once", SOURCE_READMISSION, person=who, case=admitted[-1].id)
        )
    if left.reason in EXCLUDED_REASONS:
        found.append(
            _violation("readmission.excluded_reason", SOURCE_READMISSION, reason=left.reason)
        )
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
    if not provincial_consent:
        found.append(_violation("readmission.consent", SOURCE_READMISSION))
    return found
