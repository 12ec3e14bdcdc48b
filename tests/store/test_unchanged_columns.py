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
from admission_flow.store import FireCall, Register, StoredCase
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


# -- a case's first step after it was read (``load``, or a call by id on a case not kept) ----

#: Edits of the case row after 11 steps of ``happy-standard``; its 12th step leaves the
#: three columns as they were (``dossier``, open, the decision due on 2023-11-09).
EDITS = [("next_due", "2030-01-01"), ("state", "course"), ("open", False)]


def _edit(register: Register, column: str, value: object) -> None:
    marker = "?" if register.db.dialect.name == "sqlite" else "%s"
    with register.db.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE cases SET {column} = {marker} WHERE id = {marker}", (value, "a")
        )


def _twelfth(register: Register, scenario: af.Scenario, case: str | StoredCase) -> None:
    e = scenario.events[11]
    register.fire(case, e.event, e.actor, e.on, **e.facts)


def _after_twelve(register: Register) -> None:
    assert _row(register) == ("dossier", True, D(2023, 11, 9), "decide_admission")
    assert register.load("a").version == 12
    assert _ids(register, due_before=D(2023, 11, 10)) == ["a"]
    assert _ids(register, state="dossier", open=True) == ["a"]
    assert not register.verify()


def test_the_first_step_after_a_load_follows_the_row_as_read(
    fired: tuple[Register, af.Scenario],
) -> None:
    """Loaded, then fired: the step leaves out what the row as read already holds."""
    register, scenario = fired
    _fire(register, scenario, range(11))
    with Register(register.db.url, plugins=register.plugins) as other:  # nothing kept
        _twelfth(other, scenario, other.load("a"))
        _after_twelve(other)


@pytest.mark.parametrize(("column", "value"), EDITS)
def test_a_row_edited_after_the_load_is_moved_in_full(
    fired: tuple[Register, af.Scenario], column: str, value: object
) -> None:
    """The row read at ``load`` was edited by hand before the step: the register's belief
    is wrong, the guarded move misses, and the full move writes the step's values."""
    register, scenario = fired
    _fire(register, scenario, range(11))
    with Register(register.db.url, plugins=register.plugins) as other:
        loaded = other.load("a")
        _edit(other, column, value)
        _twelfth(other, scenario, loaded)
        _after_twelve(other)


@pytest.mark.parametrize(("column", "value"), EDITS)
@pytest.mark.parametrize("how", ["load", "by id", "batch"])
def test_a_row_edited_before_the_read_is_moved_to_the_steps_values(
    fired: tuple[Register, af.Scenario], column: str, value: object, how: str
) -> None:
    """The row was edited by hand before a register read it (``load``, or a call by id on a
    case it does not keep): the step writes its own values over the edited one."""
    register, scenario = fired
    _fire(register, scenario, range(11))
    _edit(register, column, value)
    with Register(register.db.url, plugins=register.plugins) as other:
        if how == "load":
            _twelfth(other, scenario, other.load("a"))
        elif how == "by id":
            _twelfth(other, scenario, "a")
        else:
            e = scenario.events[11]
            other.fire_many(
                [FireCall(case="a", event=e.event, actor=e.actor, on=e.on, facts=e.facts)]
            )
        _after_twelve(other)


def test_a_due_date_that_is_no_date_is_moved_in_full(
    fired: tuple[Register, af.Scenario],
) -> None:
    """SQLite keeps any text in a date column: a row whose ``next_due`` reads as no date
    gives no belief, and its step takes the full move."""
    register, scenario = fired
    if register.db.dialect.name != "sqlite":
        pytest.skip("a PostgreSQL date column holds dates only")
    _fire(register, scenario, range(11))
    _edit(register, "next_due", "soon")
    with Register(register.db.url, plugins=register.plugins) as other:
        _twelfth(other, scenario, other.load("a"))
        _after_twelve(other)
