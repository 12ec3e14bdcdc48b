"""The register as a service uses it: open by unit id, request ids, expected versions,
summaries by unit, state and due date, batches; on both backends."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import attrs
import pytest

import admission_flow as af
from admission_flow.store import FireCall, Register
from admission_flow.store._rows import next_due

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
D = dt.date


@pytest.fixture
def scenario(register: Register) -> af.Scenario:
    """happy-standard's unit and members kept in the register; its case not opened yet."""
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=register.plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    return scenario


T = TypeVar("T")


def race(action: Callable[[], T], threads: int = 8) -> tuple[list[T], list[BaseException]]:
    """Run ``action`` on ``threads`` threads released at once: its answers, and what it raised."""
    barrier = threading.Barrier(threads)
    answers: list[T] = []
    failures: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            answers.append(action())
        except BaseException as exc:  # collected, asserted by the caller
            failures.append(exc)

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()
    return answers, failures


def fire_events(register: Register, scenario: af.Scenario, case_id: str, count: int) -> None:
    for event in scenario.events[:count]:
        register.fire(case_id, event.event, event.actor, event.on, **event.facts)


def person(number: int) -> af.Person:
    return af.Person(
        id=f"p-{number}", name=f"Người {number}", born=D(1990, 1, 1), education="university"
    )


# -- opening by unit id ------------------------------------------------------------------


def test_a_case_opens_by_unit_id_with_the_stored_unit(
    register: Register, scenario: af.Scenario
) -> None:
    """open(unit='kdc-14') takes the unit as stored; the case is kept at version 0."""
    stored = register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    assert stored.version == 0
    assert stored.case.unit == scenario.unit
    assert register.load("c-1").case == stored.case


def test_a_unit_that_differs_from_the_stored_one_is_refused_naming_what_differs(
    register: Register, scenario: af.Scenario
) -> None:
    """29 official members sent as 3: UnitMismatchError with the field, nothing written."""
    wrong = af.Unit(id="kdc-14", kind="residential", official_members=3, has_youth_union=True)
    with pytest.raises(af.UnitMismatchError) as caught:
        register.open("c-1", person(1), unit=wrong, procedure="vn-2021")
    assert caught.value.code == "unit_mismatch"
    assert caught.value.differences == {"official_members": (29, 3)}
    assert "official_members: stored 29, given 3" in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert not register.has_case("c-1")
    # the positive twin: the unit as stored is accepted
    assert register.open("c-1", person(1), unit=scenario.unit, procedure="vn-2021").version == 0


def test_an_unknown_unit_and_a_second_case_of_one_id_are_typed(
    register: Register, scenario: af.Scenario
) -> None:
    """No such unit: UnknownUnitError (a LookupError); the same id twice: DuplicateError."""
    with pytest.raises(af.UnknownUnitError, match="no unit 'kdc-99'") as caught:
        register.open("c-1", person(1), unit="kdc-99", procedure="vn-2021")
    assert isinstance(caught.value, LookupError)
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    with pytest.raises(af.DuplicateError, match="case 'c-1' is already in the register") as dup:
        register.open("c-1", person(2), unit="kdc-14", procedure="vn-2021")
    assert dup.value.code == "duplicate"
    assert register.load("c-1").case.candidate == person(1)


# -- request ids and expected versions ---------------------------------------------------


def test_a_retried_request_returns_the_recorded_outcome_and_writes_nothing(
    register: Register, scenario: af.Scenario
) -> None:
    """The same request id again: the recorded step, replayed, no second row."""
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    first = register.fire(
        "c-1",
        "identify",
        "cell_committee",
        D(2023, 3, 1),
        request_id="r-1",
        source_group="residential_cadre",
    )
    again = register.fire(
        "c-1",
        "identify",
        "cell_committee",
        D(2023, 3, 1),
        request_id="r-1",
        source_group="residential_cadre",
    )
    assert not first.replayed
    assert again.replayed
    assert again.outcome == first.outcome
    assert again.seq == first.seq == 1
    assert len(register.history("c-1")) == 1
    # a new request id records a new attempt (here refused: identify twice)
    other = register.fire(
        "c-1",
        "identify",
        "cell_committee",
        D(2023, 3, 2),
        request_id="r-2",
        source_group="residential_cadre",
    )
    assert other.seq == 2
    assert not other.replayed
    assert register.verify() == []


