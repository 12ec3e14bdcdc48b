"""Loading and validating procedure files: every problem at once, each at its ``file:line:col``.

Each broken file in ``tests/data/procedures/`` shows one kind of mistake (``many_mistakes.yaml``
several); each test asserts the exact position (line and column, from 1) and message of every
problem reported, in the order reported.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli._main import main
from helpers import PROCEDURES
from helpers import load_procedure_fixture as load
from helpers import procedure_problems as problems_of

DATA = PROCEDURES

ALL_LANGUAGES = "every text a user reads needs Vietnamese ('vi') and English ('en')"
UNREACHABLE = (
    "cannot be reached from the event that opens a case; add an event that leads to it, "
    "or remove it"
)


# -- a good file -------------------------------------------------------------------------------


def test_minimal_procedure_loads() -> None:
    """The minimal fixture loads cleanly; other tests may build on it."""
    procedure = load("minimal.yaml")
    assert procedure.id == "minimal"
    assert procedure.title == af.Text("Quy trình tối thiểu", "Minimal procedure")
    assert list(procedure.roles) == ["cell"]
    assert list(procedure.states) == ["identified", "approved"]
    assert procedure.final_states == frozenset({"approved"})
    assert list(procedure.events) == ["identify", "approve"]
    identify, approve = procedure.events["identify"], procedure.events["approve"]
    assert (identify.opens_case, identify.sources, identify.target) == (True, (), "identified")
    assert (approve.opens_case, approve.sources, approve.target) == (
        False,
        ("identified",),
        "approved",
    )
    assert approve.roles == ("cell",)
    assert procedure.path == str(DATA / "minimal.yaml")


# -- names: unknown keys, states, roles, rules, facts, events ---------------------------------------


def test_unknown_key_suggests_the_right_one() -> None:
    """``form:`` for ``from:`` is named with a suggestion; the event then lacks its ``from``."""
    assert problems_of("unknown_key.yaml") == [
        (
            7,
            3,
            "state 'identified' is not final and no event leads out of it; add one, "
            "or mark it 'final: true'",
        ),
        (8, 3, f"state 'approved' {UNREACHABLE}"),
        (
            17,
            5,
            "missing 'from' in events.approve (the states it can happen in); "
            "or 'opens_case: true' for the event that opens a case",
        ),
        (19, 5, "unknown key 'form' in events.approve; did you mean 'from'?"),
    ]


def test_unknown_state_in_to_and_from() -> None:
    """A misspelt state in ``to`` or in a list of ``from`` is named with the state it resembles."""
    assert problems_of("unknown_state.yaml") == [
        (21, 9, "unknown state 'aproved' in events.approve.to; did you mean 'approved'?"),
        (26, 24, "unknown state 'identifed' in events.reject.from; did you mean 'identified'?"),
    ]


def test_unknown_role_in_by() -> None:
    """A misspelt role gets a suggestion; a role that resembles none is still named."""
    assert problems_of("unknown_role.yaml") == [
        (
            16,
            9,
            "unknown role 'cell_comittee' in events.identify.by; did you mean 'cell_committee'?",
        ),
        (22, 16, "unknown role 'secretary' in events.approve.by; known: cell, cell_committee"),
    ]


def test_unknown_rule_on_an_event() -> None:
    """A rule no plugin provides, listed on an event, is named with the closest rule id."""
    assert problems_of("unknown_rule.yaml") == [
        (
            22,
            13,
            "unknown rule 'eligibility.agee' in events.approve.rules; "
            "did you mean 'eligibility.age'?",
        ),
    ]


def test_deadline_names_unknown_facts() -> None:
    """``date``, ``extension``, ``met_on`` and ``waiver`` must be facts their events declare."""
    assert problems_of("deadline_unknown_facts.yaml") == [
        (
            32,
            11,
            "unknown fact 'noticed' in deadlines.approval_due.date: event 'identify' does not "
            "declare it; did you mean 'noticed_on'?",
        ),
        (
            35,
            16,
            "unknown fact 'extend' in deadlines.approval_due.extension: event 'approve' does not "
            "declare it; did you mean 'extended'?",
        ),
        (
            37,
            13,
            "unknown fact 'decision_day' in deadlines.approval_due.met_on: event 'approve' does "
            "not declare it; did you mean 'decision_date'?",
        ),
        (
            38,
            13,
            "unknown fact 'consent' in deadlines.approval_due.waiver: event 'approve' does not "
            "declare it; did you mean 'higher_consent'?",
        ),
    ]


def test_deadline_names_unknown_events() -> None:
    """``after`` and ``met_by`` must name events; the deadline's declared rule stays a deadline rule."""
    assert problems_of("deadline_unknown_events.yaml") == [
        (
            25,
            12,
            "unknown event 'identfy' in deadlines.approval_due.after; did you mean 'identify'?",
        ),
        (
            27,
            23,
            "unknown event 'aprove' in deadlines.approval_due.met_by; did you mean 'approve'?",
        ),
    ]


