"""The engine's contracts, through the public API: values in, values out, errors for mistakes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import pytest
import transitions

import admission_flow as af
import admission_flow.judging._routing
from admission_flow.calendar import WeekdayCalendar
from conftest import MEMBERS

D = dt.date
HUNG = af.Actor("member", "m-hung")
MAI = af.Actor("member", "m-mai")
LAN = af.Actor("member", "m-lan")

Event = tuple[str, "af.Actor | str", dt.date, dict[str, Any]]

#: Up to an open dossier.
TO_DOSSIER: list[Event] = [
    ("identify", "cell_committee", D(2023, 3, 1), {"source_group": "residential_cadre"}),
    ("assign_mentor", "cell", D(2023, 3, 10), {"mentor": "m-hung"}),
    ("complete_course", "training_center", D(2023, 5, 20), {"certificate_date": D(2023, 5, 19)}),
    ("open_dossier", "cell", D(2023, 6, 1), {}),
]
#: Everything the cell vote needs on file (the candidate, 32, takes the standard route).
DOSSIER: list[Event] = [
    ("submit_application", "candidate", D(2023, 6, 5), {}),
    ("submit_history", "candidate", D(2023, 6, 5), {}),
    ("verify_background", "grassroots_committee", D(2023, 6, 12), {"result": "clear"}),
    ("introduce", HUNG, D(2023, 6, 15), {"known_since": D(2020, 1, 1)}),
    ("introduce", MAI, D(2023, 6, 15), {"known_since": D(2021, 5, 1)}),
    (
        "record_opinions",
        "cell_committee",
        D(2023, 6, 20),
        {"residence": "favourable", "organizations": "favourable"},
    ),
]
CELL_VOTE: Event = ("cell_vote", "cell", D(2023, 7, 3), {"in_favour": 20, "official_members": 29})
#: From the passing cell vote to full membership.
TO_OFFICIAL: list[Event] = [
    CELL_VOTE,
    (
        "committee_vote",
        "grassroots_committee",
        D(2023, 7, 10),
        {"in_favour": 7, "committee_members": 9},
    ),
    ("decide_admission", "competent_committee", D(2023, 8, 1), {"decision_date": D(2023, 8, 1)}),
    ("hold_ceremony", "cell", D(2023, 8, 15), {}),
    (
        "recognition_vote",
        "cell",
        D(2024, 8, 16),
        {"in_favour": 25, "official_members": 29, "outcome": "recognize"},
    ),
    # Revision 3: recognition goes through the grassroots committee too.
    (
        "committee_vote",
        "grassroots_committee",
        D(2024, 8, 20),
        {"in_favour": 7, "committee_members": 9},
    ),
    ("recognize", "competent_committee", D(2024, 8, 26), {"decision_date": D(2024, 8, 26)}),
]
HAPPY: list[Event] = [*TO_DOSSIER, *DOSSIER, *TO_OFFICIAL]


def drive(engine: af.Engine, case: af.Case, events: Iterable[Event]) -> af.Case:
    """Fire each event, expecting each to be accepted."""
    for event, actor, on, facts in events:
        outcome = engine.fire(case, event, actor, on, **facts)
        assert outcome.accepted, (event, [v.rule for v in outcome.violations])
        case = outcome.case
    return case


def rules(violations: Iterable[af.Violation]) -> list[str]:
    return sorted(v.rule for v in violations)


class Recorder:
    """A plugin that remembers every step it is told of."""

    def __init__(self) -> None:
        self.steps: list[af.Step] = []

    @af.hookimpl
    def admission_flow_after_step(
        self, procedure: af.Procedure, case: af.Case, step: af.Step
    ) -> None:
        self.steps.append(step)


@pytest.fixture
def weekday_engine(procedure: af.Procedure, plugins: af.Plugins) -> af.Engine:
    """An engine counting Monday to Friday, so that due dates are easy to check by hand."""
    return af.Engine(procedure, plugins=plugins, members=MEMBERS, calendar=WeekdayCalendar())


@pytest.fixture
def dossier(engine: af.Engine, case: af.Case) -> af.Case:
    """A case whose dossier was just opened."""
    return drive(engine, case, TO_DOSSIER)


@pytest.fixture
def ready(engine: af.Engine, dossier: af.Case) -> af.Case:
    """A case with everything on file for the cell vote."""
    return drive(engine, dossier, DOSSIER)


# -- fire: values in, values out ------------------------------------------------------------


def test_fire_returns_outcome_with_case_and_step(engine: af.Engine, case: af.Case) -> None:
    """An accepted step comes back as an Outcome holding the step and the case after it."""
    outcome = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1), source_group="x")
    assert isinstance(outcome, af.Outcome)
    assert outcome.accepted
    step = outcome.step
    assert (step.event, step.on, step.actor) == (
        "identify",
        D(2023, 3, 1),
        af.Actor("cell_committee"),
    )
    assert (step.from_state, step.to_state) == (None, "identified")
    assert (step.accepted, step.recorded, step.violations, step.warnings) == (True, False, (), ())
    assert step.facts == {"source_group": "x"}
    assert outcome.case.state == "identified"
    assert outcome.case.history == (step,)


def test_accepted_step_returns_new_case_and_leaves_input_alone(
    engine: af.Engine, case: af.Case
) -> None:
    """Firing never changes the caller's case: an accepted step gives a new one."""
    before = attrs.evolve(case)
    outcome = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1))
    assert outcome.case is not case
    assert case == before
    assert case.state is None
    assert case.history == ()
    assert (outcome.case.id, outcome.case.candidate, outcome.case.unit) == (
        case.id,
        case.candidate,
        case.unit,
    )