def test_a_request_id_reused_for_another_call_is_refused(
    register: Register, scenario: af.Scenario
) -> None:
    """The same request id with another event, date or fact: RequestReusedError, nothing written."""
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    register.fire(
        "c-1",
        "identify",
        "cell_committee",
        D(2023, 3, 1),
        request_id="r-1",
        source_group="residential_cadre",
    )
    for event, on, facts, named in (
        ("withdraw", D(2023, 3, 1), {}, "event"),
        ("identify", D(2023, 3, 2), {"source_group": "residential_cadre"}, "on"),
        ("identify", D(2023, 3, 1), {"source_group": "youth_union"}, "source_group"),
    ):
        with pytest.raises(af.RequestReusedError, match=f"differs in {named}") as caught:
            register.fire("c-1", event, "cell_committee", on, request_id="r-1", **facts)
        assert caught.value.code == "request_reused"
    assert len(register.history("c-1")) == 1


def test_an_expected_version_that_is_not_the_case_s_is_a_conflict(
    register: Register, scenario: af.Scenario
) -> None:
    """expected_version 0 on a case at 1: ConflictError with both versions; 1 is recorded."""
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    fire_events(register, scenario, "c-1", 1)
    with pytest.raises(af.ConflictError, match="at version 1, not 0") as caught:
        register.fire(
            "c-1", "assign_mentor", "cell", D(2023, 3, 10), expected_version=0, mentor="m-binh"
        )
    assert (caught.value.expected, caught.value.found, caught.value.code) == (0, 1, "conflict")
    assert caught.value.retryable
    assert register.load("c-1").version == 1
    fired = register.fire(
        "c-1", "assign_mentor", "cell", D(2023, 3, 10), expected_version=1, mentor="m-binh"
    )
    assert fired.stored.version == 2


def test_threads_retrying_one_request_at_once_record_it_once(
    register: Register, scenario: af.Scenario
) -> None:
    """Eight threads fire the same request id at once: one row; every answer is that step."""
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")

    def retry() -> af.Outcome:
        return register.fire(
            "c-1",
            "identify",
            "cell_committee",
            D(2023, 3, 1),
            request_id="r-1",
            source_group="residential_cadre",
        ).outcome

    answers, failures = race(retry)
    assert failures == []
    assert len(answers) == 8
    assert all(answer == answers[0] for answer in answers)
    assert len(register.history("c-1")) == 1


# -- finding cases without rebuilding them -----------------------------------------------


def test_find_filters_by_unit_state_open_and_pages_by_id(
    register: Register, scenario: af.Scenario
) -> None:
    """Summaries by unit and state, in id order, page by page; a closed case only on request."""
    other = af.Unit(id="kdc-15", kind="residential", official_members=12)
    register.put_unit(other)
    for number in range(5):
        register.open(f"c-{number}", person(number), unit="kdc-14", procedure="vn-2021")
    register.open("c-9", person(9), unit="kdc-15", procedure="vn-2021")
    fire_events(register, scenario, "c-1", 2)
    fire_events(register, scenario, "c-2", 1)
    register.fire(
        "c-3", "identify", "cell_committee", D(2023, 3, 1), source_group="residential_cadre"
    )
    register.fire("c-3", "withdraw", "cell", D(2023, 3, 2))
    assert [s.id for s in register.find(unit="kdc-14")] == ["c-0", "c-1", "c-2", "c-3", "c-4"]
    assert [s.id for s in register.find(unit="kdc-15")] == ["c-9"]
    assert [s.id for s in register.find(state="mentored")] == ["c-1"]
    assert [s.id for s in register.find(unit="kdc-14", open=True)] == ["c-0", "c-1", "c-2", "c-4"]
    assert [s.id for s in register.find(open=False)] == ["c-3"]
    first = register.find(limit=2)
    assert [s.id for s in first] == ["c-0", "c-1"]
    assert [s.id for s in register.find(limit=2, after=first[-1].id)] == ["c-2", "c-3"]
    summary = register.find(state="mentored")[0]
    assert (summary.unit, summary.person, summary.version, summary.open) == (
        "kdc-14",
        "p-1",
        2,
        True,
    )
    assert summary.procedure.id == "vn-2021"


