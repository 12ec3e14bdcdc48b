"""Mutation proof of vn-2021: each rule removed from each event, one at a time.

Every mutant is either unsafe, and then `admission-flow check` must find it
with a short counter-example, or listed in HARMLESS with the reason. The CI
runs the generator and the table in full (cheap) and the search on a subset
of the unsafe mutants (CI_FOUND, the ones issue 17 reported missed first);
`python benchmarks/mutation_table.py` runs the search on every mutant and
prints the whole table (mutant, found by check, found by the property test,
events, time).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.testing._mutation import Mutant, rule_removals
from helpers import UNTIMED_ARGS, run_module

VN_TEXT = (Path(af.__file__).parent / "standard" / "procedures" / "vn-2021.yaml").read_text(
    encoding="utf-8"
)

_FORWARD = (
    "the search never dates an event before the case's latest step (time only moves "
    "forward), so a missing date-order check is outside what it explores; issue 14 makes "
    "date order a rule of the engine for every procedure"
)

_VN_2021 = af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False))
#: Each (event, rule) where the rule only warns (vote.excluded_reasons, vote.committee_short).
_WARNINGS = [
    (spec.name, use.rule)
    for spec in _VN_2021.events.values()
    for use in spec.rules
    if _VN_2021.rules[use.rule].severity == "warning"
]

#: Mutants that let no unlawful case through, each with the reason.
HARMLESS: dict[str, str] = {
    **{
        f"{event}-dates.order": _FORWARD
        for event in (
            "identify",
            "assign_mentor",
            "open_dossier",
            "submit_application",
            "submit_history",
            "verify_background",
            "introduce",
            "record_opinions",
            "cell_vote",
            "committee_vote",
            "hold_ceremony",
            "recognition_vote",
            "withdraw",
            "reject",
        )
    },
    "complete_course-dates.order": (
        "course.certificate_order refuses a certificate dated after the event that records it"
    ),
    "complete_course-course.certificate_order": (
        "dates.order refuses a certificate dated after its event, and an older certificate "
        "recorded later is judged by course.certificate_valid at the vote like any other"
    ),
    "record_consent-dates.order": (
        "every rule that relies on a consent compares its consent_date with its own "
        "event's date (the elder's schooling at the vote, the over-60 and re-admission "
        "consents at the decision), so a consent dated after it was recorded counts only "
        "from that date (tests/test_revision_3.py)"
    ),
    "return_dossier-dates.order": (
        "return_dossier carries no date fact and names no vote, so dates.order checks "
        "nothing there; an event dated before the case's latest step is the core rule "
        "event.date's"
    ),
    "cell_vote-vote.already_passed": (
        "a second passing cell vote is judged by every rule of the first; no one the law "
        "excludes gets through"
    ),
    **{
        f"{event}-{rule}": "a warning: it never refuses or records a step"
        for event, rule in _WARNINGS
    },
    "recognition_vote-recognition.already_proposed": (
        "the committee's decision still needs a passing vote proposing its own outcome "
        "(recognition.vote_passed)"
    ),
}

#: Unsafe mutants whose search runs in CI (each stops at its first counter-example).
CI_FOUND = {
    "cell_vote-eligibility.age": "admission.age_at_vote",
    "cell_vote-course.certificate_valid": "admission.certificate_valid",
    "decide_admission-vote.cell_passed": "admission.decided_after_cell_vote",
    "assign_mentor-mentor.official_member": "mentor.official_member",
    "decide_admission-decision.authority": "admission.decided_by_competent_body",
    "cell_vote-vote.denominator": "admission.cell_vote_passed",
    "introduce-introduction.twelve_months": "admission.introductions",
    # Explored through the departures the re-admission rules declare (issue 17).
    "decide_admission-readmission.consent": "readmission.consented",
}


def _mutants() -> dict[str, Mutant]:
    return {m.name: m for m in rule_removals(VN_TEXT)}


def test_the_generator_removes_each_rule_from_each_event_once(tmp_path: Path) -> None:
    """One mutant per rule of each event (57 for vn-2021 revision 3), each loading with that rule gone."""
    mutants = _mutants()
    plugins = af.Plugins(entry_points=False)
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    expected = {f"{e.name}-{u.rule}" for e in procedure.events.values() for u in e.rules}
    assert set(mutants) == expected
    assert len(mutants) == 57
    for mutant in mutants.values():
        path = tmp_path / f"{mutant.name}.yaml"
        path.write_text(mutant.text, encoding="utf-8")
        changed = af.load_procedure(path, plugins=plugins)
        before = [u.rule for u in procedure.events[mutant.event].rules]
        after = [u.rule for u in changed.events[mutant.event].rules]
        at = before.index(mutant.rule)
        assert before == [*after[:at], mutant.rule, *after[at:]]
        assert changed.invariants == procedure.invariants


def test_every_harmless_mutant_has_a_reason_and_names_a_real_mutant() -> None:
    """The list of harmless mutants is about mutants that exist, each with a reason."""
    mutants = _mutants()
    assert set(HARMLESS) <= set(mutants)
    assert all(len(reason) > 20 for reason in HARMLESS.values())
    assert not set(HARMLESS) & set(CI_FOUND)


@pytest.mark.parametrize("name", sorted(CI_FOUND))
def test_check_finds_each_unsafe_mutant_with_its_shortest_counterexample(
    name: str, tmp_path: Path
) -> None:
    """The search stops at a counter-example that breaks the invariant stating that condition.

    Run as a user runs it, ``admission-flow check MUTANT --json --counterexample FILE``,
    in a process of its own: coverage's tracer, which CI runs the suite under, slows
    these searches threefold (27 s become 90), and the shorter tests of ``check``
    cover the same code.
    """
    mutant = _mutants()[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(mutant.text, encoding="utf-8")
    written = tmp_path / "ce.yaml"
    argv = ["check", str(path), "--json", *UNTIMED_ARGS, "--counterexample", str(written)]
    done = run_module(*argv, cwd=tmp_path, timeout=1800)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["result"] == "invariant_failed"
    assert any(f.startswith(f"invariant '{CI_FOUND[name]}' ") for f in report["failures"])
    events = [e["event"] for e in report["counterexample"]]
    assert 0 < len(events) <= 16
    # The mutated event is on the path: the counter-example goes through the hole.
    assert mutant.event in events
    # The positive twin: vn-2021's own engine refuses the counter-example, as written
    # to its file, with the rule the mutant lost (not only where that rule answers
    # alone: the refusal names it).
    scenario = af.load_scenario(written, plugins=af.Plugins(entry_points=False), allow_paths=True)
    assert [e.event for e in scenario.events] == events
    assert mutant.rule in _refused_by_the_sound_procedure(scenario)


def _refused_by_the_sound_procedure(scenario: af.Scenario) -> list[str]:
    """The rules vn-2021's own engine refuses the mutant's counter-example with."""
    plugins = af.Plugins(entry_points=False)
    engine = af.Engine(
        af.load_procedure("vn-2021", plugins=plugins),
        plugins=plugins,
        members=list(scenario.members.values()),
    )
    case = engine.open(scenario.case_id, scenario.candidate, scenario.unit)
    refused = []
    for attempt in scenario.events:
        outcome = engine.fire(case, attempt.event, attempt.actor, attempt.on, **attempt.facts)
        if not outcome.accepted:
            refused.extend(v.rule for v in outcome.violations)
        case = outcome.case
    return refused


#: Unsafe mutants of the recognition that the search said "every invariant holds" of
#: until the abstract state kept the order of the steps a rule compares
#: (``Rule.order_of``): a committee vote before the recognition vote and one after it
#: were one state, and whichever came first in the search stood for both. Searched
#: from the lawful case cut before the recognition vote (``check --start``).
ORDER_FOUND = {
    "recognition_vote-vote.two_thirds": "official.after_probation_and_vote",
    "recognition_vote-vote.denominator": "official.after_probation_and_vote",
    "recognize-dates.order": "official.after_probation_and_vote",
    "remove_from_probation-dates.order": "removed.after_vote_or_escalation",
}


@pytest.mark.parametrize("name", sorted(ORDER_FOUND))
def test_check_tells_a_committee_vote_before_the_recognition_vote_from_one_after(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found from the ceremony on, and the counter-example replays as printed."""
    from test_check import lawful_start, replay_command

    mutant = _mutants()[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(mutant.text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    start, _ = lawful_start(tmp_path, "recognition_vote")
    assert _cli.main(["check", str(path), "--start", str(start), *UNTIMED_ARGS]) == 1
    out = capsys.readouterr().out
    assert f"invariant '{ORDER_FOUND[name]}' does not hold" in out
    assert _cli.main(replay_command(out)) == 0
    assert "Trạng thái / state: " in capsys.readouterr().out


def test_the_order_of_the_compared_events_is_part_of_the_abstract_state() -> None:
    """The groups vn-2021's rules declare: the return of the dossier, the committee's votes."""
    from admission_flow.testing._order import ordered_groups

    engine = af.Engine(_VN_2021, plugins=af.Plugins(entry_points=False))
    assert ordered_groups(engine) == (
        ("cell_vote", "return_dossier"),
        ("committee_vote", "recognition_vote"),
        ("committee_vote", "return_dossier"),
    )