def test_dates_name_unknown_facts_and_events() -> None:
    """A named date's ``fact``, ``event`` and ``requires`` must exist."""
    assert problems_of("date_unknown.yaml") == [
        (
            25,
            39,
            "unknown fact 'decison_date' in dates.approved_on.fact: event 'approve' does not "
            "declare it; did you mean 'decision_date'?",
        ),
        (26, 26, "unknown event 'identfy' in dates.identified_on.event; did you mean 'identify'?"),
        (27, 55, "unknown event 'reveiw' in dates.reviewed_on.requires; known: approve, identify"),
    ]


# -- types -----------------------------------------------------------------------------------------


def test_wrong_types() -> None:
    """``final: maybe``, ``type: integer``, a default of the wrong type, ``min`` on text, a bad ``at_most``."""
    assert problems_of("wrong_types.yaml") == [
        (
            8,
            3,
            "state 'approved' is not final and no event leads out of it; add one, "
            "or mark it 'final: true'",
        ),
        (8, 54, "states.approved.final must be true or false, not 'maybe' (text)"),
        (
            23,
            25,
            "events.approve.facts.in_favour.type is 'integer', not one of text, int, bool, date, "
            "choice, member, counts; did you mean 'int'?",
        ),
        (
            25,
            37,
            "unknown fact 'oficial_members' in events.approve.facts.present.at_most; "
            "did you mean 'official_members'?",
        ),
        (26, 39, "events.approve.facts.extended.default must be true or false, not 'no' (text)"),
        (
            27,
            28,
            "events.approve.facts.reason.min is only for facts of type 'int'; remove it or use that type",
        ),
    ]


def test_deadline_working_days_must_be_a_number() -> None:
    """``working_days: ten`` is one problem; its declared rule is not mistaken for a plugin rule."""
    assert problems_of("deadline_wrong_type.yaml") == [
        (26, 19, "deadlines.approval_due.working_days must be a whole number, not 'ten' (text)"),
    ]


def test_fact_with_a_wrong_type_still_counts_as_declared() -> None:
    """A misspelt fact type is one problem; rules reading that fact do not call it undeclared."""
    assert problems_of("fact_type_read_by_rule.yaml") == [
        (
            25,
            25,
            "events.approve.facts.in_favour.type is 'integer', not one of text, int, bool, date, "
            "choice, member, counts; did you mean 'int'?",
        ),
    ]


def test_reserved_fact_names() -> None:
    """``on``, ``event`` and ``by`` are keys of a scenario event, so no fact may take them."""
    reserved = "is reserved in scenario files and cannot name a fact; choose another name"
    assert problems_of("reserved_facts.yaml") == [
        (23, 7, f"'on' {reserved}"),
        (24, 7, f"'event' {reserved}"),
        (25, 7, f"'by' {reserved}"),
    ]


# -- both languages ---------------------------------------------------------------------------------