def test_find_by_due_date_counts_the_day_itself_as_not_yet_overdue(
    register: Register, scenario: af.Scenario
) -> None:
    """After the cell vote the decision is due 2023-11-09: overdue on the 10th, not the 9th."""
    register.open("c-oanh", scenario.candidate, unit="kdc-14", procedure="vn-2021")
    register.open("c-idle", person(1), unit="kdc-14", procedure="vn-2021")
    fire_events(register, scenario, "c-oanh", 11)  # through cell_vote
    summary = register.find(unit="kdc-14", state="dossier")[0]
    assert (summary.next_due, summary.next_due_event) == (D(2023, 11, 9), "decide_admission")
    assert register.find(overdue_on=D(2023, 11, 9)) == []
    assert [s.id for s in register.find(overdue_on=D(2023, 11, 10))] == ["c-oanh"]
    assert register.find(due_before=D(2023, 11, 9)) == []
    assert [s.id for s in register.find(due_before=D(2023, 11, 10))] == ["c-oanh"]
    # the decision meets it, and the ceremony's deadline is next
    fire_events(register, scenario, "c-oanh", 13)
    assert register.find(state="admitted")[0].next_due == D(2023, 11, 1)


def test_find_refuses_a_bad_filter_in_one_line(register: Register) -> None:
    """A limit out of range, a date as text: InputError naming the argument."""
    for call, field in (
        (lambda: register.find(limit=0), "limit"),
        (lambda: register.find(limit=10_001), "limit"),
        (lambda: register.find(overdue_on="2023-11-10"), "overdue_on"),  # type: ignore[arg-type]
    ):
        with pytest.raises(af.InputError) as caught:
            call()
        assert caught.value.field == field
        assert caught.value.code == "bad_input"
    assert register.find(limit=10_000) == []


# -- batches ---------------------------------------------------------------------------------


def test_a_batch_records_every_step_in_one_go(register: Register, scenario: af.Scenario) -> None:
    """fire_many of eleven steps on one case and one on another: all recorded, chains hold."""
    register.open("c-oanh", scenario.candidate, unit="kdc-14", procedure="vn-2021")
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    calls = [
        FireCall(
            case="c-oanh",
            event=e.event,
            actor=e.actor,
            on=e.on,
            facts=dict(e.facts),
            request_id=f"r-{n}",
        )
        for n, e in enumerate(scenario.events[:11])
    ]
    calls.append(FireCall(case="c-1", event="withdraw", actor="cell", on=D(2023, 3, 2)))
    fired = register.fire_many(calls)
    assert [f.seq for f in fired] == [*range(1, 12), 1]
    assert register.load("c-oanh").case.state == "dossier"
    assert register.load("c-oanh").version == 11
    assert register.verify() == []
    # the same batch again: every request id is replayed, nothing written
    again = register.fire_many(calls[:11])
    assert all(f.replayed for f in again)
    assert register.load("c-oanh").version == 11


