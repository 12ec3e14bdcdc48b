"""A step sets only the indexed columns of its case row that it changes (SQLite,
``Prebuilt.sqlite_move_from``): the row, ``find`` and the due queries answer as when
every column was set, and a row that does not hold what the register believed is moved
by the full statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

import admission_flow as af
from admission_flow.store import Register
from helpers import EXAMPLES

D = dt.date


@pytest.fixture
def fired(url: str) -> Iterator[tuple[Register, af.Scenario]]:
    """``happy-standard`` opened as case ``a``."""
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=plugins)
    with Register.create(url, plugins=plugins) as register:
        register.put_unit(scenario.unit, scenario.members.values())
        register.open("a", scenario.candidate, unit=scenario.unit.id, procedure=scenario.procedure)
        yield register, scenario


def _fire(register: Register, scenario: af.Scenario, steps: range) -> None:
    for i in steps:
        e = scenario.events[i]
        register.fire("a", e.event, e.actor, e.on, **e.facts)


def _ids(register: Register, **query: Any) -> list[str]:
    return [summary.id for summary in register.find(**query)]


def _row(register: Register) -> tuple[object, ...]:
    summary = register.find(unit=None)[0]
    return (summary.state, summary.open, summary.next_due, summary.next_due_event)


def test_a_step_that_changes_no_indexed_column(fired: tuple[Register, af.Scenario]) -> None:
    register, scenario = fired
    _fire(register, scenario, range(5))  # into the dossier
    _fire(register, scenario, range(5, 10))  # five steps that stay in it, nothing due
    assert register.load("a").version == 10
    assert _row(register) == ("dossier", True, None, None)
    assert _ids(register, state="dossier") == ["a"]
    assert _ids(register, unit=scenario.unit.id, state="dossier") == ["a"]
    assert _ids(register, open=True) == ["a"]
    assert _ids(register, due_before=D(2100, 1, 1)) == []
    _fire(register, scenario, range(10, 11))  # the cell's vote sets the decision's deadline
    _fire(register, scenario, range(11, 12))  # the committee's: state and due date as they were
    assert _row(register) == ("dossier", True, D(2023, 11, 9), "decide_admission")
    assert _ids(register, state="dossier", open=True) == ["a"]
    assert _ids(register, due_before=D(2023, 11, 10)) == ["a"]
    assert _ids(register, due_before=D(2023, 11, 9)) == []
    assert _ids(register, overdue_on=D(2023, 11, 10)) == ["a"]
    assert not register.verify()


def test_a_step_that_changes_state_and_due_date(fired: tuple[Register, af.Scenario]) -> None:
    register, scenario = fired
    _fire(register, scenario, range(13))  # decide_admission: admitted, the ceremony due
    assert _row(register) == ("admitted", True, D(2023, 11, 1), "hold_ceremony")
    assert _ids(register, state="dossier") == []
    assert _ids(register, state="admitted") == ["a"]
    assert _ids(register, due_before=D(2023, 11, 2)) == ["a"]
    assert _ids(register, due_before=D(2023, 11, 1)) == []
    _fire(register, scenario, range(13, 17))  # recognized: closed, nothing due
    assert _row(register) == ("official", False, None, None)
    assert _ids(register, open=True) == []
    assert _ids(register, open=False, state="official") == ["a"]
    assert _ids(register, due_before=D(2100, 1, 1)) == []
    assert _ids(register, overdue_on=D(2100, 1, 1)) == []
    assert not register.verify()


@pytest.mark.parametrize(
    ("column", "value"), [("next_due", "2030-01-01"), ("state", "course"), ("open", False)]
)
def test_a_row_that_differs_from_the_belief_is_moved_in_full(
    fired: tuple[Register, af.Scenario], column: str, value: object
) -> None:
    """A case row whose derived column differs from what the register wrote (imported, or
    edited by hand) gets the step's values, as the full move always wrote them."""
    register, scenario = fired
    _fire(register, scenario, range(11))
    marker = "?" if register.db.dialect.name == "sqlite" else "%s"
    with register.db.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE cases SET {column} = {marker} WHERE id = {marker}", (value, "a")
        )
    _fire(register, scenario, range(11, 12))  # changes none of the three
    assert _row(register) == ("dossier", True, D(2023, 11, 9), "decide_admission")
    assert register.load("a").version == 12
    assert not register.verify()