def test_cases_and_steps_are_frozen(engine: af.Engine, case: af.Case) -> None:
    """Cases and steps are frozen values: nothing can change them in place."""
    outcome = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        outcome.case.state = "official"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        outcome.step.accepted = False  # type: ignore[misc]
    assert isinstance(outcome.case.history, tuple)


def test_refused_step_returns_the_very_same_case(engine: af.Engine, dossier: af.Case) -> None:
    """A refused step hands back the input case object itself, with the reasons."""
    outcome = engine.fire(dossier, "hold_ceremony", "cell", D(2023, 7, 1))
    assert not outcome.accepted
    assert not outcome.step.recorded
    assert outcome.case is dossier
    assert rules(outcome.violations) == ["event.state"]
    assert (outcome.step.from_state, outcome.step.to_state) == ("dossier", "dossier")


def test_defaults_of_optional_facts_are_filled_in(engine: af.Engine, dossier: af.Case) -> None:
    """A fact left out gets its declared default in the step."""
    outcome = engine.fire(dossier, "introduce", HUNG, D(2023, 6, 15), known_since=D(2020, 1, 1))
    assert outcome.accepted
    assert outcome.step.facts["replacement"] is False


def test_history_keeps_accepted_and_recorded_steps_only(engine: af.Engine, ready: af.Case) -> None:
    """Refused steps leave no trace; a vote short of two-thirds is recorded; a passing one accepted."""
    kept = len(ready.history)
    refused = engine.fire(ready, "cell_vote", "cell_committee", D(2023, 7, 1), **CELL_VOTE[3])
    assert rules(refused.violations) == ["auth.role"]
    assert refused.case.history == ready.history

    short = engine.fire(
        ready, "cell_vote", "cell", D(2023, 7, 1), in_favour=18, official_members=29
    )
    assert (short.step.accepted, short.step.recorded) == (False, True)
    assert rules(short.violations) == ["vote.two_thirds"]
    assert short.violations[0].severity == "record"
    assert short.case is not ready
    assert short.case.state == "dossier"
    assert short.case.history == (*ready.history, short.step)
    assert short.case.last("cell_vote") is None
    assert short.case.last("cell_vote", accepted=False) == short.step

    passed = engine.fire(short.case, "cell_vote", "cell", D(2023, 7, 3), **CELL_VOTE[3])
    assert passed.accepted
    assert len(passed.case.history) == kept + 2
    assert [s.event for s in passed.case.history[-2:]] == ["cell_vote", "cell_vote"]
    assert passed.case.steps_of("cell_vote") == (short.step, passed.step)
    assert all(s.accepted or s.recorded for s in passed.case.history)


def test_two_thirds_is_counted_in_whole_votes(engine: af.Engine, ready: af.Case) -> None:
    """18 of 27 is exactly two-thirds and passes; 17 of 26 (under 2/3 of 26) does not.

    The cell has 29 official members: the rest are ``excluded`` (vote.denominator).
    """
    exact = engine.fire(
        ready, "cell_vote", "cell", D(2023, 7, 3), in_favour=18, official_members=27, excluded=2
    )
    assert exact.accepted
    under = engine.fire(
        ready, "cell_vote", "cell", D(2023, 7, 3), in_favour=17, official_members=26, excluded=3
    )
    assert rules(under.violations) == ["vote.two_thirds"]
    assert under.violations[0].details == {"in_favour": 17, "total": 26, "needed": 18}


# -- all violations at once; warnings never block ---------------------------------------------


