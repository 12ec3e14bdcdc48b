"""A batch's steps on one case move the case once on SQLite (``_firing._moves``): the same
outcome as one move a step, the same conflict for the same call, nothing written on one."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

import admission_flow as af
from admission_flow.exceptions import ConflictError
from admission_flow.store import FireCall, Register, StoredCase
from helpers import EXAMPLES


@pytest.fixture
def two(url: str) -> Iterator[tuple[Register, Register, af.Scenario]]:
    """Two registers on one database, cases ``a`` and ``b`` of ``happy-standard`` opened."""
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=plugins)
    with Register.create(url, plugins=plugins) as first, Register(url, plugins=plugins) as other:
        first.put_unit(scenario.unit, scenario.members.values())
        for case_id in ("a", "b"):
            person = attrs.evolve(scenario.candidate, id=f"p-{case_id}")
            first.open(case_id, person, unit=scenario.unit.id, procedure=scenario.procedure)
        yield first, other, scenario


def _calls(scenario: af.Scenario, case: str | StoredCase, steps: range) -> list[FireCall]:
    return [
        FireCall(case=case, event=e.event, actor=e.actor, on=e.on, facts=dict(e.facts))
        for e in (scenario.events[i] for i in steps)
    ]


def _case_row(register: Register, case_id: str) -> tuple[object, ...]:
    with register.db.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT version, head, state, open, next_due, next_due_event FROM cases WHERE id = ?"
            if register.db.dialect.name == "sqlite"
            else "SELECT version, head, state, open, next_due, next_due_event FROM cases "
            "WHERE id = %s",
            (case_id,),
        ).one()
    return tuple(row)


def test_interleaved_cases_end_as_their_last_steps_leave_them(
    two: tuple[Register, Register, af.Scenario],
) -> None:
    first, _, scenario = two
    a, b = _calls(scenario, "a", range(4)), _calls(scenario, "b", range(3))
    fired = first.fire_many([a[0], b[0], a[1], a[2], b[1], a[3], b[2]])
    assert [f.seq for f in fired] == [1, 1, 2, 3, 2, 4, 3]
    for case_id, last in (("a", fired[5]), ("b", fired[6])):
        stored = first.load(case_id)
        assert stored == last.stored
        version, head, state, is_open, _, _ = _case_row(first, case_id)
        assert (version, head, state, bool(is_open)) == (
            last.seq,
            last.stored.head,
            last.stored.case.state,
            last.stored.open,
        )
    assert first.verify() == []


def test_a_case_moved_on_meanwhile_fails_the_batch_at_its_first_call(
    two: tuple[Register, Register, af.Scenario],
) -> None:
    """Case ``b`` loaded, then moved on by another register: a batch of steps on ``a`` and
    on the loaded ``b`` conflicts naming ``b`` at the version it was loaded at, and writes
    nothing, ``a``'s steps included."""
    first, other, scenario = two
    loaded_b = first.load("b")
    other.fire_many(_calls(scenario, "b", range(1)))
    before = (_case_row(first, "a"), _case_row(first, "b"))
    calls = _calls(scenario, "a", range(2)) + _calls(scenario, loaded_b, range(1, 3))
    with pytest.raises(ConflictError) as raised:
        first.fire_many(calls)
    assert "case 'b'" in str(raised.value)
    assert raised.value.expected == 0
    assert (_case_row(first, "a"), _case_row(first, "b")) == before
    assert [e.seq for e in first.history("a")] == []
    assert [e.seq for e in first.history("b")] == [1]
    assert first.verify() == []
