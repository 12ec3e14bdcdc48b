"""A case's opening record as ``load`` reads it: its unit read once per distinct text, with
every check, and a record whose hash was forged to match still refused with one line."""

from __future__ import annotations

import attrs
import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import StoreError
from admission_flow.model._canonical import canonical_json
from admission_flow.model._serial import unit_to_json
from admission_flow.store import Register
from admission_flow.store._chain import opening_hash
from helpers import EXAMPLES


def _opened(register: Register, *ids: str) -> af.Scenario:
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=register.plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    for case_id in ids:
        person = attrs.evolve(scenario.candidate, id=f"p-{case_id}")
        register.open(case_id, person, unit=scenario.unit.id, procedure=scenario.procedure)
    return scenario


def _forge(register: Register, case_id: str, **columns: str) -> None:
    """Set ``columns`` of a case that has no step yet, with the opening hash (and so its
    head) recomputed to match: what a forger who knows the scheme writes."""
    with register.db.begin() as connection:
        row = dict(
            connection.execute(sa.text("SELECT * FROM cases WHERE id = :id"), {"id": case_id})
            .mappings()
            .one()
        )
        row |= columns
        forged = opening_hash(row)
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        connection.execute(
            sa.text(
                f"UPDATE cases SET {assignments}, opening_hash = :forged, head = :forged "
                "WHERE id = :id"
            ),
            {**columns, "forged": forged, "id": case_id},
        )


def test_the_cases_of_one_unit_share_its_value(register: Register) -> None:
    scenario = _opened(register, "c-1", "c-2")
    first, second = register.load("c-1"), register.load("c-2")
    assert first.case.unit == scenario.unit
    assert first.case.unit is second.case.unit


@pytest.mark.parametrize(
    ("unit", "what"),
    [
        ('{"id": 5}', "unit"),  # JSON, but no unit
        ("{not json", "JSONDecodeError"),
    ],
)
def test_a_forged_unit_is_refused_at_every_load(register: Register, unit: str, what: str) -> None:
    _opened(register, "c-1")
    _forge(register, "c-1", unit=unit)
    for _ in range(2):  # a unit that fails is not remembered as read
        with pytest.raises(StoreError) as raised:
            register.load("c-1")
        message = str(raised.value)
        assert "case 'c-1', its opening record: a stored value cannot be read" in message
        assert "admission-flow verify" in message
        assert "\n" not in message


def test_a_unit_changed_after_a_load_is_read_anew(register: Register) -> None:
    scenario = _opened(register, "c-1")
    assert register.load("c-1").case.unit == scenario.unit
    smaller = attrs.evolve(scenario.unit, official_members=scenario.unit.official_members - 1)
    _forge(register, "c-1", unit=canonical_json(unit_to_json(smaller)))
    assert register.load("c-1").case.unit == smaller