def test_every_rule_that_fails_is_reported_at_once(engine: af.Engine, unit: af.Unit) -> None:
    """A cell vote on a thin dossier reports all seven of its rules together, each with messages."""
    young = af.Person(id="c-nam", name="Lê Văn Nam", born=D(2006, 1, 1), education="primary")
    case = engine.open("c-nam", young, unit)
    case = drive(
        engine,
        case,
        [
            ("identify", "cell_committee", D(2023, 3, 1), {}),
            ("assign_mentor", "cell", D(2023, 3, 10), {"mentor": "m-hung"}),
            (
                "complete_course",
                "training_center",
                D(2023, 5, 20),
                {"certificate_date": D(2018, 1, 2)},
            ),
            ("open_dossier", "cell", D(2023, 6, 1), {}),
        ],
    )
    outcome = engine.fire(
        case, "cell_vote", "cell", D(2023, 7, 3), in_favour=3, official_members=29
    )
    assert rules(outcome.violations) == [
        "course.certificate_valid",
        "dossier.complete",
        "eligibility.age",
        "eligibility.education",
        "eligibility.youth_union_member",  # 17, outside the Youth Union (revision 2)
        "introduction.count",
        "vote.two_thirds",
    ]
    assert not outcome.accepted
    assert not outcome.step.recorded  # a blocking rule outweighs the recorded vote
    assert outcome.case is case
    for violation in outcome.violations:
        assert violation.message.vi
        assert violation.message.en
        assert violation.source
    by_rule = {v.rule: v for v in outcome.violations}
    assert "17 years 6 months" in by_rule["eligibility.age"].message.en
    assert "17 tuổi 6 tháng" in by_rule["eligibility.age"].message.vi
    assert by_rule["eligibility.age"].source == "QĐ 24-QĐ/TW §1.1"
    assert "the application" in by_rule["dossier.complete"].message.en


def test_wrong_state_and_wrong_role_are_reported_together(engine: af.Engine, case: af.Case) -> None:
    """An event fired in the wrong state by the wrong role gets both reasons."""
    outcome = engine.fire(case, "recognize", "cell", D(2023, 3, 1), decision_date=D(2023, 3, 1))
    assert rules(outcome.violations) == ["auth.role", "event.state"]
    auth = next(v for v in outcome.violations if v.rule == "auth.role")
    assert "(cell)" in auth.message.en
    assert "(cell)" in auth.message.vi
    assert "only: Competent higher committee (competent_committee)" in auth.message.en


def test_warnings_never_block(weekday_engine: af.Engine, case: af.Case) -> None:
    """A short committee vote and a late decision are accepted with their warnings."""
    engine = weekday_engine
    case = drive(engine, case, [*TO_DOSSIER, *DOSSIER, CELL_VOTE])
    short = engine.fire(
        case,
        "committee_vote",
        "grassroots_committee",
        D(2023, 7, 10),
        in_favour=5,
        committee_members=9,
    )
    assert short.accepted
    assert short.violations == ()
    assert rules(short.warnings) == ["vote.committee_short"]
    assert short.warnings[0].severity == "warning"

    late_day = D(2023, 10, 2)  # past 2023-09-25, 60 working days after the cell vote
    late = engine.fire(
        short.case, "decide_admission", "competent_committee", late_day, decision_date=late_day
    )
    assert late.accepted
    assert late.case.state == "admitted"
    assert rules(late.warnings) == ["decision.deadline"]
    assert "2023-09-25" in late.warnings[0].message.en
    extended = engine.fire(
        short.case,
        "decide_admission",
        "competent_committee",
        late_day,
        decision_date=late_day,
        extended=True,
    )
    assert extended.accepted
    assert extended.warnings == ()


def test_late_ceremony_blocks_unless_the_higher_committee_consents(
    weekday_engine: af.Engine, case: af.Case
) -> None:
    """ceremony.deadline blocks; higher_consent waives it."""
    engine = weekday_engine
    case = drive(engine, case, [*TO_DOSSIER, *DOSSIER, *TO_OFFICIAL[:3]])
    late = engine.fire(case, "hold_ceremony", "cell", D(2023, 9, 13))
    assert rules(late.violations) == ["ceremony.deadline"]
    assert late.case is case
    consented = engine.fire(case, "hold_ceremony", "cell", D(2023, 9, 13), higher_consent=True)
    assert consented.accepted


# -- bad input raises and changes nothing ------------------------------------------------------