def test_a_batch_with_a_conflict_writes_nothing(register: Register, scenario: af.Scenario) -> None:
    """One call of the batch expects a version the case is not at: ConflictError, no step kept."""
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    register.open("c-2", person(2), unit="kdc-14", procedure="vn-2021")
    calls = [
        FireCall(
            case="c-1",
            event="identify",
            actor="cell_committee",
            on=D(2023, 3, 1),
            facts={"source_group": "residential_cadre"},
        )
    ]
    stale = register.load("c-2")
    register.fire("c-2", "withdraw", "cell", D(2023, 3, 1))
    calls.append(FireCall(case=stale, event="withdraw", actor="cell", on=D(2023, 3, 2)))
    with pytest.raises(af.ConflictError, match="case 'c-2'"):
        register.fire_many(calls)
    assert register.load("c-1").version == 0
    assert register.load("c-2").version == 1


@pytest.mark.parametrize("how", ["one by one", "in one batch"])
def test_the_next_due_date_kept_on_the_row_is_the_engine_s(register: Register, how: str) -> None:
    """For every example scenario, the summary's next due date and event are Engine.pending's
    first, read from the row without rebuilding the case (none once the case is closed).

    The register works each step's due date out from the step before (the deadlines
    pending on the case as it last wrote it, or earlier in the batch): after every step it
    is the one the whole history gives."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        scenario = af.load_scenario(path, plugins=register.plugins)
        register.put_unit(scenario.unit, scenario.members.values())
        case_id = f"{path.stem}"
        candidate = attrs.evolve(scenario.candidate, id=f"p-{path.stem}")
        if any(event.migrate_to is not None for event in scenario.events):
            continue  # a move is no fire: Register.migrate, tests/store/test_migrate.py
        if af.run_scenario(scenario).case.state is None:
            # Revision 3: re-admission ruled out when the case opens; the register refuses too.
            with pytest.raises(af.CaseRefusedError):
                register.open(case_id, candidate, unit=scenario.unit, procedure=scenario.procedure)
            continue
        register.open(case_id, candidate, unit=scenario.unit, procedure=scenario.procedure)
        if how == "in one batch":
            register.fire_many(
                FireCall(case=case_id, event=e.event, actor=e.actor, on=e.on, facts=e.facts)
                for e in scenario.events
            )
        for event in scenario.events if how == "one by one" else ():
            fired = register.fire(case_id, event.event, event.actor, event.on, **event.facts)
            summary = next(s for s in register.find() if s.id == case_id)
            expected = next_due(fired.stored.case.history) if fired.stored.open else (None, None)
            assert (summary.next_due, summary.next_due_event) == expected, (path.name, fired.seq)
        stored = register.load(case_id)
        pending = scenario.engine.pending(stored.case) if stored.open else ()
        summary = next(s for s in register.find() if s.id == case_id)
        assert (summary.next_due, summary.next_due_event) == (
            (pending[0].due, pending[0].event) if pending else (None, None)
        ), path.name


def test_eight_threads_storing_one_new_unit_at_once_all_succeed(register: Register) -> None:
    """put_unit of one new unit and its members from eight threads: no error, one unit."""
    unit = af.Unit(id="kdc-20", kind="residential", official_members=12)
    members = [af.Member(id=f"m-{n}", status="official", since=D(2000, 1, 1)) for n in range(3)]
    _, failures = race(lambda: register.put_unit(unit, members))
    assert failures == []
    assert register.unit("kdc-20") == unit
    assert sorted(register.members("kdc-20")) == ["m-0", "m-1", "m-2"]


def test_a_request_id_twice_in_one_batch_is_refused(
    register: Register, scenario: af.Scenario
) -> None:
    """Two calls of a batch with one request id on one case: InputError, nothing written."""
    register.open("c-1", person(1), unit="kdc-14", procedure="vn-2021")
    call = FireCall(case="c-1", event="withdraw", actor="cell", on=D(2023, 3, 2), request_id="r")
    with pytest.raises(af.InputError, match="request 'r' is given twice") as caught:
        register.fire_many([call, call])
    assert caught.value.field == "request_id"
    assert register.load("c-1").version == 0
    assert register.fire_many([call])[0].seq == 1  # the positive twin
