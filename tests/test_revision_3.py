"""The rules revision 3 of ``vn-2021`` added or changed, on both sides of each boundary.

The contract is ``domain/STANDARD_PROCEDURE.md``, section "Revision 3", items 1 to 10
(item 11 is the reports': ``test_units_reports.py``). ``drive`` (tests/helpers.py)
identifies a case on 2023-03-01, has it ready on 2023-06-09, votes (20/29) and has
the grassroots committee vote (13/15) on 2023-06-19, decides on 2023-07-19 and
holds the ceremony on 2023-08-02.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.model._frozen import FrozenDict
from conftest import MEMBERS
from helpers import DAY, D, drive, fire_ok, person, rule_ids, unit

READY = D(2023, 6, 9)
VOTED = D(2023, 6, 19)
DECIDED = D(2023, 7, 19)
CEREMONY = D(2023, 8, 2)


def new_case(engine: af.Engine, in_unit: af.Unit | None = None, **candidate: Any) -> af.Case:
    return engine.open("c-x", person(**candidate), in_unit or unit())


def cell_vote(
    engine: af.Engine, case: af.Case, on: dt.date, in_favour: int, total: int, **facts: Any
) -> af.Outcome:
    return engine.fire(
        case, "cell_vote", "cell", on, in_favour=in_favour, official_members=total, **facts
    )


def committee_vote(
    engine: af.Engine,
    case: af.Case,
    on: dt.date,
    in_favour: int = 13,
    total: int = 15,
    **facts: Any,
) -> af.Outcome:
    return engine.fire(
        case,
        "committee_vote",
        "grassroots_committee",
        on,
        in_favour=in_favour,
        committee_members=total,
        **facts,
    )


def decide(
    engine: af.Engine, case: af.Case, on: dt.date, decided: dt.date | None = None
) -> af.Outcome:
    return engine.fire(
        case, "decide_admission", "competent_committee", on, decision_date=decided or on
    )


def consent(
    engine: af.Engine, case: af.Case, on: dt.date, kind: str, given: dt.date | None = None
) -> af.Case:
    return fire_ok(
        engine,
        case,
        "record_consent",
        "provincial_committee",
        on,
        kind=kind,
        consent_date=given or on,
    )


def only(outcome: af.Outcome, rule: str) -> af.Violation:
    assert rule_ids(outcome.violations) == [rule], [
        (v.rule, v.message.en) for v in outcome.violations
    ]
    return outcome.violations[0]


def refused(outcome: af.Outcome, case: af.Case) -> None:
    """Nothing changed: neither accepted nor recorded, the same case back."""
    assert (outcome.step.accepted, outcome.step.recorded) == (False, False)
    assert outcome.case is case


# -- 1. excluded by reason (vote.denominator, vote.excluded_reasons) ---------------------------


@pytest.mark.parametrize(
    "excluded",
    [
        {"suspended": 2, "temporarily_transferred": 1},
        {"exempted_absent": 1, "prosecuted_or_detained": 2},
        {"suspended": 3, "total": 3},
    ],
)
def test_lawful_reasons_that_add_up_pass(engine: af.Engine, excluded: dict[str, int]) -> None:
    """26 counted + 3 left out for reasons of QĐ 24 §9.3.2 = 29: judged on two-thirds, no warning."""
    case = drive(engine, new_case(engine), "ready")
    outcome = cell_vote(engine, case, VOTED, 18, 26, excluded=excluded)
    assert outcome.accepted
    assert (outcome.violations, outcome.warnings) == ((), ())
    assert outcome.step.facts["excluded"] == excluded
    assert isinstance(outcome.step.facts["excluded"], FrozenDict)


def test_absent_members_are_never_left_out(engine: af.Engine) -> None:
    """{absent: 3}: refused with vote.denominator, whose message says absent members still count."""
    case = drive(engine, new_case(engine), "ready")
    outcome = cell_vote(engine, case, VOTED, 18, 26, excluded={"absent": 3})
    violation = only(outcome, "vote.denominator")
    refused(outcome, case)
    assert violation.details["counted"] == 26
    assert violation.message.en == (
        "The vote counts 26 official members and leaves out 3 (absent (who still count): 3), "
        "26 in all, but the cell has 29; members merely absent still count."
    )
    assert "vắng mặt (vẫn được tính): 3" in violation.message.vi


def test_absent_is_refused_even_beside_a_full_count(engine: af.Engine) -> None:
    """29 counted and {absent: 1} on top: still refused; the positive twin has no absent key."""
    case = drive(engine, new_case(engine), "ready")
    only(cell_vote(engine, case, VOTED, 20, 29, excluded={"absent": 1}), "vote.denominator")
    assert cell_vote(engine, case, VOTED, 20, 29, excluded={"absent": 0}).accepted


@pytest.mark.parametrize(("counted", "suspended"), [(25, 3), (27, 3), (26, 2), (26, 4)])
def test_reasons_one_off_either_way_are_refused(
    engine: af.Engine, counted: int, suspended: int
) -> None:
    """28 or 30 in all, by the count or by the reasons: refused."""
    case = drive(engine, new_case(engine), "ready")
    outcome = cell_vote(engine, case, VOTED, 18, counted, excluded={"suspended": suspended})
    only(outcome, "vote.denominator")


def test_a_bare_count_warns_for_its_reasons(engine: af.Engine) -> None:
    """Revision 2's bare number is accepted with vote.excluded_reasons; 0 (the default) says nothing."""
    case = drive(engine, new_case(engine), "ready")
    outcome = cell_vote(engine, case, VOTED, 18, 27, excluded=2)
    assert outcome.accepted
    [warning] = outcome.warnings
    assert warning.rule == "vote.excluded_reasons"
    assert warning.severity == "warning"
    assert warning.message.en.startswith("The vote leaves 2 members out of its count without")
    assert "không tính 2 đảng viên" in warning.message.vi
    assert cell_vote(engine, case, VOTED, 20, 29).warnings == ()
    assert cell_vote(engine, case, VOTED, 20, 29, excluded=0).warnings == ()