BAD_CALLS = [
    pytest.param(
        ("identfy", "cell_committee", D(2023, 3, 2), {}),
        af.UnknownEventError,
        "event",
        "did you mean 'identify'?",
        id="unknown-event",
    ),
    pytest.param(
        ("assign_mentor", "cel", D(2023, 3, 2), {"mentor": "m-hung"}),
        af.ActorError,
        "by",
        "no role 'cel'; did you mean 'cell'?",
        id="unknown-role",
    ),
    pytest.param(
        ("introduce", af.Actor("member"), D(2023, 3, 2), {}),
        af.ActorError,
        "by",
        "held by one member",
        id="member-without-id",
    ),
    pytest.param(
        ("introduce", af.Actor("member", "m-hnug"), D(2023, 3, 2), {}),
        af.ActorError,
        "by",
        "unknown member 'm-hnug' acting as 'member'; did you mean 'm-hung'?",
        id="member-unknown-id",
    ),
    pytest.param(
        ("assign_mentor", "cell", D(2023, 3, 2), {"mentor": "m-hung", "mentr": "m-mai"}),
        af.FactError,
        "mentr",
        "has no fact 'mentr'; did you mean 'mentor'?",
        id="unknown-fact",
    ),
    pytest.param(
        ("cell_vote", "cell", D(2023, 3, 2), {"in_favour": "20", "official_members": 29}),
        af.FactError,
        "in_favour",
        "must be a whole number, not '20' (text)",
        id="int-given-as-str",
    ),
    pytest.param(
        ("cell_vote", "cell", D(2023, 3, 2), {"in_favour": 20, "official_members": True}),
        af.FactError,
        "official_members",
        "must be a whole number, not true (yes/no)",
        id="bool-given-for-int",
    ),
    pytest.param(
        (
            "complete_course",
            "training_center",
            D(2023, 3, 2),
            {"certificate_date": dt.datetime(2023, 3, 2, 9, 30)},
        ),
        af.FactError,
        "certificate_date",
        "must be a date (YYYY-MM-DD)",
        id="datetime-for-date",
    ),
    pytest.param(
        ("verify_background", "grassroots_committee", D(2023, 3, 2), {"result": "clean"}),
        af.FactError,
        "result",
        "must be one of clear, concern",
        id="choice-not-listed",
    ),
    pytest.param(
        ("assign_mentor", "cell", D(2023, 3, 2), {}),
        af.FactError,
        "mentor",
        "needs fact 'mentor'",
        id="missing-required-fact",
    ),
    pytest.param(
        ("assign_mentor", "cell", D(2023, 3, 2), {"mentor": "m-ghost"}),
        af.FactError,
        "mentor",
        "unknown member 'm-ghost'",
        id="unknown-member-in-fact",
    ),
    pytest.param(
        ("cell_vote", "cell", D(2023, 3, 2), {"in_favour": 30, "official_members": 29}),
        af.FactError,
        "in_favour",
        "cannot exceed 'official_members'",
        id="more-votes-than-voters",
    ),
    pytest.param(
        ("cell_vote", "cell", D(2023, 3, 2), {"in_favour": -1, "official_members": 29}),
        af.FactError,
        "in_favour",
        "must be at least 0",
        id="below-minimum",
    ),
    pytest.param(
        ("assign_mentor", "cell", "2023-03-02", {"mentor": "m-hung"}),
        af.CaseError,
        "on",
        "'on' must be a date",
        id="on-not-a-date",
    ),
    pytest.param(
        ("assign_mentor", "cell", dt.datetime(2023, 3, 2, 8), {"mentor": "m-hung"}),
        af.CaseError,
        "on",
        "'on' must be a date",
        id="on-a-datetime",
    ),
]


def test_an_event_before_the_last_step_is_refused_not_an_error(
    engine: af.Engine, case: af.Case
) -> None:
    """Out of date order is data, refused once, under the core ``event.date`` (not also ``dates.order``)."""
    opened = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1)).case
    outcome = engine.fire(opened, "assign_mentor", "cell", D(2023, 2, 28), mentor="m-hung")
    assert rules(outcome.violations) == ["event.date"]
    assert outcome.violations[0].message.en == (
        "The date of 'Assign a mentoring member' is not valid: 2023-02-28 is before the "
        "case's latest step ('identify' on 2023-03-01)."
    )
    assert outcome.case is opened
    same_day = engine.fire(opened, "assign_mentor", "cell", D(2023, 3, 1), mentor="m-hung")
    assert same_day.accepted


@pytest.mark.parametrize(("call", "error", "field", "message"), BAD_CALLS)
def test_bad_input_raises_naming_the_field(
    procedure: af.Procedure,
    case: af.Case,
    call: Event,
    error: type[af.InputError],
    field: str,
    message: str,
) -> None:
    """A caller's mistake raises one clear InputError naming the culprit, and nothing happens."""
    recorder = Recorder()
    plugins = af.Plugins([recorder], entry_points=False)
    engine = af.Engine(procedure, plugins=plugins, members=MEMBERS)
    opened = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1)).case
    before = attrs.evolve(opened)
    told = len(recorder.steps)
    event, actor, on, facts = call
    with pytest.raises(error) as raised:
        engine.fire(opened, event, actor, on, **facts)
    assert isinstance(raised.value, af.InputError)
    assert isinstance(raised.value, ValueError)
    assert raised.value.field == field
    assert message in str(raised.value)
    assert opened == before
    assert len(recorder.steps) == told  # no plugin was told of a step
    again = engine.fire(opened, "assign_mentor", "cell", D(2023, 3, 10), mentor="m-hung")
    assert again.accepted  # the engine is unharmed


