"""Invariants declared in the procedure file: parsed, validated, and checked on cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

import admission_flow as af
from admission_flow.engine._scenario_moves import fire_entry
from admission_flow.testing import check_invariants
from helpers import drive

ROOT = Path(__file__).resolve().parent.parent
VN_FILE = Path(af.__file__).parent / "standard" / "procedures" / "vn-2021.yaml"
D = dt.date


def vn_with_invariants(tmp_path: Path, section: str) -> Path:
    """vn-2021 with its invariants section replaced by ``section``."""
    text = VN_FILE.read_text(encoding="utf-8")
    head = text[: text.index("\ninvariants:")]
    path = tmp_path / "variant.yaml"
    path.write_text(head + "\ninvariants:\n" + section, encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[int, int, str]]:
    with pytest.raises(af.ProcedureError) as caught:
        af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    return [(p.line, p.column, p.message) for p in caught.value.problems]


def test_vn_2021_declares_its_invariants_each_with_a_source() -> None:
    """Every condition of admission and recognition, each with both languages and its article.

    (Contract changed with issue 17: the eight invariants of revision 2 became
    one per condition of the law.)
    """
    procedure = af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False))
    ids = [i.id for i in procedure.invariants]
    assert ids == [
        "mentor.official_member",
        "dossier.after_course",
        "admission.age_at_vote",
        "admission.education",
        "admission.youth_union_member",
        "admission.certificate_valid",
        "admission.dossier_complete",
        "admission.application_and_history",
        "admission.introductions",
        "admission.cell_vote_passed",
        "admission.decided_after_cell_vote",
        "admission.committee_voted",
        "admission.committee_after_cell",
        "admission.decided_by_competent_body",
        "readmission.allowed",
        "readmission.waited",
        "readmission.consented",
        "ceremony.within_deadline",
        "recognition.after_twelve_months",
        "official.after_probation_and_vote",
        "removed.after_vote_or_escalation",
        "escalated.after_three_short_votes",
    ]
    assert all(i.source and i.label.vi and i.label.en for i in procedure.invariants)


def test_every_example_scenario_keeps_every_invariant_at_every_step() -> None:
    """The engine and the declared law agree on all the worked examples."""
    for path in sorted((ROOT / "examples" / "scenarios").glob("*.yaml")):
        scenario = af.load_scenario(path)
        engine = scenario.engine
        case = engine.open(scenario.candidate.id, scenario.candidate, scenario.unit)
        for event in scenario.events:
            outcome, engine = fire_entry(engine, case, event)  # a move changes the engine
            case = outcome.case
            assert (
                check_invariants(
                    engine.procedure,
                    case,
                    calendar=engine.calendar,
                    members=engine.members,
                    plugins=engine.plugins,
                )
                == []
            ), (
                path.name,
                event.event,
            )


def test_a_case_admitted_without_a_passing_vote_breaks_the_invariants_that_say_so(
    engine: af.Engine, case: af.Case
) -> None:
    """A case forced into 'admitted' fails every condition of admission it lacks, with reasons."""
    case = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1)).case
    forced = attrs.evolve(case, state="admitted")
    failures = check_invariants(engine.procedure, forced)
    assert [f.invariant.id for f in failures] == [
        "mentor.official_member",
        "dossier.after_course",
        "admission.age_at_vote",
        "admission.education",
        "admission.youth_union_member",
        "admission.certificate_valid",
        "admission.dossier_complete",
        "admission.application_and_history",
        "admission.introductions",
        "admission.cell_vote_passed",
        "admission.decided_after_cell_vote",
        "admission.committee_voted",
        "admission.decided_by_competent_body",
    ]
    by_id = {f.invariant.id: f for f in failures}
    assert (
        "rule 'vote.two_thirds' held at each accepted 'cell_vote' (and there is one)"
        in by_id["admission.cell_vote_passed"].explanation
    )
    assert check_invariants(engine.procedure, attrs.evolve(case, state="identified")) == []


def test_invariants_are_part_of_what_makes_two_procedures_equal(tmp_path: Path) -> None:
    """A procedure without an invariant is a different procedure."""
    one = af.load_procedure(VN_FILE)
    text = VN_FILE.read_text(encoding="utf-8")
    other = tmp_path / "fewer.yaml"
    other.write_text(text[: text.index("\n  escalated.after_three_short_votes:")] + "\n", "utf-8")
    two = af.load_procedure(other)
    assert one != two
    assert (
        attrs.evolve(two, invariants=one.invariants, fingerprint=one.fingerprint, path=one.path)
        == one
    )


def test_mistakes_in_invariants_are_reported_each_with_its_position_and_a_suggestion(
    tmp_path: Path,
) -> None:
    """Unknown names get a did-you-mean; impossible conditions say why."""
    path = vn_with_invariants(
        tmp_path,
        """\
  bad.one:
    vi: Một
    en: One
    source: test
    in: [oficial]
    requires:
      - pased: {event: cell_vote, rule: vote.two_thirds}
      - passed: {event: cell_vote, rule: vote.cell_passed}
      - step: {event: decide_admision}
      - step: {event: hold_ceremony, by: candidate, where: {higher_consent: maybe}}
      - unit: {delegated: true}
      - months_since: {event: hold_ceremony, fact: higher_consent, at_least: 12}
  bad.two:
    vi: Hai
    en: Two
    in: [official]
    requires: []
