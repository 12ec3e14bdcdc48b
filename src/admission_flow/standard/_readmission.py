"""The rules of ``vn-2021`` revision 3 about consents and re-admission (kết nạp lại).

Consents are recorded steps (``record_consent`` by the province-level standing
committee), not flags: a rule that needs one looks for a step of its ``kind``
dated (``consent_date``) on or before the decision it allows. Re-admission is
judged from the candidate's ``left`` (``Person.left``) at the steps QĐ 24-QĐ/TW
§3.5 and QĐ 05-QĐi/TW name: the reasons and "only once" when the case opens,
the waiting period at the application (family planning: at the cell's vote),
the consent before the decision. Every number is a parameter, so that a later
generation that extends ``vn-2021`` can change it in its YAML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from admission_flow.model._dates import add_months, months_between
from admission_flow.model._departure import Departure
from admission_flow.model._leaving import EXCLUDED, REASONS, excluded_reason
from admission_flow.model._values import Case, Text
from admission_flow.procedure._rule import Boundary, EventContext, rule

from ._candidate import Details, years_and_months
from ._votes import latest_passing

__all__ = [
    "REASONS",
    "consent_on_file",
    "eligibility_over_60_consent",
    "excluded_reason",
    "readmission_consent",
    "readmission_excluded_reason",
    "readmission_once",
    "readmission_waiting_period",
]

#: The kinds of consent ``record_consent`` records, as a message names them.
CONSENTS: Mapping[str, Text] = {
    "over_60": Text("kết nạp người trên 60 tuổi", "admitting someone over 60"),
    "readmission": Text("kết nạp lại", "re-admission"),
    "elder": Text(
        "kết nạp già làng, trưởng bản, người có uy tín chỉ biết đọc, biết viết",
        "admitting a literate village elder, hamlet chief or respected person",
    ),
}


def consent_on_file(
    case: Case, kind: str, params: Mapping[str, Any], *, by: dt.date | None = None
) -> bool:
    """Whether a consent of ``kind`` is on file, dated on or before ``by`` when given."""
    for step in case.steps_of(params["consent_event"]):
        if not step.accepted or step.facts.get("kind") != kind:
            continue
        given = step.facts.get(params["consent_date"], step.on)
        if by is None or given <= by:
            return True
    return False


def _consent_problem(kind: str, decided: Any) -> dict[str, Any]:
    return {
        "consent": CONSENTS.get(kind, Text(kind, kind)),
        "date": decided if isinstance(decided, dt.date) else Text("—", "—"),
    }


_CONSENT = {"consent_event": "record_consent", "consent_date": "consent_date"}


# -- over 60 ----------------------------------------------------------------------------


@rule(
    "eligibility.over_60_consent",
    params={
        "max_months": 720,
        "kind": "over_60",
        "vote": "cell_vote",
        "date_fact": "decision_date",
        **_CONSENT,
    },
    details={"age", "consent", "date"},
    reads={"decision_date"},
    boundaries=[
        Boundary(
            note="60 years and a month at the vote, no consent", candidate={"age_months": 721}
        ),
        Boundary(note="60 years less a month at the vote", candidate={"age_months": 719}),
    ],
)
def eligibility_over_60_consent(context: EventContext, params: Mapping[str, Any]) -> Details:
    """Over 60 years 0 months at the passing cell vote: the province's consent before the decision.

    ``Person.over_60_consent`` (revision 2's flag) still counts as a consent on file.
    """
    vote = latest_passing(context.case, params["vote"])
    if vote is None:
        return None  # vote.cell_passed reports it
    candidate = context.candidate
    months = months_between(candidate.born, vote.on)
    if months <= params["max_months"] or candidate.over_60_consent:
        return None
    decided = context.facts.get(params["date_fact"])
    by = decided if isinstance(decided, dt.date) else context.on
    if consent_on_file(context.case, params["kind"], params, by=by):
        return None
    return {"age": years_and_months(months), **_consent_problem(params["kind"], by)}


# -- re-admission -------------------------------------------------------------------------


#: Long enough ago that no waiting period applies: the boundaries that turn on the reason.
_LONG_AGO = (-120, 0)


@rule(
    "readmission.excluded_reason",
    params={"excluded": list(EXCLUDED)},
    details={"reason"},
    boundaries=[
        *(
            Boundary(
                note=f"left the Party ({reason}) ten years before",
                candidate={"left": {"on": _LONG_AGO, "reason": reason}},
            )
            for reason in EXCLUDED
        ),
        Boundary(
            note="asked to leave in hardship ten years before",
            candidate={"left": {"on": _LONG_AGO, "reason": "asked_to_leave", "hardship": True}},
        ),
    ],
)
def readmission_excluded_reason(context: EventContext, params: Mapping[str, Any]) -> Details:
    left = context.candidate.left
    if left is None or not excluded_reason(left, params["excluded"]):
        return None
    return {"reason": REASONS.get(left.reason, Text(left.reason, left.reason))}


@rule(
    "readmission.once",
    details={"date"},
    boundaries=[
        Boundary(
            note="struck off ten years before, re-admitted once already",
            candidate={
                "left": {"on": _LONG_AGO, "reason": "struck_off", "readmitted_before": True}
            },
        )
    ],
)
def readmission_once(context: EventContext, params: Mapping[str, Any]) -> Details:
    """Re-admission only once: refused for one re-admitted before (the register adds its own count)."""
    left = context.candidate.left
    if left is None or not left.readmitted_before:
        return None
    return {"date": left.on}


def waiting_problem(left: Departure, on: dt.date, params: Mapping[str, Any]) -> Text | None:
    """Why ``on`` is too early for the step the waiting period is judged at; ``None`` if it is not.

    ``params["family_planning"]`` says which periods this step judges: the
    general ones (at the application) or family planning's (at the cell's vote,
    QĐ 05-QĐi/TW counts to the meeting).
    """
    if params["family_planning"]:
        if left.reason != "family_planning":
            return None
        months = params["third_child_months" if left.child_rank == 3 else "fourth_child_months"]
        start = left.on
        what = Text(
            f"ra khỏi Đảng vì sinh con thứ {left.child_rank}",
            f"leaving over a {'third' if left.child_rank == 3 else 'fourth'} child",
        )
    elif left.reason == "family_planning":
        return None
    elif left.reason in params["cleared_reasons"]:
        months = params["cleared_months"]
        if left.record_cleared_on is None:
            return Text(
                "chưa có ngày được xóa án tích (record_cleared_on)",
                "no date the criminal record was cleared (record_cleared_on)",
            )
        start = left.record_cleared_on
        what = Text("được xóa án tích", "the record was cleared")
    else:
        months = params["months"]
        start = left.on
        what = Text("ra khỏi Đảng", "leaving the Party")
    until = add_months(start, months)
    if on >= until:
        return None
    elapsed = months_between(start, on)
    return Text(
        f"cần {months} tháng kể từ khi {what.vi} ngày {start:%d/%m/%Y}, đến ngày "
        f"{on:%d/%m/%Y} mới {elapsed} tháng (xét được từ {until:%d/%m/%Y})",
        f"{months} months are needed after {what.en} on {start.isoformat()}; on "
        f"{on.isoformat()} only {elapsed} have passed (possible from {until.isoformat()})",
    )


@rule(
    "readmission.waiting_period",
    params={
        "months": 36,
        "cleared_reasons": ["less_serious_crime_conviction"],
        "cleared_months": 60,
        "family_planning": False,
        "third_child_months": 24,
        "fourth_child_months": 36,
    },
    details={"problem"},
    # Short of each period when the case opens: the application (or, for family
    # planning, the cell's vote) comes later, on a date the search explores.
    boundaries=[
        Boundary(
            note="struck off 35 months before",
            candidate={"left": {"on": (-35, 0), "reason": "struck_off"}},
        ),
        Boundary(
            note="a less serious conviction, the record cleared 59 months before",
            candidate={
                "left": {
                    "on": _LONG_AGO,
                    "reason": "less_serious_crime_conviction",
                    "record_cleared_on": (-59, 0),
                }
            },
        ),
        Boundary(
            note="left over a third child 23 months before",
            candidate={"left": {"on": (-23, 0), "reason": "family_planning", "child_rank": 3}},
        ),
    ],
)
def readmission_waiting_period(context: EventContext, params: Mapping[str, Any]) -> Details:
    left = context.candidate.left
    if left is None:
        return None
    problem = waiting_problem(left, context.on, params)
    return None if problem is None else {"problem": problem}


@rule(
    "readmission.consent",
    params={"kind": "readmission", "date_fact": "decision_date", **_CONSENT},
    details={"consent", "date"},
    reads={"decision_date"},
    boundaries=[
        Boundary(
            note="struck off ten years before: re-admission needs the consent",
            candidate={"left": {"on": _LONG_AGO, "reason": "struck_off"}},
        )
    ],
)
def readmission_consent(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A re-admission needs the province's written consent, dated on or before the decision."""
    if context.candidate.left is None:
        return None
    decided = context.facts.get(params["date_fact"])
    by = decided if isinstance(decided, dt.date) else context.on
    if consent_on_file(context.case, params["kind"], params, by=by):
        return None
    return _consent_problem(params["kind"], by)