def test_unknown_event_is_a_lookup_error(engine: af.Engine, case: af.Case) -> None:
    """UnknownEventError is also a LookupError, as a caller would expect."""
    with pytest.raises(LookupError, match="has no event 'promote'"):
        engine.fire(case, "promote", "cell", D(2023, 3, 1))


def test_case_of_another_procedure_is_refused_as_an_error(engine: af.Engine, case: af.Case) -> None:
    """A case of another procedure raises CaseError naming the case."""
    foreign = attrs.evolve(case, procedure=af.ProcedureRef("vn-2025", "2025.1", "0" * 64))
    with pytest.raises(
        af.CaseError, match=r"follows procedure vn-2025 2025\.1 .*, not vn-2021"
    ) as raised:
        engine.fire(foreign, "identify", "cell_committee", D(2023, 3, 1))
    assert raised.value.field == "case"
    with pytest.raises(af.CaseError):
        engine.available(foreign, "cell_committee", D(2023, 3, 1))


def test_case_of_another_version_of_its_procedure_is_refused(
    engine: af.Engine, case: af.Case
) -> None:
    """Same id, another fingerprint: the case was judged under other rules, so it is refused."""
    ref = case.procedure
    older = attrs.evolve(case, procedure=af.ProcedureRef(ref.id, ref.version, "f" * 64))
    with pytest.raises(af.CaseError, match="use an engine of its procedure and version"):
        engine.fire(older, "identify", "cell_committee", D(2023, 3, 1))


def test_an_actor_must_be_an_actor_or_a_role_name(engine: af.Engine, case: af.Case) -> None:
    """Anything else as an actor is an ActorError on 'by'."""
    with pytest.raises(af.ActorError) as raised:
        engine.fire(case, "identify", 42, D(2023, 3, 1))  # type: ignore[arg-type]
    assert raised.value.field == "by"


# -- available -----------------------------------------------------------------------------------


def options(found: Iterable[af.Option]) -> dict[str, af.Option]:
    return {option.event: option for option in found}


def test_available_on_a_new_case(engine: af.Engine, case: af.Case) -> None:
    """Before the first event only the opening event is offered, to its role only."""
    assert options(engine.available(case, "cell_committee", D(2023, 3, 1))) == {
        "identify": af.Option(event="identify", allowed=True)
    }
    assert engine.available(case, "cell", D(2023, 3, 1)) == ()


def test_available_lists_only_the_actors_events_from_the_state(
    engine: af.Engine, dossier: af.Case
) -> None:
    """The candidate in an open dossier may submit papers or withdraw; nothing else."""
    found = options(engine.available(dossier, "candidate", D(2023, 6, 2)))
    assert set(found) == {"submit_application", "submit_history", "withdraw"}
    assert all(option.allowed for option in found.values())
    assert all(option.violations == () for option in found.values())


def test_available_explains_what_blocks_and_what_is_needed(
    engine: af.Engine, dossier: af.Case
) -> None:
    """Blocked events carry their violations; facts not given are listed in needs."""
    found = options(engine.available(dossier, "cell", D(2023, 6, 2)))
    assert set(found) == {"cell_vote", "withdraw", "reject"}
    vote = found["cell_vote"]
    assert not vote.allowed
    assert rules(vote.violations) == ["dossier.complete", "introduction.count"]
    assert vote.needs == ("in_favour", "official_members")
    committee = options(engine.available(dossier, "grassroots_committee", D(2023, 6, 2)))
    assert set(committee) == {"verify_background", "committee_vote", "decide_admission"}
    assert committee["verify_background"].allowed
    assert committee["verify_background"].needs == ("result",)
    assert rules(committee["decide_admission"].violations) == [
        "decision.authority",
        "vote.cell_passed",
        "vote.committee_voted",
    ]
    assert committee["decide_admission"].needs == ("decision_date",)


def test_available_checks_the_facts_it_is_given(engine: af.Engine, ready: af.Case) -> None:
    """Given the vote's facts, available judges the vote as fire would."""
    short = options(
        engine.available(ready, "cell", D(2023, 7, 3), in_favour=10, official_members=29)
    )
    assert not short["cell_vote"].allowed
    assert rules(short["cell_vote"].violations) == ["vote.two_thirds"]
    assert short["cell_vote"].needs == ()
    passing = options(
        engine.available(ready, "cell", D(2023, 7, 3), in_favour=20, official_members=29)
    )
    assert passing["cell_vote"].allowed
    assert passing["cell_vote"].violations == ()
    assert passing["withdraw"].allowed  # facts of other events are not held against them