""",
    )
    found = problems(path)
    messages = [m for _, _, m in found]
    assert all(line > 300 for line, _, _ in found)
    expected = [
        "unknown state 'oficial' in invariants.bad.one.in; did you mean 'official'?",
        "unknown condition 'pased' in invariants.bad.one.requires[0]; did you mean 'passed'?",
        "rule 'vote.cell_passed' is not checked at 'cell_vote'",
        "unknown event 'decide_admision' in invariants.bad.one.requires[2].step.event; did you mean 'decide_admission'?",
        "'candidate' never fires 'hold_ceremony'",
        "invariants.bad.one.requires[3].step.where.higher_consent must be a bool",
        "unknown unit field 'delegated' in invariants.bad.one.requires[4].unit; did you mean 'delegated_admission'?",
        "fact 'higher_consent' is a bool, not a date",
        "missing 'source' in invariants.bad.two",
        "invariants.bad.two.requires is empty; list at least one condition",
    ]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)


def test_the_invariants_section_must_be_a_mapping(tmp_path: Path) -> None:
    """A list where a mapping belongs is one clear problem."""
    text = VN_FILE.read_text(encoding="utf-8")
    path = tmp_path / "list.yaml"
    path.write_text(text[: text.index("\ninvariants:")] + "\ninvariants: [a, b]\n", "utf-8")
    ((_, _, message),) = problems(path)
    assert message == "'invariants' must be a mapping of invariant ids, not a list"


def _without(text: str, start: str, end: str) -> str:
    return text[: text.index(start)] + text[text.index(end) :]


@pytest.mark.parametrize(
    ("received", "late"),
    [(None, True), (None, False), ("recent", True)],
    ids=["late-no-receipt", "in-time-no-receipt", "late-but-received-recently"],
)
def test_a_date_fact_the_step_does_not_carry_is_no_date_to_count_from(
    tmp_path: Path,
    engine: af.Engine,
    candidate: af.Person,
    unit: af.Unit,
    received: str | None,
    late: bool,
) -> None:
    """``working_days`` from ``hold_ceremony``'s ``received_date``: absent, it does not hold.

    vn-2021 without its ceremony deadline lets a ceremony through however late;
    the invariant ``ceremony.within_deadline`` (counted from the decision, or
    from the receipt when the ceremony gives it) must then fail. It once took
    the ceremony's own day when ``received_date`` was left out, and held.
    """
    text = VN_FILE.read_text(encoding="utf-8")
    text = _without(text, "  ceremony_due:\n", "  recognition_due:\n")
    text = _without(text, "  ceremony.deadline:\n", "  probation.twelve_months:\n")
    path = tmp_path / "no-deadline.yaml"
    path.write_text(text, encoding="utf-8")
    procedure = af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    engine = af.Engine(procedure, members=engine.members)
    case = drive(engine, engine.open("c-hoa", candidate, unit), "admitted")
    decided = case.history[-1].on
    # 30 working days after the decision, or the next (Tết is far from June 2023).
    on = engine.calendar.add_working_days(decided, 31 if late else 30)
    facts = {} if received is None else {"received_date": on - dt.timedelta(days=3)}
    outcome = engine.fire(case, "hold_ceremony", "cell", on, **facts)
    assert outcome.step.accepted, outcome.violations
    failing = [f.invariant.id for f in check_invariants(procedure, outcome.case)]
    assert ("ceremony.within_deadline" in failing) is (late and received is None)