@pytest.mark.parametrize(
    ("excluded", "message"),
    [
        ({"on_leave": 1}, "unknown reason 'on_leave'"),
        ({"suspendd": 1}, "did you mean 'suspended'"),
        ({"suspended": -1}, "counts suspended as -1"),
        ({"suspended": True}, "counts suspended as true"),
        ({"suspended": 2, "total": 3}, "does not add up: its counts make 2, but its total says 3"),
        (-1, "must be at least 0, not -1"),
        ("3", "must be a count, or a mapping of counts by reason"),
    ],
)
def test_a_malformed_excluded_is_the_callers_mistake(
    engine: af.Engine, excluded: Any, message: str
) -> None:
    """An unknown reason, a negative count, counts that do not add up: FactError naming the fact."""
    case = drive(engine, new_case(engine), "ready")
    with pytest.raises(af.FactError, match=message) as raised:
        cell_vote(engine, case, VOTED, 20, 29, excluded=excluded)
    assert raised.value.field == "excluded"
    assert cell_vote(engine, case, VOTED, 20, 29).accepted  # the engine still works


def test_a_malformed_excluded_in_a_scenario_is_a_file_line_col(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a scenario: exit 2 and one line `file:line:col: message` pointing at the value."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "procedure: vn-2021\n"
        "unit: {id: u-1, official_members: 29}\n"
        "candidate: {id: c-1, name: A, born: 1990-01-01, education: university}\n"
        "events:\n"
        "  - {on: 2023-03-01, event: identify, by: cell_committee}\n"
        "  - {on: 2023-03-02, event: cell_vote, by: cell, in_favour: 1, official_members: 1, excluded: {holiday: 2}}\n",
        encoding="utf-8",
    )
    assert _cli.main(["run", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.strip().splitlines()
    assert f"{path}:6:" in line
    assert "unknown reason 'holiday'" in line


# -- 2. the grassroots committee's count (vote.committee_denominator) ----------------------------


@pytest.mark.parametrize(
    ("total", "facts", "rules"),
    [
        (15, {}, []),
        (14, {"excluded": {"suspended": 1}}, []),
        (14, {}, ["vote.committee_denominator"]),
        (16, {}, ["vote.committee_denominator"]),
        (9, {}, ["vote.committee_denominator"]),
        (14, {"excluded": {"absent": 1}}, ["vote.committee_denominator"]),
    ],
)
def test_a_committee_vote_counts_the_whole_committee(
    engine: af.Engine, total: int, facts: dict[str, Any], rules: list[str]
) -> None:
    """The unit states 15: a vote counts 15, less lawful exclusions; absence is no exclusion."""
    in_unit = unit(committee_members=15)
    case = drive(engine, new_case(engine, in_unit), "voted")
    outcome = committee_vote(engine, case, VOTED, min(10, total), total, **facts)
    assert rule_ids(outcome.violations) == rules
    if rules:
        refused(outcome, case)
        assert "the committee has 15" in outcome.violations[0].message.en


def test_a_unit_that_states_no_committee_size_is_not_checked(engine: af.Engine) -> None:
    """committee_members 0 (not stated): any count is taken as given (revision 2's behaviour)."""
    case = drive(engine, new_case(engine), "voted")
    assert committee_vote(engine, case, VOTED, 6, 9).accepted


def test_a_delegated_committee_cannot_admit_on_part_of_its_members(engine: af.Engine) -> None:
    """6 of 9 from a committee of 15 is refused; 10 of 15 lets the delegated committee decide."""
    in_unit = unit(committee_members=15, delegated_admission=True)
    case = drive(engine, new_case(engine, in_unit), "voted")
    only(committee_vote(engine, case, VOTED, 6, 9), "vote.committee_denominator")
    case = committee_vote(engine, case, VOTED, 10, 15).case
    assert engine.fire(
        case, "decide_admission", "grassroots_committee", DECIDED, decision_date=DECIDED
    ).accepted


# -- 3. date order upward (dates.order) ------------------------------------------------------------


def test_a_decision_is_not_dated_before_the_committee_vote(engine: af.Engine) -> None:
    """Committee vote on 2023-06-26: a decision dated 06-25 is refused, 06-26 accepted."""
    case = drive(engine, new_case(engine), "voted")
    case = committee_vote(engine, case, VOTED + 7 * DAY).case
    violation = only(decide(engine, case, DECIDED, VOTED + 6 * DAY), "dates.order")
    assert "before the 'committee_vote' it relies on (2023-06-26)" in violation.message.en
    assert decide(engine, case, DECIDED, VOTED + 7 * DAY).accepted


def test_a_decision_is_not_dated_before_a_consent_it_relies_on(engine: af.Engine) -> None:
    """A re-admission consent given on 2023-07-10: decided 07-09 refused, 07-10 accepted."""
    left = af.Departure(on=D(2018, 1, 1), reason="struck_off")
    case = drive(engine, new_case(engine, left=left), "committee")
    case = consent(engine, case, D(2023, 7, 12), "readmission", D(2023, 7, 10))
    outcome = decide(engine, case, DECIDED, D(2023, 7, 9))
    assert rule_ids(outcome.violations) == ["dates.order", "readmission.consent"]
    assert (
        "before the 'record_consent' it relies on (2023-07-10)" in outcome.violations[0].message.en
    )
    assert decide(engine, case, DECIDED, D(2023, 7, 10)).accepted


# -- 4. the ceremony counts from receipt (ceremony.deadline) ----------------------------------------


def test_the_ceremony_counts_from_the_day_the_cell_received_the_decision(engine: af.Engine) -> None:
    """Received 2023-08-01: 30 working days end 2023-09-14 (2023-09-01 and 09-04 are holidays)."""
    case = drive(engine, new_case(engine), "admitted")
    # Counted from the decision (2023-07-19) it would be due 2023-08-30.
    [due] = [d for d in engine.pending(case) if d.name == "ceremony_due"]
    assert due.due == D(2023, 8, 30)
    received = D(2023, 8, 1)
    on_time = engine.fire(case, "hold_ceremony", "cell", D(2023, 9, 14), received_date=received)
    assert on_time.accepted
    assert [d.due for d in on_time.step.deadlines_met] == [D(2023, 9, 14)]
    late = engine.fire(case, "hold_ceremony", "cell", D(2023, 9, 15), received_date=received)
    violation = only(late, "ceremony.deadline")
    assert "the day the cell received the decision" in violation.message.en
    without = engine.fire(case, "hold_ceremony", "cell", D(2023, 8, 31))
    only(without, "ceremony.deadline")  # no received_date: from the decision, as before


@pytest.mark.parametrize(
    ("received", "problem"),
    [
        (DECIDED - DAY, "received_date 2023-07-18 is before the decision_date 2023-07-19"),
        (D(2023, 8, 3), "received_date 2023-08-03 is after the event's own date (2023-08-02)"),
    ],
)
def test_received_between_the_decision_and_the_ceremony(
    engine: af.Engine, received: dt.date, problem: str
) -> None:
    """received_date before the decision or after the ceremony: dates.order; on either day: fine."""
    case = drive(engine, new_case(engine), "admitted")
    outcome = engine.fire(case, "hold_ceremony", "cell", CEREMONY, received_date=received)
    assert "dates.order" in rule_ids(outcome.violations)
    assert problem in outcome.violations[0].message.en
    for day in (DECIDED, CEREMONY):
        assert engine.fire(case, "hold_ceremony", "cell", CEREMONY, received_date=day).accepted


# -- 5. recognition through the grassroots committee ----------------------------------------------

ENDS = af.add_months(CEREMONY, 12)


def recognized(engine: af.Engine, in_unit: af.Unit | None = None) -> af.Case:
    """A case whose cell voted to recognise on the day probation ended (2024-08-02)."""
    case = drive(engine, new_case(engine, in_unit), "probation")
    return fire_ok(
        engine,
        case,
        "recognition_vote",
        "cell",
        ENDS,
        in_favour=20,
        official_members=29,
        outcome="recognize",
    )


def test_recognition_needs_the_committee_after_the_cell(engine: af.Engine) -> None:
    """Without a committee vote after the cell's: refused; with one: accepted."""
    case = recognized(engine)
    outcome = engine.fire(
        case, "recognize", "competent_committee", ENDS + DAY, decision_date=ENDS + DAY
    )
    violation = only(outcome, "recognition.committee_voted")
    assert violation.source == "HD 01-HD/TW §4; QĐ 24-QĐ/TW §4.2"
    case = committee_vote(engine, case, ENDS + DAY).case
    assert case.state == "probation"
    assert engine.fire(
        case, "recognize", "competent_committee", ENDS + DAY, decision_date=ENDS + DAY
    ).accepted


def test_a_grassroots_cell_goes_straight_up(engine: af.Engine) -> None:
    """A grassroots cell (chi bộ cơ sở) needs no committee vote, for recognition as for admission."""
    in_unit = unit(grassroots_cell=True)
    case = drive(engine, new_case(engine, in_unit), "voted")
    case = fire_ok(
        engine, case, "decide_admission", "competent_committee", DECIDED, decision_date=DECIDED
    )
    case = fire_ok(engine, case, "hold_ceremony", "cell", CEREMONY)
    case = fire_ok(
        engine,
        case,
        "recognition_vote",
        "cell",
        ENDS,
        in_favour=20,
        official_members=29,
        outcome="remove",
    )
    assert engine.fire(
        case, "remove_from_probation", "competent_committee", ENDS, decision_date=ENDS
    ).accepted


def test_an_escalated_case_is_decided_without_the_committee(engine: af.Engine) -> None:
    """Three short votes: escalated; the committee may vote there, and the decision needs none."""
    case = drive(engine, new_case(engine), "probation")
    for day in range(3):
        case = engine.fire(
            case,
            "recognition_vote",
            "cell",
            ENDS + day * DAY,
            in_favour=1,
            official_members=29,
            outcome="recognize",
        ).case
    assert case.state == "escalated"
    assert committee_vote(engine, case, ENDS + 3 * DAY).case.state == "escalated"
    assert engine.fire(
        case, "recognize", "competent_committee", ENDS + 4 * DAY, decision_date=ENDS + 4 * DAY
    ).accepted


@pytest.mark.parametrize(
    ("decided", "extended", "late"),
    [
        (
            D(2024, 9, 13),
            False,
            False,
        ),  # 30 working days after 2024-08-02; 2024-09-02/03 are holidays
        (D(2024, 9, 18), False, True),
        (D(2024, 10, 29), True, False),  # 60 working days
        (D(2024, 10, 30), True, True),
    ],
)
def test_the_recognition_decision_deadline_warns(
    engine: af.Engine, decided: dt.date, extended: bool, late: bool
) -> None:
    """Within 30 working days of the passing vote (60 extended): a warning past it, never a block."""
    case = committee_vote(engine, recognized(engine), ENDS).case
    outcome = engine.fire(
        case, "recognize", "competent_committee", decided, decision_date=decided, extended=extended
    )
    assert outcome.accepted
    assert rule_ids(outcome.warnings) == (["recognition.decision_deadline"] if late else [])
    if late:
        assert outcome.warnings[0].source == "QĐ 29-QĐ/TW §4.3.1"


# -- 6. consents as recorded steps ----------------------------------------------------------------

SIXTY = D(1963, 6, 19)  # 60 years 0 months on the day of the vote


@pytest.mark.parametrize(
    ("born", "needs"),
    [(SIXTY, False), (SIXTY - DAY, False), (D(1963, 5, 19), True)],
    ids=["60y0m", "60y0m1d", "60y1m"],
)
def test_over_60_the_cell_votes_and_the_consent_comes_before_the_decision(
    engine: af.Engine, born: dt.date, needs: bool
) -> None:
    """Over 60 years 0 months at the vote: eligibility.over_60_consent at the decision, not at the vote."""
    case = drive(engine, new_case(engine, born=born), "committee")  # the vote is accepted
    outcome = decide(engine, case, DECIDED)
    assert rule_ids(outcome.violations) == (["eligibility.over_60_consent"] if needs else [])
    if needs:
        assert "60 years 1 month old" in outcome.violations[0].message.en
        case = consent(engine, case, DECIDED, "over_60")
        assert decide(engine, case, DECIDED).accepted


def test_an_over_60_consent_dated_after_the_decision_does_not_count(engine: af.Engine) -> None:
    """A consent given the day after the decision date: refused; the revision 2 flag still counts."""
    case = drive(engine, new_case(engine, born=D(1960, 1, 1)), "committee")
    case = consent(engine, case, DECIDED, "over_60", DECIDED)
    assert "eligibility.over_60_consent" in rule_ids(
        decide(engine, case, DECIDED, DECIDED - DAY).violations
    )
    flagged = drive(engine, new_case(engine, born=D(1960, 1, 1), over_60_consent=True), "committee")
    assert decide(engine, flagged, DECIDED).accepted


def test_the_age_rule_still_refuses_the_young(engine: af.Engine) -> None:
    """17 years 11 months at the vote: eligibility.age, with the new message."""
    in_unit = unit(has_youth_union=False)
    case = drive(engine, new_case(engine, in_unit, born=D(2005, 6, 20)), "ready")
    violation = only(cell_vote(engine, case, VOTED, 20, 29), "eligibility.age")
    assert violation.message.en.startswith(
        "On the day of the cell's vote the candidate must be at least 18 years"
    )


def test_only_the_provincial_committee_records_a_consent(engine: af.Engine) -> None:
    """A cell cannot record it (auth.role); an unknown kind is the caller's mistake."""
    case = drive(engine, new_case(engine), "identified")
    outcome = engine.fire(
        case, "record_consent", "cell", START_DAY, kind="elder", consent_date=START_DAY
    )
    assert rule_ids(outcome.violations) == ["auth.role"]
    with pytest.raises(af.FactError, match="must be one of over_60, readmission, elder") as raised:
        engine.fire(
            case,
            "record_consent",
            "provincial_committee",
            START_DAY,
            kind="old",
            consent_date=START_DAY,
        )
    assert raised.value.field == "kind"
    after = consent(engine, case, START_DAY, "elder")
    assert after.state == "identified"


START_DAY = D(2023, 3, 1)


# -- 7. village elders and hardship where the candidate lives ---------------------------------------


@pytest.mark.parametrize(
    ("candidate", "in_unit", "allowed"),
    [
        ({"education": "primary", "hardship_area": True}, {}, True),
        ({"education": "primary"}, {"hardship_area": True}, True),
        ({"education": "primary"}, {}, False),
        ({"education": "none", "hardship_area": True}, {}, False),
    ],
)
def test_hardship_where_the_candidate_lives_allows_primary(
    engine: af.Engine, candidate: dict[str, Any], in_unit: dict[str, Any], allowed: bool
) -> None:
    """Person.hardship_area allows primary school as the unit's flag does."""
    case = drive(engine, new_case(engine, unit(**in_unit), **candidate), "ready")
    outcome = cell_vote(engine, case, VOTED, 20, 29)
    assert rule_ids(outcome.violations) == ([] if allowed else ["eligibility.education"])


@pytest.mark.parametrize(
    ("candidate", "with_consent", "allowed"),
    [
        ({"community_role": "village_elder", "hardship_area": True}, True, True),
        ({"community_role": "hamlet_chief", "hardship_area": True}, True, True),
        ({"community_role": "respected_person", "hardship_area": True}, False, False),
        ({"community_role": "village_elder"}, True, False),
        ({"hardship_area": True}, True, False),
    ],
)
def test_a_literate_elder_in_a_hardship_area_with_the_consent(
    engine: af.Engine, candidate: dict[str, Any], with_consent: bool, allowed: bool
) -> None:
    """literate passes only for a community role, in a hardship area, with an `elder` consent on file."""
    case = drive(engine, new_case(engine, education="literate", **candidate), "ready")
    if with_consent:
        case = consent(engine, case, VOTED, "elder")
    outcome = cell_vote(engine, case, VOTED, 20, 29)
    assert rule_ids(outcome.violations) == ([] if allowed else ["eligibility.education"])
    if not allowed and candidate.get("community_role") and candidate.get("hardship_area"):
        assert (
            "once the province's standing committee has consented"
            in outcome.violations[0].message.en
        )


def test_an_elder_consent_dated_after_the_vote_does_not_count(
    engine: af.Engine, tmp_path: Path
) -> None:
    """The consent the cell's vote relies on is dated on or before the vote, not after it.

    vn-2021's `dates.order` keeps a consent from being dated after it is recorded,
    so a procedure without that rule at `record_consent` shows it: there the
    consent recorded on the day of the vote but dated the next day is no consent
    for the vote (as for the over-60 and re-admission consents at the decision).
    """
    from admission_flow.testing._mutation import rule_removals

    text = (Path(af.__file__).parent / "standard" / "procedures" / "vn-2021.yaml").read_text(
        encoding="utf-8"
    )
    mutant = next(m for m in rule_removals(text) if m.name == "record_consent-dates.order")
    path = tmp_path / "loose.yaml"
    path.write_text(mutant.text, encoding="utf-8")
    plugins = af.Plugins(entry_points=False)
    loose = af.Engine(af.load_procedure(path, plugins=plugins), plugins=plugins, members=MEMBERS)
    elder = {"community_role": "village_elder", "hardship_area": True}
    for given, allowed in ((VOTED, True), (VOTED + DAY, False)):
        case = drive(loose, new_case(loose, education="literate", **elder), "ready")
        case = consent(loose, case, VOTED, "elder", given)
        outcome = cell_vote(loose, case, VOTED, 20, 29)
        assert rule_ids(outcome.violations) == ([] if allowed else ["eligibility.education"])


def test_a_community_role_is_checked() -> None:
    """An unknown community role is the caller's mistake, with a suggestion."""
    with pytest.raises(af.InputError, match="did you mean 'village_elder'") as raised:
        person(community_role="village_eldr")
    assert raised.value.field == "community_role"


# -- 8. re-admission ------------------------------------------------------------------------------


def left(**values: Any) -> af.Departure:
    return af.Departure(**({"on": D(2020, 6, 15), "reason": "struck_off"} | values))


@pytest.mark.parametrize(
    ("departure", "rules"),
    [
        (left(reason="abandoned_activities"), ["readmission.excluded_reason"]),
        (left(reason="asked_to_leave"), ["readmission.excluded_reason"]),
        (left(reason="asked_to_leave", hardship=True), []),
        (left(reason="serious_disunity"), ["readmission.excluded_reason"]),
        (left(reason="corruption_conviction"), ["readmission.excluded_reason"]),
        (left(reason="serious_crime_conviction"), ["readmission.excluded_reason"]),
        (left(reason="expelled"), []),
        (left(readmitted_before=True), ["readmission.once"]),
    ],
)
def test_readmission_is_judged_when_the_case_opens(
    engine: af.Engine, departure: af.Departure, rules: list[str]
) -> None:
    """At identify: the reasons that rule it out and "only once", with no register at all."""
    case = new_case(engine, left=departure)
    outcome = engine.fire(case, "identify", "cell_committee", START_DAY)
    assert rule_ids(outcome.violations) == rules
    if rules:
        refused(outcome, case)
        assert outcome.violations[0].source == "QĐ 24-QĐ/TW §3.5"


@pytest.mark.parametrize(
    ("departure", "day", "allowed"),
    [
        (left(), D(2023, 6, 14), False),
        (left(), D(2023, 6, 15), True),
        (
            left(
                reason="less_serious_crime_conviction",
                record_cleared_on=D(2018, 6, 9),
                on=D(2017, 1, 1),
            ),
            D(2023, 6, 8),
            False,
        ),
        (
            left(
                reason="less_serious_crime_conviction",
                record_cleared_on=D(2018, 6, 9),
                on=D(2017, 1, 1),
            ),
            D(2023, 6, 9),
            True,
        ),
        (left(reason="less_serious_crime_conviction"), D(2023, 6, 15), False),
        (left(reason="family_planning", child_rank=3, on=D(2023, 1, 1)), D(2023, 6, 9), True),
    ],
)
def test_the_waiting_period_is_judged_at_the_application(
    engine: af.Engine, departure: af.Departure, day: dt.date, allowed: bool
) -> None:
    """36 months after leaving; 60 after a cleared record; family planning not here."""
    case = drive(engine, new_case(engine, left=departure), "dossier", start=D(2023, 1, 2))
    outcome = engine.fire(case, "submit_application", "candidate", day)
    assert rule_ids(outcome.violations) == ([] if allowed else ["readmission.waiting_period"])
    if not allowed and departure.record_cleared_on is None and departure.reason != "struck_off":
        assert "no date the criminal record was cleared" in outcome.violations[0].message.en
    elif not allowed:
        assert outcome.violations[0].message.en.startswith("Too early to consider re-admission")


@pytest.mark.parametrize(
    ("rank", "day", "allowed"),
    [
        (3, VOTED - DAY, False),
        (3, VOTED, True),
        (4, D(2024, 6, 18), False),
        (4, D(2024, 6, 19), True),
    ],
)
def test_family_planning_counts_to_the_cells_meeting(
    engine: af.Engine, rank: int, day: dt.date, allowed: bool
) -> None:
    """Left 2021-06-19: a third child waits 24 months, a fourth 36, to the cell's vote (QĐ 05-QĐi/TW)."""
    departure = left(reason="family_planning", child_rank=rank, on=D(2021, 6, 19))
    case = drive(engine, new_case(engine, left=departure), "ready")
    outcome = cell_vote(engine, case, day, 20, 29)
    assert rule_ids(outcome.violations) == ([] if allowed else ["readmission.waiting_period"])


def test_readmission_needs_the_consent_before_the_decision(engine: af.Engine) -> None:
    """No consent: readmission.consent; a consent on the decision's day: accepted, party age backdated."""
    departure = left(on=D(2018, 6, 15), first_admitted_on=D(2010, 9, 2))
    case = drive(engine, new_case(engine, left=departure), "committee")
    violation = only(decide(engine, case, DECIDED), "readmission.consent")
    assert "re-admission" in violation.message.en
    case = consent(engine, case, DECIDED, "readmission")
    after = decide(engine, case, DECIDED)
    assert after.accepted
    # QĐ 29 §4.5b: from the first admission, less the time outside the Party.
    outside = D(2018, 6, 15) - D(2010, 9, 2)
    assert engine.dates(after.case)["membership_counted_from"] == DECIDED - outside
    first = drive(engine, new_case(engine), "admitted")
    assert engine.dates(first)["membership_counted_from"] == DECIDED


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"reason": "quit"}, "reason", "left.reason must be one of"),
        ({"record_cleared_on": D(2020, 6, 14)}, "left.record_cleared_on", "is before left.on"),
        ({"reason": "family_planning", "child_rank": 5}, "left.child_rank", "must be 3 or 4"),
        (
            {"reason": "family_planning"},
            "left.child_rank",
            "is needed when left.reason is family_planning",
        ),
        ({"first_admitted_on": D(2020, 6, 16)}, "left.first_admitted_on", "is after left.on"),
    ],
)
def test_a_malformed_left_is_the_callers_mistake(
    values: dict[str, Any], field: str, message: str
) -> None:
    """Through the API: an InputError naming the field."""
    with pytest.raises(af.InputError, match=message) as raised:
        left(**values)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("{on: 2020-06-15, reason: quit}", "5:35", "candidate.left.reason is 'quit'"),
        (
            "{on: 2020-06-15, reason: struck_off, record_cleared_on: 2020-01-01}",
            "5:66",
            "is before left.on",
        ),
        ("{on: 2020-06-15, reason: family_planning, child_rank: 5}", "5:64", "must be 3 or 4"),
    ],
)
def test_a_malformed_left_in_a_scenario_is_a_file_line_col(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, message: str
) -> None:
    """In a scenario: exit 2, one line with the value's line and column."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "procedure: vn-2021\n"
        "unit: {id: u-1, official_members: 29}\n"
        "candidate:\n"
        "  {id: c-1, name: A, born: 1990-01-01, education: university,\n"
        f"   left: {text}}}\n"
        "events:\n"
        "  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    assert _cli.main(["run", str(path)]) == 2
    _out, err = capsys.readouterr()
    [line] = err.strip().splitlines()
    assert line.startswith(f"{path}:{where}: "), line
    assert message in line


# -- 9. a returned dossier ----------------------------------------------------------------------


def test_a_returned_dossier_is_voted_on_again(engine: af.Engine) -> None:
    """After return_dossier the cell may vote again and the committee must vote again."""
    case = drive(engine, new_case(engine), "committee")
    only(cell_vote(engine, case, VOTED + DAY, 20, 29), "vote.already_passed")
    returned = engine.fire(
        case, "return_dossier", "competent_committee", D(2023, 7, 3), reason="history incomplete"
    )
    assert returned.accepted
    assert returned.case.state == "dossier"
    case = returned.case
    only(decide(engine, case, DECIDED), "vote.committee_voted")
    case = fire_ok(
        engine, case, "cell_vote", "cell", D(2023, 7, 5), in_favour=20, official_members=29
    )
    only(decide(engine, case, DECIDED), "vote.committee_voted")
    case = committee_vote(engine, case, D(2023, 7, 6)).case
    assert decide(engine, case, DECIDED).accepted


def test_only_the_competent_committee_returns_a_dossier(engine: af.Engine) -> None:
    """The cell cannot return its own dossier (auth.role); nor can a case outside `dossier` (event.state)."""
    case = drive(engine, new_case(engine), "committee")
    assert rule_ids(engine.fire(case, "return_dossier", "cell", DECIDED).violations) == [
        "auth.role"
    ]
    admitted = drive(engine, new_case(engine), "admitted")
    assert rule_ids(
        engine.fire(admitted, "return_dossier", "competent_committee", DECIDED).violations
    ) == ["event.state"]


# -- version ------------------------------------------------------------------------------------


def test_the_procedure_is_revision_3(procedure: af.Procedure) -> None:
    """Version 2021.3, with the new role and events."""
    assert procedure.version == "2021.3"
    assert "provincial_committee" in procedure.roles
    assert {"record_consent", "return_dossier"} <= set(procedure.events)