def test_available_for_one_member(engine: af.Engine, dossier: af.Case) -> None:
    """A probationary member may not introduce: the option says why."""
    found = options(engine.available(dossier, LAN, D(2023, 6, 2), known_since=D(2020, 1, 1)))
    assert set(found) == {"introduce"}
    assert not found["introduce"].allowed
    assert rules(found["introduce"].violations) == ["introduction.official_member"]
    assert options(engine.available(dossier, HUNG, D(2023, 6, 2), known_since=D(2020, 1, 1)))[
        "introduce"
    ].allowed


def test_available_changes_nothing_and_checks_its_input(
    engine: af.Engine, dossier: af.Case
) -> None:
    """available is a question: the case is untouched, and bad input still raises."""
    before = attrs.evolve(dossier)
    engine.available(dossier, "cell", D(2023, 6, 2))
    assert dossier == before
    with pytest.raises(af.ActorError):
        engine.available(dossier, "chairman", D(2023, 6, 2))
    with pytest.raises(af.CaseError):
        engine.available(dossier, "cell", "2023-06-02")  # type: ignore[arg-type]
    with pytest.raises(af.FactError):
        engine.available(dossier, "cell", D(2023, 6, 2), in_favour="many")


def test_nothing_is_available_once_the_case_is_closed(engine: af.Engine, dossier: af.Case) -> None:
    """A withdrawn case offers nothing to anyone."""
    closed = engine.fire(dossier, "withdraw", "candidate", D(2023, 6, 2), reason="moving").case
    assert engine.is_closed(closed)
    assert not engine.is_closed(dossier)
    for role in engine.procedure.roles:
        actor = HUNG if role == "member" else role
        assert engine.available(closed, actor, D(2023, 6, 3)) == ()


# -- deadlines, pending and dates ---------------------------------------------------------------


def test_deadlines_pending_and_dates_follow_the_case(
    weekday_engine: af.Engine, case: af.Case
) -> None:
    """Each deadline is set by its event, met by another; dates appear as the case moves on."""
    engine = weekday_engine
    assert engine.deadlines(case) == ()
    assert engine.pending(case) == ()
    assert engine.dates(case) == {}

    voted = drive(engine, case, [*TO_DOSSIER, *DOSSIER, CELL_VOTE])
    (decision,) = engine.pending(voted)
    assert (decision.name, decision.rule, decision.event) == (
        "decision_due",
        "decision.deadline",
        "decide_admission",
    )
    assert (decision.start, decision.due, decision.met_on) == (D(2023, 7, 3), D(2023, 9, 25), None)
    assert "60 working days" in decision.basis.en
    assert "due 2023-09-25" in decision.basis.en
    assert "60 ngày làm việc" in decision.basis.vi
    assert "25/09/2023" in decision.basis.vi
    assert voted.history[-1].deadlines_set == (decision,)
    assert engine.deadlines(voted) == (decision,)
    assert engine.dates(voted) == {"decision_due": D(2023, 9, 25)}

    decided = drive(engine, voted, TO_OFFICIAL[1:3])
    assert decided.history[-1].deadlines_met == (attrs.evolve(decision, met_on=D(2023, 8, 1)),)
    met, ceremony = engine.deadlines(decided)
    assert (met.name, met.met_on) == ("decision_due", D(2023, 8, 1))
    assert (ceremony.name, ceremony.start, ceremony.due) == (
        "ceremony_due",
        D(2023, 8, 1),
        D(2023, 9, 12),
    )
    assert engine.pending(decided) == (ceremony,)
    assert engine.dates(decided) == {
        "membership_counted_from": D(2023, 8, 1),
        "decision_due": D(2023, 9, 25),
        "ceremony_due": D(2023, 9, 12),
    }

    on_probation = drive(engine, decided, TO_OFFICIAL[3:4])
    (recognition,) = engine.pending(on_probation)
    assert (recognition.name, recognition.due) == ("recognition_due", D(2024, 9, 26))
    assert "12 months" in recognition.basis.en
    dates = engine.dates(on_probation)
    assert dates["probation_start"] == D(2023, 8, 15)
    assert dates["probation_end"] == D(2024, 8, 15)
    assert "official_from" not in dates

    official = drive(engine, on_probation, TO_OFFICIAL[4:])
    assert official.state == "official"
    assert engine.pending(official) == ()
    assert engine.dates(official)["official_from"] == D(2024, 8, 15)
    assert [d.met_on for d in engine.deadlines(official)] == [
        D(2023, 8, 1),
        D(2023, 8, 15),
        D(2024, 8, 16),
        D(2024, 8, 26),  # revision 3: recognition_decision_due, met by the decision's date
    ]


