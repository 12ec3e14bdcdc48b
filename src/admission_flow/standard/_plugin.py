"""The standard procedure ``vn-2021`` and its rules, as an ordinary plugin.

This module uses only the hooks a third-party plugin would use
(``admission_flow_add_rules``, ``admission_flow_add_procedures``): proof that
they are enough. The procedure itself, with every message and source, is
``procedures/vn-2021.yaml``; the logic of each rule is in
``_candidate.py`` (mentor, eligibility, course, dossier,
introductions), ``_votes.py`` (votes, decisions, probation,
recognition, dates) and ``_readmission.py`` (consents, re-admission).
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from admission_flow.hooks._specs import hookimpl
from admission_flow.procedure._rule import Rule

from ._candidate import (
    course_certificate_order,
    course_certificate_valid,
    dossier_complete,
    eligibility_age,
    eligibility_education,
    eligibility_youth_union_member,
    introduction_count,
    introduction_official_member,
    introduction_twelve_months,
    mentor_official_member,
)
from ._readmission import (
    eligibility_over_60_consent,
    readmission_consent,
    readmission_excluded_reason,
    readmission_once,
    readmission_waiting_period,
)
from ._votes import (
    dates_order,
    decision_authority,
    decision_committee_two_thirds,
    probation_twelve_months,
    recognition_already_proposed,
    recognition_committee_voted,
    recognition_vote_passed,
    vote_already_passed,
    vote_cell_passed,
    vote_committee_denominator,
    vote_committee_short,
    vote_committee_voted,
    vote_denominator,
    vote_excluded_reasons,
    vote_two_thirds,
)

__all__ = ["RULES"]

RULES: tuple[Rule, ...] = (
    dates_order,
    mentor_official_member,
    eligibility_age,
    eligibility_education,
    eligibility_youth_union_member,
    course_certificate_valid,
    course_certificate_order,
    dossier_complete,
    introduction_official_member,
    introduction_twelve_months,
    introduction_count,
    vote_denominator,
    vote_already_passed,
    vote_two_thirds,
    vote_committee_short,
    vote_cell_passed,
    vote_committee_voted,
    decision_authority,
    decision_committee_two_thirds,
    probation_twelve_months,
    recognition_vote_passed,
    recognition_already_proposed,
    # Revision 3
    vote_excluded_reasons,
    vote_committee_denominator,
    recognition_committee_voted,
    eligibility_over_60_consent,
    readmission_excluded_reason,
    readmission_once,
    readmission_waiting_period,
    readmission_consent,
)


@hookimpl
def admission_flow_add_rules() -> tuple[Rule, ...]:
    return RULES


@hookimpl
def admission_flow_add_procedures() -> dict[str, Traversable]:
    folder = files("admission_flow.standard") / "procedures"
    return {"vn-2021": folder / "vn-2021.yaml", "vn-2025": folder / "vn-2025.yaml"}