def test_labels_need_both_languages() -> None:
    """A title, a role and an event missing ``vi`` or ``en``: one problem each, nothing else."""
    assert problems_of("missing_language.yaml") == [
        (3, 8, f"missing 'en' in title: {ALL_LANGUAGES}"),
        (5, 9, f"missing 'vi' in roles.cell: {ALL_LANGUAGES}"),
        (11, 5, f"missing 'en' in events.identify: {ALL_LANGUAGES}"),
    ]


def test_rule_message_needs_both_languages() -> None:
    """A rule message without ``vi`` is one problem, not also "has no message"."""
    assert problems_of("missing_language_message.yaml") == [
        (32, 7, f"missing 'vi' in rules.vote.two_thirds.message: {ALL_LANGUAGES}"),
    ]


def test_missing_sections_are_each_reported_once() -> None:
    """A file without ``roles``, ``states`` and ``events`` gets one problem per missing section."""
    assert problems_of("missing_sections.yaml") == [
        (2, 1, "missing 'roles' in the procedure"),
        (2, 1, "missing 'states' in the procedure"),
        (2, 1, "missing 'events' in the procedure"),
    ]


# -- the shape of the graph ------------------------------------------------------------------------


def test_unreachable_state() -> None:
    """A state no event leads to is reported at its name."""
    assert problems_of("unreachable_state.yaml") == [(9, 3, f"state 'archived' {UNREACHABLE}")]


def test_non_final_state_without_a_way_out() -> None:
    """A state that is not final needs an event leading elsewhere (a loop back does not count)."""
    assert problems_of("dead_end_state.yaml") == [
        (
            8,
            3,
            "state 'waiting' is not final and no event leads out of it; add one, "
            "or mark it 'final: true'",
        ),
    ]


def test_final_state_with_an_outgoing_event() -> None:
    """A final state that an event leaves names that event."""
    assert problems_of("final_with_exit.yaml") == [
        (
            8,
            3,
            "state 'approved' is final, yet events leave it: reopen; "
            "remove 'final: true' or those events",
        ),
    ]


def test_no_event_opens_a_case() -> None:
    """Some event must carry ``opens_case: true``."""
    assert problems_of("no_opening_event.yaml") == [
        (10, 3, "no event opens a case: mark the first event with 'opens_case: true'"),
    ]


def test_opening_event_with_from() -> None:
    """The event that opens a case has no ``from``."""
    assert problems_of("opens_case_with_from.yaml") == [
        (14, 5, "events.identify opens a case, so it has no 'from'; remove one of them"),
    ]


# -- rules: implementations, parameters, messages, facts -----------------------------------------------


def test_rule_check_names_no_known_implementation() -> None:
    """``check:`` naming an implementation no plugin provides names the plugins and ``-p``."""
    assert problems_of("rule_check_unknown.yaml") == [
        (
            25,
            12,
            "unknown rule 'school.grade_minimum' in rules.unit.grade; no installed plugin "
            "provides it (installed: admission_flow.standard); load the plugin with -p MODULE "
            "(in Python: af.Plugins([module]))",
        ),
    ]


def test_unknown_rule_parameter() -> None:
    """An unknown parameter, on an event or under ``rules:``, is named at its key, with a suggestion."""
    assert problems_of("rule_unknown_param.yaml") == [
        (
            23,
            27,
            "rule 'eligibility.age' takes no parameter 'min_month' (in events.approve.rules); "
            "did you mean 'min_months'?",
        ),
        (
            29,
            7,
            "rule 'eligibility.age' takes no parameter 'max_month'; did you mean 'max_months'?",
        ),
    ]


def test_missing_required_rule_parameter() -> None:
    """``recognition.vote_passed`` needs ``outcome``; the problem says where to give it."""
    assert problems_of("rule_missing_param.yaml") == [
        (
            22,
            13,
            "rule 'recognition.vote_passed' needs parameter 'outcome' "
            "(in events.approve.rules or rules.recognition.vote_passed.params)",
        ),
    ]