def test_probation_lasts_twelve_months(engine: af.Engine, case: af.Case) -> None:
    """A recognition vote before the 12 months of probation end is refused."""
    on_probation = drive(engine, case, [*TO_DOSSIER, *DOSSIER, *TO_OFFICIAL[:4]])
    early = engine.fire(
        on_probation,
        "recognition_vote",
        "cell",
        D(2024, 8, 14),
        in_favour=25,
        official_members=29,
        outcome="recognize",
    )
    assert rules(early.violations) == ["probation.twelve_months"]
    assert "2024-08-15" in early.violations[0].message.en


def test_three_failed_recognition_votes_escalate(engine: af.Engine, case: af.Case) -> None:
    """After three recognition votes short of two-thirds the case goes to the higher committee."""
    case = drive(engine, case, [*TO_DOSSIER, *DOSSIER, *TO_OFFICIAL[:4]])
    facts = {"in_favour": 10, "official_members": 29, "outcome": "recognize"}
    for month in (9, 10):
        outcome = engine.fire(case, "recognition_vote", "cell", D(2024, month, 2), **facts)
        assert (outcome.step.recorded, outcome.case.state, outcome.warnings) == (
            True,
            "probation",
            (),
        )
        case = outcome.case
    third = engine.fire(case, "recognition_vote", "cell", D(2024, 11, 4), **facts)
    assert third.case.state == "escalated"
    assert (third.step.accepted, third.step.recorded) == (False, True)
    assert rules(third.warnings) == ["recognition.escalation"]
    assert "After 3 votes short of two-thirds" in third.warnings[0].message.en
    assert not engine.is_closed(third.case)  # revision 2: the competent committee decides


# -- determinism ---------------------------------------------------------------------------------


def shifted(events: Iterable[Event], years: int) -> list[Event]:
    """The same events, every date moved by ``years`` (same weekday is not kept: it need not be)."""

    def move(value: Any) -> Any:
        return value.replace(year=value.year + years) if isinstance(value, dt.date) else value

    return [
        (event, actor, move(on), {k: move(v) for k, v in facts.items()})
        for event, actor, on, facts in events
    ]


def replay(engine: af.Engine, case: af.Case, events: Iterable[Event]) -> list[af.Outcome]:
    outcomes = []
    for event, actor, on, facts in events:
        outcome = engine.fire(case, event, actor, on, **facts)
        outcomes.append(outcome)
        case = outcome.case
    return outcomes


def test_the_same_events_give_the_same_results(
    procedure: af.Procedure, candidate: af.Person, unit: af.Unit
) -> None:
    """Two fresh engines fed the same events produce equal steps, cases and dates."""
    results = []
    for _ in range(2):
        engine = af.Engine(procedure, plugins=af.Plugins(entry_points=False), members=MEMBERS)
        outcomes = replay(engine, engine.open("c-hoa", candidate, unit), HAPPY)
        final = outcomes[-1].case
        results.append(
            (
                [o.step for o in outcomes],
                [dict(o.step.facts) for o in outcomes],
                final,
                engine.deadlines(final),
                engine.dates(final),
            )
        )
    assert results[0] == results[1]
    assert results[0][2].state == "official"


def test_the_same_inputs_give_the_same_output_whatever_the_hash_seed() -> None:
    """Two processes with different PYTHONHASHSEEDs derive the same text, byte for byte.

    Within one process an order that comes from a set of strings is stable, so only
    processes with different seeds can catch one (``helpers.determinism_story`` says what
    is compared: every example run, what each role may do at five stages, deadlines, dates,
    the diagrams).
    """
    code = "import helpers, sys; sys.stdout.write(helpers.determinism_story())"
    tests = str(Path(__file__).resolve().parent)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=tests,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": tests},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in ("1", "2")
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err.decode() for _, err in outputs]
    first, second = (out.decode() for out, _ in outputs)
    assert '"happy-standard.yaml"' in first
    assert '"dates.order"' in first  # a refused example, its violations in the order reported
    assert first == second


