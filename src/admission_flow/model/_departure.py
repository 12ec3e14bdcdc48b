"""How a person left the Party before, for re-admission (kết nạp lại, QĐ 24-QĐ/TW §3.5).

A candidate who was a member before carries a ``Departure`` as ``Person.left``;
the rules ``readmission.*`` of ``vn-2021`` judge it at the steps the texts name.
Most members joined before any register existed, so the departure is a fact
about the person, given when the case is opened, not something found in the
register.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from admission_flow.exceptions import ArgumentTypeError, InputError

from ._checks import check_bool, check_choice, check_date
from ._words import describe

__all__ = ["COMMUNITY_ROLES", "LEAVING_REASONS", "Departure"]

#: Why a member left the Party, as QĐ 24 §3.5 and QĐ 05-QĐi/TW distinguish them.
LEAVING_REASONS: tuple[str, ...] = (
    "struck_off",
    "expelled",
    "asked_to_leave",
    "abandoned_activities",
    "serious_disunity",
    "corruption_conviction",
    "serious_crime_conviction",
    "less_serious_crime_conviction",
    "family_planning",
)
#: Roles in a community that allow ``education: literate`` in a hardship area (HD 01 §1.2).
COMMUNITY_ROLES: tuple[str, ...] = ("village_elder", "hamlet_chief", "respected_person")
#: The birth ranks QĐ 05-QĐi/TW gives waiting periods for.
CHILD_RANKS: tuple[int, ...] = (3, 4)


@attrs.frozen(kw_only=True)
class Departure:
    """When and why a former member left the Party (the candidate's ``left``).

    Attributes:
        on: the day the person left (the decision that struck off or expelled them).
        reason: one of ``LEAVING_REASONS``.
        record_cleared_on: for a conviction, the day the criminal record was cleared.
        hardship: a member who asked to leave because of real hardship (HD 01 §1.1).
        child_rank: 3 or 4, the child whose birth broke the family-planning policy.
        readmitted_before: the person was already re-admitted once.
        first_admitted_on: the first admission decision, for the party age.
    """

    on: dt.date
    reason: str
    record_cleared_on: dt.date | None = None
    hardship: bool = False
    child_rank: int | None = None
    readmitted_before: bool = False
    first_admitted_on: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        check_date("left", "on", self.on)
        check_choice("left", "reason", self.reason, LEAVING_REASONS)
        if self.record_cleared_on is not None:
            check_date("left", "record_cleared_on", self.record_cleared_on)
            if self.record_cleared_on < self.on:
                raise InputError(
                    f"left.record_cleared_on ({self.record_cleared_on.isoformat()}) is before "
                    f"left.on ({self.on.isoformat()}); a record is cleared after leaving",
                    field="left.record_cleared_on",
                )
        check_bool("left", "hardship", self.hardship)
        check_bool("left", "readmitted_before", self.readmitted_before)
        if self.child_rank is not None and (
            type(self.child_rank) is not int or self.child_rank not in CHILD_RANKS
        ):
            error = InputError if type(self.child_rank) is int else ArgumentTypeError
            raise error(
                f"left.child_rank must be 3 or 4 (the third or fourth child), "
                f"not {describe(self.child_rank)}",
                field="left.child_rank",
            )
        if self.reason == "family_planning" and self.child_rank is None:
            raise InputError(
                "left.child_rank is needed when left.reason is family_planning: "
                "3 for a third child, 4 for a fourth",
                field="left.child_rank",
            )
        if self.first_admitted_on is not None:
            check_date("left", "first_admitted_on", self.first_admitted_on)
            if self.first_admitted_on > self.on:
                raise InputError(
                    f"left.first_admitted_on ({self.first_admitted_on.isoformat()}) is after "
                    f"left.on ({self.on.isoformat()}); a member is admitted before leaving",
                    field="left.first_admitted_on",
                )

    def as_dict(self) -> dict[str, Any]:
        """The departure as plain data, only the fields given (dates as ``YYYY-MM-DD``)."""
        result: dict[str, Any] = {"on": self.on.isoformat(), "reason": self.reason}
        if self.record_cleared_on is not None:
            result["record_cleared_on"] = self.record_cleared_on.isoformat()
        if self.hardship:
            result["hardship"] = True
        if self.child_rank is not None:
            result["child_rank"] = self.child_rank
        if self.readmitted_before:
            result["readmitted_before"] = True
        if self.first_admitted_on is not None:
            result["first_admitted_on"] = self.first_admitted_on.isoformat()
        return result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Departure:
        """The inverse of ``as_dict``."""

        def day(key: str) -> dt.date | None:
            value = data.get(key)
            return None if value is None else dt.date.fromisoformat(value)

        on = day("on")
        assert on is not None
        return cls(
            on=on,
            reason=data["reason"],
            record_cleared_on=day("record_cleared_on"),
            hardship=data.get("hardship", False),
            child_rank=data.get("child_rank"),
            readmitted_before=data.get("readmitted_before", False),
            first_admitted_on=day("first_admitted_on"),
        )