def test_unknown_placeholder_in_a_message() -> None:
    """A ``{placeholder}`` the rule does not offer gets a suggestion and the list on offer."""
    assert problems_of("rule_unknown_placeholder.yaml") == [
        (
            28,
            11,
            "unknown placeholder '{ages}' in rules.eligibility.age.message.en; "
            "did you mean 'age'? (rule 'eligibility.age' offers: age, maximum, minimum)",
        ),
    ]


def test_unmatched_braces_in_a_message() -> None:
    """An unmatched ``{`` or ``}`` is reported in each language where it occurs."""
    brace = "has an unmatched '{' or '}'; write '{{' for a literal brace"
    assert problems_of("rule_unmatched_brace.yaml") == [
        (27, 11, f"rules.eligibility.age.message.vi {brace}"),
        (28, 11, f"rules.eligibility.age.message.en {brace}"),
    ]


def test_rule_reads_facts_the_event_does_not_declare() -> None:
    """``vote.two_thirds`` on an event without ``in_favour`` and ``official_members``."""
    undeclared = "which events.approve does not declare; add it under events.approve.facts"
    assert problems_of("rule_reads_undeclared_fact.yaml") == [
        (24, 13, f"rule 'vote.two_thirds' reads fact 'in_favour', {undeclared}"),
        (24, 13, f"rule 'vote.two_thirds' reads fact 'official_members', {undeclared}"),
    ]


def test_deadline_rule_must_be_declared() -> None:
    """A deadline's rule needs its message and source under ``rules:``."""
    assert problems_of("deadline_rule_undeclared.yaml") == [
        (
            23,
            3,
            "rule 'approval.deadline' of deadlines.approval_due must be declared under 'rules:' "
            "with its message and source",
        ),
    ]


def test_escalation_rule_must_be_declared() -> None:
    """An escalation's rule needs its message and source under ``rules:``."""
    assert problems_of("escalation_rule_undeclared.yaml") == [
        (
            27,
            49,
            "rule 'vote.escalation' of events.approve.escalation must be declared under 'rules:' "
            "with its message and source",
        ),
    ]


def test_escalation_to_unknown_state_keeps_its_rule() -> None:
    """A misspelt escalation state is named; its declared rule is not taken for a plugin rule."""
    assert problems_of("escalation_unknown_state.yaml") == [
        (
            18,
            32,
            "unknown state 'escalatd' in events.approve.escalation.to; did you mean 'escalated'?",
        ),
    ]


# -- every problem at once ----------------------------------------------------------------------------


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    """Six mistakes in one file: six problems in one error, in file order."""
    found = problems_of("many_mistakes.yaml")
    assert len(found) == 6
    assert found == [
        (9, 3, f"state 'archived' {UNREACHABLE}"),
        (16, 9, "unknown role 'cel' in events.identify.by; did you mean 'cell'?"),
        (24, 7, "'on' is reserved in scenario files and cannot name a fact; choose another name"),
        (
            27,
            22,
            "events.approve.facts.reason.type is 'string', not one of text, int, bool, date, "
            "choice, member, counts",
        ),
        (29, 5, "unknown key 'escalate' in events.approve; did you mean 'escalation'?"),
        (
            34,
            11,
            "unknown placeholder '{in_favor}' in rules.vote.two_thirds.message.vi; "
            "did you mean 'in_favour'? (rule 'vote.two_thirds' offers: in_favour, needed, total)",
        ),
    ]


# -- the bundled standard procedure ----------------------------------------------------------------------