@pytest.mark.parametrize("years", [-33, 67])
def test_the_engine_never_reads_the_wall_clock(
    procedure: af.Procedure, candidate: af.Person, unit: af.Unit, years: int
) -> None:
    """The same story told in 1990 or in 2090 ends the same way: only the events' dates count.

    The procedure's ``in_force`` window is set aside: it is read from the procedure, not the clock.
    """
    procedure = attrs.evolve(procedure, in_force=None)

    def engine_for(shift: int) -> af.Engine:
        members = [
            attrs.evolve(m, since=m.since.replace(year=m.since.year + shift)) for m in MEMBERS
        ]
        return af.Engine(procedure, plugins=af.Plugins(entry_points=False), members=members)

    def person_for(shift: int, born: dt.date = candidate.born) -> af.Person:
        return attrs.evolve(candidate, born=born.replace(year=born.year + shift))

    base_engine, engine = engine_for(0), engine_for(years)
    base = replay(base_engine, base_engine.open("c-hoa", candidate, unit), HAPPY)
    moved = replay(engine, engine.open("c-hoa", person_for(years), unit), shifted(HAPPY, years))
    for before, after in zip(base, moved, strict=True):
        assert (after.step.accepted, after.step.from_state, after.step.to_state) == (
            before.step.accepted,
            before.step.from_state,
            before.step.to_state,
        )
        assert rules(after.violations) == rules(before.violations)
    final = moved[-1].case
    assert final.state == "official"
    assert engine.dates(final)["probation_end"] == D(2024 + years, 8, 15)
    # a candidate who turns 18 on the vote's day is eligible that day, not the day before
    teen = person_for(years, born=D(2005, 7, 3))
    ready = drive(
        engine, engine.open("c-teen", teen, unit), shifted([*TO_DOSSIER, *DOSSIER], years)
    )
    votes = {"in_favour": 20, "official_members": 29}
    on_the_day = engine.fire(ready, "cell_vote", "cell", D(2023 + years, 7, 3), **votes)
    assert "eligibility.age" not in rules(on_the_day.violations)
    day_before = engine.fire(ready, "cell_vote", "cell", D(2023 + years, 7, 2), **votes)
    assert "eligibility.age" in rules(day_before.violations)


# -- memory and shape --------------------------------------------------------------------------


def test_open_makes_an_empty_case(engine: af.Engine, candidate: af.Person, unit: af.Unit) -> None:
    """A new case has no state and no history, and belongs to the engine's procedure."""
    case = engine.open("c-hoa", candidate, unit)
    assert case.state is None
    assert case.history == ()
    assert (case.id, case.procedure, case.candidate, case.unit) == (
        "c-hoa",
        engine.procedure.ref,
        candidate,
        unit,
    )
    assert (case.procedure.id, case.procedure.version) == ("vn-2021", engine.procedure.version)
    assert not hasattr(case, "__dict__")  # slotted: small enough to keep many in memory


class Counter:
    def __init__(self) -> None:
        self.calls = 0


def count_calls(monkeypatch: pytest.MonkeyPatch, cls: type) -> Counter:
    """Count the instances of ``cls`` built from now on."""
    counter = Counter()
    original = cls.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        counter.calls += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(cls, "__init__", counting)
    return counter


@pytest.mark.parametrize(("backend", "machines"), [("compiled", 0), ("transitions", 1)])
def test_one_router_per_engine_whatever_the_number_of_cases(
    monkeypatch: pytest.MonkeyPatch,
    procedure: af.Procedure,
    plugins: af.Plugins,
    candidate: af.Person,
    unit: af.Unit,
    backend: str,
    machines: int,
) -> None:
    """10,000 open cases share one router; only the transitions backend builds a Machine, once."""
    built = count_calls(monkeypatch, transitions.Machine)
    compiled = count_calls(monkeypatch, admission_flow.judging._routing.CompiledRouter)
    engine = af.Engine(procedure, plugins=plugins, members=MEMBERS, backend=backend)  # type: ignore[arg-type]
    assert engine.backend == backend
    cases = [engine.open(f"c-{n}", candidate, unit) for n in range(10_000)]
    opened = [engine.fire(c, "identify", "cell_committee", D(2023, 3, 1)).case for c in cases]
    assert all(c.state is None and c.history == () for c in cases)
    assert all(c.state == "identified" for c in opened)
    assert built.calls == machines
    assert compiled.calls == (1 if backend == "compiled" else 0)
    assert not hasattr(opened[0], "trigger")  # transitions never touches a case


def test_a_calendar_class_instead_of_a_calendar_is_refused_at_once(
    procedure: af.Procedure, plugins: af.Plugins
) -> None:
    """Passing WeekdayCalendar (the class) is a caller's mistake caught when the engine is built."""
    with pytest.raises(TypeError, match="calendar"):
        af.Engine(procedure, plugins=plugins, calendar=WeekdayCalendar)  # type: ignore[arg-type]


def test_an_unknown_backend_is_refused(procedure: af.Procedure, plugins: af.Plugins) -> None:
    """Only the two routers exist."""
    with pytest.raises(ValueError, match="backend must be 'compiled' or 'transitions'"):
        af.Engine(procedure, plugins=plugins, backend="fast")  # type: ignore[arg-type]
