"""Shared test helpers: procedure fixtures, and driving a ``vn-2021`` case to a stage.

Every step these helpers fire must be accepted: a helper that is refused fails
loudly with the violations, so that a test never starts from the wrong state.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings

import admission_flow as af
from admission_flow.testing import Limits

if TYPE_CHECKING:
    from admission_flow.store import Register, StoredCase

D = dt.date
DAY = dt.timedelta(days=1)

#: The bounds of a search whose outcome a test asserts: check's default state and
#: depth bounds, and a CPU-time bound far enough that a loaded machine never decides
#: what the test sees (CPU seconds grow too when two suites share the cores' caches:
#: a 30 s search once passed 120 s under coverage beside another run).
UNTIMED = Limits(max_seconds=1800)
#: The same for ``admission-flow check`` on the command line.
UNTIMED_ARGS = ("--max-seconds", "1800")


def run_module(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m admission_flow ARGS`` in a process of its own, as a user runs it.

    Also for a long search of ``check``: coverage's tracer, which CI runs the suite
    under, does not follow it there (it slows a search threefold in-process).
    """
    return subprocess.run(
        [sys.executable, "-m", "admission_flow", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        check=False,
        timeout=timeout,
    )


#: The day ``drive`` identifies a case unless told otherwise.
START = D(2023, 3, 1)

#: The stages ``drive`` can stop at, in order. ``ready`` is ``dossier`` with the
#: dossier complete and the introductions on file; ``voted`` adds a passing cell vote;
#: ``committee`` adds the grassroots committee's vote (13 of 15) the same day.
STAGES = (
    "identified",
    "mentored",
    "course",
    "dossier",
    "ready",
    "voted",
    "committee",
    "admitted",
    "probation",
    "official",
)

#: The parts of the dossier ``ready_for_vote`` files, each of which it can leave out.
DOSSIER_PARTS = ("application", "history", "background", "residence", "organizations")


def timeless(engine: af.Engine) -> af.Engine:
    """The engine's procedure without its ``in_force`` window, for rules tested over any years.

    A certificate's 60-month anniversary from a 2023 story falls in 2028, after
    ``vn-2021`` left force: the rule itself is tested there; the window is tested
    on its own (tests/test_generations.py).
    """
    return af.Engine(
        attrs.evolve(engine.procedure, in_force=None),
        plugins=engine.plugins,
        members=engine.members,
        calendar=engine.calendar,
    )


def person(**overrides: Any) -> af.Person:
    """A candidate (invented name) who meets every rule in 2023; override what a test needs."""
    values: dict[str, Any] = {
        "id": "c-hoa",
        "name": "Trần Thị Hoa",
        "born": D(1991, 3, 2),
        "education": "upper_secondary",
    }
    return af.Person(**(values | overrides))


def unit(**overrides: Any) -> af.Unit:
    """The residential area of the source article: 29 official members, a Youth Union."""
    values: dict[str, Any] = {
        "id": "kdc-14",
        "kind": "residential",
        "official_members": 29,
        "has_youth_union": True,
    }
    return af.Unit(**(values | overrides))


def rule_ids(violations: Iterable[af.Violation]) -> list[str]:
    """The rule ids of ``violations``, in order."""
    return [v.rule for v in violations]


def member(member_id: str) -> af.Actor:
    """One member acting in person."""
    return af.Actor("member", member_id)


def fire_ok(
    engine: af.Engine, case: af.Case, event: str, by: af.Actor | str, on: dt.date, **facts: Any
) -> af.Case:
    """Fire an event that must be accepted; the case after it."""
    outcome = engine.fire(case, event, by, on, **facts)
    if not outcome.accepted:
        found = [(v.rule, v.message.en) for v in outcome.violations]
        raise AssertionError(f"{event} on {on} was not accepted: {found}")
    return outcome.case


def ready_for_vote(
    engine: af.Engine,
    case: af.Case,
    on: dt.date,
    *,
    introducers: Iterable[str] = ("m-hung", "m-mai"),
    committee: str | None = None,
    leave_out: Collection[str] = (),
    background: str = "clear",
) -> af.Case:
    """File the dossier and the introductions on ``on``, except the parts in ``leave_out``."""
    unknown = set(leave_out) - set(DOSSIER_PARTS)
    if unknown:
        raise ValueError(f"unknown dossier parts {sorted(unknown)}; known: {DOSSIER_PARTS}")
    if "application" not in leave_out:
        case = fire_ok(engine, case, "submit_application", "candidate", on)
    if "history" not in leave_out:
        case = fire_ok(engine, case, "submit_history", "candidate", on)
    if "background" not in leave_out:
        case = fire_ok(
            engine, case, "verify_background", "grassroots_committee", on, result=background
        )
    opinions = {key: "favourable" for key in ("residence", "organizations") if key not in leave_out}
    if opinions:
        case = fire_ok(engine, case, "record_opinions", "cell_committee", on, **opinions)
    if committee is not None:
        case = fire_ok(engine, case, "introduce", committee, on)
    for introducer in introducers:
        case = fire_ok(
            engine, case, "introduce", member(introducer), on, known_since=af.add_months(on, -24)
        )
    return case


def drive(
    engine: af.Engine,
    case: af.Case,
    until: str = "dossier",
    *,
    start: dt.date = START,
    ready: dt.date | None = None,
    voted: dt.date | None = None,
    decided: dt.date | None = None,
    ceremony: dt.date | None = None,
    recognized: dt.date | None = None,
    introducers: Iterable[str] = ("m-hung", "m-mai"),
    committee: str | None = None,
) -> af.Case:
    """Bring a new case to stage ``until`` (one of ``STAGES``) with accepted steps only.

    The case is identified on ``start``; the mentor comes 9 days later, the
    course (and its certificate) 80 days later, the dossier 92 days later and
    is ready (``ready_for_vote``) on ``ready``, 100 days later. Then come a
    20/29 cell vote on ``voted`` and the grassroots committee's 13/15 vote the
    same day, the decision on ``decided`` (also its ``decision_date``), the
    ceremony on ``ceremony``, and the recognition vote and the committee's on the
    day probation ends, with the decision on ``recognized``.
    """
    stage = STAGES.index(until)
    course = start + 80 * DAY
    opening = [
        ("identify", "cell_committee", start, {}),
        ("assign_mentor", "cell", start + 9 * DAY, {"mentor": "m-hung"}),
        ("complete_course", "training_center", course, {"certificate_date": course}),
        ("open_dossier", "cell", start + 92 * DAY, {}),
    ]
    for event, by, on, facts in opening[: stage + 1]:
        case = fire_ok(engine, case, event, by, on, **facts)
    if stage < STAGES.index("ready"):
        return case
    ready = ready or start + 100 * DAY
    case = ready_for_vote(engine, case, ready, introducers=introducers, committee=committee)
    if stage < STAGES.index("voted"):
        return case
    voted = voted or ready + 10 * DAY
    case = fire_ok(engine, case, "cell_vote", "cell", voted, in_favour=20, official_members=29)
    if stage < STAGES.index("committee"):
        return case
    # Since revision 2 a decision needs the grassroots committee's vote (vote.committee_voted).
    case = fire_ok(
        engine,
        case,
        "committee_vote",
        "grassroots_committee",
        voted,
        in_favour=13,
        committee_members=15,
    )
    if stage < STAGES.index("admitted"):
        return case
    decided = decided or voted + 30 * DAY
    case = fire_ok(
        engine, case, "decide_admission", "competent_committee", decided, decision_date=decided
    )
    if stage < STAGES.index("probation"):
        return case
    ceremony = ceremony or decided + 14 * DAY
    case = fire_ok(engine, case, "hold_ceremony", "cell", ceremony)
    if stage < STAGES.index("official"):
        return case
    ends = af.add_months(ceremony, 12)
    case = fire_ok(
        engine,
        case,
        "recognition_vote",
        "cell",
        ends,
        in_favour=20,
        official_members=29,
        outcome="recognize",
    )
    # Since revision 3 recognition goes through the grassroots committee too.
    case = fire_ok(
        engine,
        case,
        "committee_vote",
        "grassroots_committee",
        ends,
        in_favour=13,
        committee_members=15,
    )
    recognized = recognized or ends + 14 * DAY
    return fire_ok(
        engine, case, "recognize", "competent_committee", recognized, decision_date=recognized
    )


#: The procedure fixtures, good and broken, of tests/data/procedures.
PROCEDURES = Path(__file__).parent / "data" / "procedures"


def load_procedure_fixture(name: str) -> af.Procedure:
    """A procedure fixture, loaded with the built-in plugins only."""
    return af.load_procedure(PROCEDURES / name, plugins=af.Plugins(entry_points=False))


def procedure_problems(name: str) -> list[tuple[int, int, str]]:
    """``(line, column, message)`` of every problem of a broken fixture, in the order reported."""
    path = PROCEDURES / name
    with pytest.raises(af.ProcedureError) as caught:
        af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    problems = caught.value.problems
    assert problems, "a ProcedureError always names at least one problem"
    assert isinstance(problems, tuple)
    assert all(isinstance(p, af.Problem) for p in problems)
    assert {p.file for p in problems} == {str(path)}
    return [(p.line, p.column, p.message) for p in problems]


#: The example scenarios of the repository (examples/scenarios).
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenarios"


def replay(register: Register, name: str) -> tuple[af.Run, StoredCase]:
    """Run an example scenario in memory, and fire the same events through the register."""
    scenario = af.load_scenario(EXAMPLES / f"{name}.yaml", plugins=register.plugins)
    run = af.run_scenario(scenario)
    register.put_unit(scenario.unit, scenario.members.values())
    opened = scenario.engine.open(scenario.candidate.id, scenario.candidate, scenario.unit)
    stored = register.add_case(opened, scenario.procedure)
    for event in scenario.events:
        stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored
    return run, stored


def determinism_story() -> str:
    """Everything the library derives from one set of inputs, as JSON text, in its own order.

    Every example scenario's run (steps, violations in the order reported, deadlines),
    what each role may do at each stage of a ``vn-2021`` case and why the rest is
    blocked, its deadlines and dates, the procedure drawn: ``test_engine`` runs this in
    processes with different hash seeds, where an order that came from a set would differ.
    """
    import json

    from admission_flow.serial import outcome_to_json

    plugins = af.Plugins(entry_points=False)
    story: dict[str, Any] = {
        "runs": {
            path.name: af.run_scenario(af.load_scenario(path, plugins=plugins)).as_dict()
            for path in sorted(EXAMPLES.glob("*.yaml"))
        }
    }
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    members = [
        af.Member(id="m-hung", status="official", since=D(2005, 6, 1)),
        af.Member(id="m-mai", status="official", since=D(2012, 3, 15)),
    ]
    engine = af.Engine(procedure, plugins=plugins, members=members)
    stages = {}
    for stage in ("identified", "dossier", "voted", "probation", "official"):
        case = drive(engine, engine.open("c-hoa", person(), unit()), stage)
        on = case.history[-1].on + DAY
        stages[stage] = {
            "available": {
                role: [
                    [option.event, option.allowed, [v.rule for v in option.violations]]
                    for option in engine.available(case, role, on)
                ]
                for role in sorted(procedure.roles)
                if role != "member"
            }
            | {
                "member": [
                    [option.event, option.allowed, [v.rule for v in option.violations]]
                    for option in engine.available(case, member("m-hung"), on)
                ]
            },
            "early_vote": outcome_to_json(
                engine.fire(case, "cell_vote", "cell", on, in_favour=1, official_members=29)
            ),
            "deadlines": [str(d) for d in engine.deadlines(case)],
            "dates": {name: day.isoformat() for name, day in engine.dates(case).items()},
        }
    story["stages"] = stages
    story["drawn"] = [af.draw(procedure, fmt=fmt) for fmt in ("mermaid", "dot")]
    return json.dumps(story, ensure_ascii=False, default=str)


#: Hypothesis' own defaults for a state machine's TestCase (every health check off, no
#: deadline), with its default budget spelled out so that a test profile does not shrink
#: it; derandomized to be repeatable. What the compliance docs call "the property test's
#: budget": the tests and benchmarks/mutation_table.py, bench_check.py run it alike.
DEFAULT_MACHINE_SETTINGS = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
#: Without the explain phase, which traces coverage and is slow on a long run; with and
#: without shrinking.
FIND = (Phase.explicit, Phase.reuse, Phase.generate)
FIND_AND_SHRINK = (*FIND, Phase.shrink)