# The vocabulary of domain/STANDARD_PROCEDURE.md: public API, spelt out here on purpose.
VN_2021_ROLES = (
    "candidate",
    "member",
    "cell",
    "cell_committee",
    "grassroots_committee",
    "competent_committee",
    "training_center",
    "youth_union_committee",
    "trade_union_committee",
    # Revision 3: the province-level standing committee records its consents.
    "provincial_committee",
)
VN_2021_STATES = (
    "identified",
    "mentored",
    "course",
    "dossier",
    "admitted",
    "probation",
    "official",
    "withdrawn",
    "rejected",
    "removed",
    "escalated",
)
#: Revision 2: `escalated` is not final (the competent committee decides from it).
VN_2021_FINAL_STATES = frozenset({"official", "withdrawn", "rejected", "removed"})
BEFORE_ADMISSION = ("identified", "mentored", "course", "dossier")
#: event: (from, to, facts), in the order of STANDARD_PROCEDURE.md; ``to`` is where the
#: event leads from its first ``from`` state (see VN_2021_TARGETS for the others).
VN_2021_EVENTS: dict[str, tuple[tuple[str, ...], str, frozenset[str]]] = {
    "identify": ((), "identified", frozenset({"source_group"})),
    "assign_mentor": (("identified",), "mentored", frozenset({"mentor"})),
    # Revision 2: a renewed certificate in course or dossier leaves the case where it is.
    "complete_course": (
        ("mentored", "course", "dossier"),
        "course",
        frozenset({"certificate_date"}),
    ),
    "open_dossier": (("course",), "dossier", frozenset()),
    "submit_application": (("dossier",), "dossier", frozenset()),
    "submit_history": (("dossier",), "dossier", frozenset()),
    "verify_background": (("dossier",), "dossier", frozenset({"result"})),
    # Revision 2: no `introducer` fact; the member acting introduces in their own name.
    "introduce": (("dossier",), "dossier", frozenset({"known_since", "replacement"})),
    "record_opinions": (("dossier",), "dossier", frozenset({"residence", "organizations"})),
    "cell_vote": (
        ("dossier",),
        "dossier",
        frozenset({"in_favour", "official_members", "excluded"}),
    ),
    # Revision 3: also in probation and escalated (recognition); excluded by reason.
    "committee_vote": (
        ("dossier", "probation", "escalated"),
        "dossier",
        frozenset({"in_favour", "committee_members", "excluded"}),
    ),
    # `extended` grants the 90 working days of decision.deadline.
    "decide_admission": (("dossier",), "admitted", frozenset({"decision_date", "extended"})),
    "hold_ceremony": (("admitted",), "probation", frozenset({"higher_consent", "received_date"})),
    "recognition_vote": (
        ("probation",),
        "probation",
        frozenset({"in_favour", "official_members", "excluded", "outcome"}),
    ),
    "recognize": (
        ("probation", "escalated"),
        "official",
        frozenset({"decision_date", "extended"}),
    ),
    "remove_from_probation": (
        ("probation", "escalated"),
        "removed",
        frozenset({"decision_date", "extended"}),
    ),
    "withdraw": (BEFORE_ADMISSION, "withdrawn", frozenset({"reason"})),
    "reject": (BEFORE_ADMISSION, "rejected", frozenset({"reason"})),
    # Revision 3.
    "record_consent": (BEFORE_ADMISSION, "identified", frozenset({"kind", "consent_date"})),
    "return_dossier": (("dossier",), "dossier", frozenset({"reason"})),
}
#: Where an event leads from each state, for the events whose ``to`` is a mapping.
VN_2021_TARGETS = {
    "complete_course": {"mentored": "course", "course": "course", "dossier": "dossier"},
    "committee_vote": {"dossier": "dossier", "probation": "probation", "escalated": "escalated"},
    "record_consent": {state: state for state in BEFORE_ADMISSION},
}
VN_2021_RULES = frozenset(
    {
        "auth.role",
        "event.date",
        "dates.order",
        "mentor.official_member",
        "eligibility.age",
        "eligibility.youth_union_member",
        "eligibility.education",
        "course.certificate_valid",
        "course.certificate_order",
        "dossier.complete",
        "introduction.official_member",
        "introduction.twelve_months",
        "introduction.count",
        "vote.denominator",
        "vote.two_thirds",
        "vote.already_passed",
        "vote.cell_passed",
        "vote.committee_voted",
        "decision.committee_two_thirds",
        "vote.committee_short",
        "decision.authority",
        "decision.deadline",
        "ceremony.deadline",
        "probation.twelve_months",
        "recognition.deadline",
        "recognition.vote_passed",
        "recognition.already_proposed",
        "recognition.escalation",
        # Revision 3.
        "vote.excluded_reasons",
        "vote.committee_denominator",
        "recognition.committee_voted",
        "recognition.decision_deadline",
        "eligibility.over_60_consent",
        "readmission.excluded_reason",
        "readmission.once",
        "readmission.waiting_period",
        "readmission.consent",
    }
)


