"""Why a former member left, as the re-admission rules and the register read it.

Shared by the standard procedure's ``readmission.*`` rules and the register's
check when a case opens (``units.check_new_case``), so that both judge a
departure the same way and say it in the same words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ._departure import Departure
from ._values import Text

__all__ = ["EXCLUDED", "REASONS", "excluded_reason"]

#: How each reason for leaving reads in a message.
REASONS: Mapping[str, Text] = {
    "struck_off": Text("bị xóa tên", "struck off"),
    "expelled": Text("bị khai trừ", "expelled"),
    "asked_to_leave": Text("xin ra khỏi Đảng", "asked to leave"),
    "abandoned_activities": Text("tự ý bỏ sinh hoạt đảng", "abandoned party activities"),
    "serious_disunity": Text("gây mất đoàn kết nội bộ nghiêm trọng", "caused serious disunity"),
    "corruption_conviction": Text("bị kết án về tội tham nhũng", "convicted of corruption"),
    "serious_crime_conviction": Text(
        "bị kết án về tội nghiêm trọng trở lên", "convicted of a serious crime"
    ),
    "less_serious_crime_conviction": Text(
        "bị kết án về tội ít nghiêm trọng", "convicted of a less serious crime"
    ),
    "family_planning": Text("vi phạm chính sách dân số", "broke the family-planning policy"),
}

#: The reasons that rule re-admission out (QĐ 24-QĐ/TW §3.5); ``asked_to_leave``
#: only without real hardship (HD 01-HD/TW §1.1).
EXCLUDED: tuple[str, ...] = (
    "abandoned_activities",
    "asked_to_leave",
    "serious_disunity",
    "corruption_conviction",
    "serious_crime_conviction",
)


def excluded_reason(left: Departure, excluded: Collection[str]) -> bool:
    """Whether ``left`` rules re-admission out: its reason, unless one asked to leave in hardship."""
    if left.reason not in excluded:
        return False
    return not (left.reason == "asked_to_leave" and left.hardship)