@pytest.fixture
def vn_2021() -> af.Procedure:
    return af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False))


def test_vn_2021_has_the_documented_roles_and_states(vn_2021: af.Procedure) -> None:
    """Roles and states of ``vn-2021`` are exactly those of STANDARD_PROCEDURE.md, in its order."""
    assert vn_2021.id == "vn-2021"
    assert tuple(vn_2021.roles) == VN_2021_ROLES
    assert tuple(vn_2021.states) == VN_2021_STATES
    assert vn_2021.final_states == VN_2021_FINAL_STATES
    assert [name for name, role in vn_2021.roles.items() if role.individual] == ["member"]


def test_vn_2021_has_the_documented_events(vn_2021: af.Procedure) -> None:
    """Events of ``vn-2021``, their order, states and facts are those of STANDARD_PROCEDURE.md."""
    assert tuple(vn_2021.events) == tuple(VN_2021_EVENTS)
    actual = {
        name: (spec.sources, spec.target, frozenset(spec.facts))
        for name, spec in vn_2021.events.items()
    }
    assert actual == VN_2021_EVENTS
    targets = {
        name: {source: spec.target_from(source) for source in spec.sources}
        for name, spec in vn_2021.events.items()
        if spec.targets
    }
    assert targets == VN_2021_TARGETS
    assert [name for name, spec in vn_2021.events.items() if spec.opens_case] == ["identify"]
    escalation = vn_2021.events["recognition_vote"].escalation
    assert escalation is not None
    assert (escalation.after, escalation.to, escalation.rule) == (
        3,
        "escalated",
        "recognition.escalation",
    )


def test_vn_2021_has_the_documented_rule_ids(vn_2021: af.Procedure) -> None:
    """Rule ids are those of STANDARD_PROCEDURE.md, plus the engine's own ``event.state`` and
    ``procedure.in_force`` (VN_2025.md: every generation says when it is in force)."""
    assert frozenset(vn_2021.rules) == VN_2021_RULES | {"event.state", "procedure.in_force"}
    for rule_id, spec in vn_2021.rules.items():
        assert spec.message.vi, rule_id
        assert spec.message.en, rule_id
        assert spec.source, rule_id
    assert {name: d.rule for name, d in vn_2021.deadlines.items()} == {
        "decision_due": "decision.deadline",
        "ceremony_due": "ceremony.deadline",
        "recognition_due": "recognition.deadline",
        "recognition_decision_due": "recognition.decision_deadline",
    }


# -- the command line: admission-flow validate ---------------------------------------------------------

#: The fixtures that load cleanly; every other file in tests/data/procedures/ is broken on purpose.
GOOD = frozenset(
    {
        "minimal.yaml",
        "yaml12_scalars.yaml",
        "aliases_ok.yaml",
        "graph_nasty_names.yaml",
        "appeal.yaml",
        "targets_by_state.yaml",
        "six-events.yaml",
    }
)
#: Good files whose rules come from plugins the tests register (test_hooks.py).
NEEDS_PLUGINS = frozenset({"school_trial.yaml"})
BROKEN = sorted(path.name for path in DATA.glob("*.yaml") if path.name not in GOOD | NEEDS_PLUGINS)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_fixtures_load(name: str) -> None:
    """Every fixture listed as good loads without a problem."""
    assert isinstance(load(name), af.Procedure)


def test_validate_a_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A good file: exit 0, and the procedure is named with what it holds."""
    path = DATA / "minimal.yaml"
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == (
        f"{path}: ok: procedure 'minimal' (Quy trình tối thiểu / Minimal procedure): "
        "2 states, 2 events, 3 rules\n"
    )
    assert err == ""


def test_validate_the_bundled_procedure(capsys: pytest.CaptureFixture[str]) -> None:
    """``validate vn-2021`` checks the bundled standard procedure."""
    assert main(["validate", "vn-2021"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("vn-2021: ok: procedure 'vn-2021' (Quy trình kết nạp đảng viên")
    assert out.endswith(": 11 states, 20 events, 39 rules\n")  # procedure.in_force (VN_2025.md)
    assert err == ""


def test_validate_a_bad_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad file: exit 2, one ``file:line:col: message`` line per problem on stderr."""
    path = DATA / "unknown_role.yaml"
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{path}:16:9: unknown role 'cell_comittee' in events.identify.by; "
        "did you mean 'cell_committee'?",
        f"{path}:22:16: unknown role 'secretary' in events.approve.by; known: cell, cell_committee",
    ]


@pytest.mark.parametrize("name", BROKEN)
def test_validate_reports_every_broken_fixture_without_traceback(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every broken fixture: exit 2, exactly the loader's problems on stderr, no traceback."""
    path = DATA / name
    with pytest.raises(af.ProcedureError) as caught:
        af.load_procedure(path, plugins=af.Plugins())  # the installed plugins, as the CLI
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    assert err.splitlines() == [str(problem) for problem in caught.value.problems]
    assert all(line.startswith(f"{path}:") for line in err.splitlines())


def test_validate_several_files(capsys: pytest.CaptureFixture[str]) -> None:
    """Several files: each good one named on stdout, each bad one's problems on stderr, exit 2."""
    good, bad = DATA / "minimal.yaml", DATA / "unreachable_state.yaml"
    assert main(["validate", str(good), str(bad), "vn-2021"]) == 2
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{good}: ok: procedure 'minimal'")
    assert lines[1].startswith("vn-2021: ok: procedure 'vn-2021'")
    assert err.splitlines() == [f"{bad}:9:3: state 'archived' {UNREACHABLE}"]


def test_validate_several_good_files(capsys: pytest.CaptureFixture[str]) -> None:
    """Only good files: exit 0, one line each."""
    paths = [str(DATA / name) for name in ("minimal.yaml", "yaml12_scalars.yaml")]
    assert main(["validate", *paths]) == 0
    out, err = capsys.readouterr()
    assert [line.split(": ok: ")[0] for line in out.splitlines()] == paths
    assert err == ""


def test_validate_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist: exit 2, ``file:1:1: no such file``."""
    path = tmp_path / "absent.yaml"
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path}:1:1: no such file\n"


def test_validate_an_unknown_bundled_name(capsys: pytest.CaptureFixture[str]) -> None:
    """A name that is neither bundled nor a file lists the bundled procedures."""
    assert main(["validate", "vn-2o21"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert (  # two generations bundled since issue 16
        err == "vn-2o21:1:1: no bundled procedure 'vn-2o21' (bundled: vn-2021, vn-2025) and no "
        "such file; did you mean 'vn-2021'?\n"
    )


def test_validate_a_file_that_is_not_utf8(capsys: pytest.CaptureFixture[str]) -> None:
    """A file in another encoding: exit 2, and the message says to save it as UTF-8."""
    path = DATA / "not_utf8.yaml"
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"{path}:3:19: not UTF-8 text (byte 0xec: invalid continuation byte); save it as UTF-8\n"
    )


def test_placeholders_are_plain_names() -> None:
    """A width, a conversion or an attribute in a placeholder is refused at its line."""
    plain = (
        "placeholders are plain names such as {in_favour}, with no format, conversion, "
        "index or attribute"
    )
    assert problems_of("rule_placeholder_format.yaml") == [
        (
            27,
            11,
            f"rules.eligibility.age.message.vi has placeholder '{{age:>1500000000}}': {plain}",
        ),
        (28, 11, f"rules.eligibility.age.message.en has placeholder '{{age!z}}': {plain}"),
    ]


def test_parameters_and_settings_of_the_wrong_kind() -> None:
    """2.5 for a whole number, 99999 months, 'thirty' for a setting a rule reads: each at its line."""
    assert problems_of("rule_param_kinds.yaml") == [
        (
            4,
            24,
            "settings.youth_age_max_years must be a whole number, not 'thirty' (text) "
            "(rule 'introduction.count' reads it)",
        ),
        (
            25,
            39,
            "parameter 'min_months' of 'eligibility.age' in events.approve.rules must be a "
            "whole number, not 2.5 (number)",
        ),
        (
            33,
            26,
            "rules.eligibility.age.params.max_months must be a whole number between -9,999 "
            "and 9,999, not 99999 (number)",
        ),
    ]


def test_a_missing_key_is_reported_once(tmp_path: Path) -> None:
    """An event without 'by' and a deadline without 'rule' give one problem each, not two."""
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("    to: approved\n    by: cell\n", "    to: approved\n", 1)
    path = tmp_path / "no_by.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(af.ProcedureError) as raised:
        af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    assert [p.message for p in raised.value.problems] == ["missing 'by' in events.approve"]


def test_an_event_with_a_mistake_gives_no_knock_on_unknown_event(tmp_path: Path) -> None:
    """A deadline naming an event whose 'to' is misspelt reports only the misspelling."""
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("    to: approved\n", "    to: aproved\n", 1)
    text += (
        "deadlines:\n"
        "  approval_due: {rule: approval.deadline, after: identify, working_days: 5, met_by: approve}\n"
        "rules:\n"
        "  approval.deadline: {source: s, message: {vi: v, en: e}}\n"
    )
    path = tmp_path / "knock_on.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(af.ProcedureError) as raised:
        af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    messages = [p.message for p in raised.value.problems]
    assert len(messages) == 1
    assert messages[0].startswith("unknown state 'aproved' in events.approve.to")


# -- `to` as a mapping from each `from` state ---------------------------------------------------


def test_to_may_map_each_source_state_to_its_target() -> None:
    """`to: {a: b, ...}` leads from each `from` state to its own target; both routers agree."""
    procedure = load("targets_by_state.yaml")
    review = procedure.events["review"]
    assert review.targets == {"identified": "reviewed", "reviewed": "reviewed"}
    assert (review.target_from("identified"), review.target_from("reviewed")) == (
        "reviewed",
        "reviewed",
    )
    for backend in ("compiled", "transitions"):
        engine = af.Engine(procedure, plugins=af.Plugins(entry_points=False), backend=backend)
        person = af.Person(id="c-1", name="Thử", born=dt.date(1990, 1, 1), education="college")
        case = engine.open("c-1", person, af.Unit(id="u"))
        case = engine.fire(case, "identify", "cell", dt.date(2024, 1, 2)).case
        first = engine.fire(case, "review", "cell", dt.date(2024, 1, 3))
        again = engine.fire(first.case, "review", "cell", dt.date(2024, 1, 4))
        assert (first.step.to_state, again.step.from_state, again.step.to_state) == (
            "reviewed",
            "reviewed",
            "reviewed",
        ), backend


def test_to_as_a_mapping_reports_each_mistake() -> None:
    """An unknown target, a key not among `from`, a `from` state left out, a target not a name."""
    assert problems_of("targets_by_state_broken.yaml") == [
        (
            16,
            9,
            "events.review.to gives no target for reviewed; a mapping under 'to' names where "
            "the event leads from each 'from' state",
        ),
        (16, 22, "unknown state 'reviewd' in events.review.to; did you mean 'reviewed'?"),
        (
            16,
            31,
            "'approved' in events.review.to is not one of the event's 'from' states; "
            "list it under 'from' or remove it",
        ),
        (22, 20, "events.recheck.to.reviewed must be a state name, not a list"),
    ]
