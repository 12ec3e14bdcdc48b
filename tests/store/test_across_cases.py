"""The register enforces the rules across cases: one open case per person, re-admission."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Register
from admission_flow.store._schema import cases
from admission_flow.units import Departure
from helpers import replay

D = dt.date


def second_case(register: Register, name: str, new_id: str) -> tuple[af.Engine, af.Case]:
    """A new case for the candidate of scenario ``name``, already in the register."""
    stored = register.load(next(i for i in register.case_ids()))
    engine = register.engine(stored)
    candidate = stored.case.candidate
    return engine, engine.open(new_id, candidate, stored.case.unit)


def rules(error: pytest.ExceptionInfo[af.CaseRefusedError]) -> list[str]:
    return [v.rule for v in error.value.violations]


def test_one_open_case_per_person(register: Register) -> None:
    """A person whose case is open cannot get a second one; nothing is written."""
    replay(register, "refused-too-young")  # c-an, left in dossier
    engine, again = second_case(register, "refused-too-young", "c-an-2")
    with pytest.raises(af.CaseRefusedError) as raised:
        register.add_case(again, engine.procedure, on=D(2024, 1, 1))
    assert rules(raised) == ["case.one_open"]
    assert "c-an" in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not register.has_case("c-an-2")


def test_the_database_itself_keeps_one_open_case_per_person(register: Register) -> None:
    """Two open rows for one person are refused by the database's own index, not only by code."""
    replay(register, "refused-too-young")
    with register.db.connect() as connection:
        row = dict(connection.execute(sa.select(cases)).mappings().one())
    row["id"] = "c-an-forged"
    with pytest.raises(sa.exc.IntegrityError), register.db.begin() as connection:
        connection.execute(cases.insert().values(row))


def test_a_date_is_needed_when_the_person_has_cases(register: Register) -> None:
    """Without the opening date the re-admission rules cannot be judged: a clear error."""
    replay(register, "withdrawn")
    engine, again = second_case(register, "withdrawn", "c-thuy-2")
    with pytest.raises(af.StoreError, match=r"give the date the new case opens \(on=\.\.\.\)"):
        register.add_case(again, engine.procedure)


def test_a_new_case_after_a_withdrawal_is_allowed(register: Register) -> None:
    """A person who withdrew (never admitted) may start again at once."""
    replay(register, "withdrawn")
    engine, again = second_case(register, "withdrawn", "c-thuy-2")
    register.add_case(again, engine.procedure, on=D(2024, 1, 1))
    assert register.has_case("c-thuy-2")


@pytest.mark.parametrize("months", [35, 36])
def test_readmission_waits_in_the_case_not_at_opening(register: Register, months: int) -> None:
    """Revision 3: the 36 months count to the application (readmission.waiting_period), so the
    register opens the case either way; the consent is a step, no longer an argument."""
    replay(register, "happy-standard")  # c-oanh, official
    engine, again = second_case(register, "happy-standard", "c-oanh-2")
    left = Departure(on=D(2025, 3, 10), reason="struck_off")
    on = af.add_months(left.on, months)
    register.add_case(again, engine.procedure, on=on, left=left)
    assert register.has_case("c-oanh-2")


def test_readmission_rules_run_with_no_earlier_case(register: Register) -> None:
    """Revision 3 (issue item 2): a person who left by abandoning activities, never in this
    register, is refused at opening from the candidate's own `left`; nothing is written."""
    replay(register, "withdrawn")  # puts the unit and its members in the register
    stored = register.load(register.case_ids()[0])
    engine = register.engine(stored)
    person = af.Person(
        id="c-new",
        name="Người Mới",
        born=D(1985, 1, 1),
        education="university",
        left=Departure(on=D(2023, 1, 1), reason="abandoned_activities"),
    )
    case = engine.open("c-new", person, stored.case.unit)
    with pytest.raises(af.CaseRefusedError) as raised:
        register.add_case(case, engine.procedure)
    assert rules(raised) == ["readmission.excluded_reason"]
    assert not register.has_case("c-new")
    twin = attrs.evolve(
        person, left=Departure(on=D(2023, 1, 1), reason="asked_to_leave", hardship=True)
    )
    register.add_case(engine.open("c-new", twin, stored.case.unit), engine.procedure)
    assert register.has_case("c-new")
    assert register.load("c-new").case.candidate.left == twin.left


def test_a_member_who_never_left_cannot_be_admitted_again(register: Register) -> None:
    """An official member with no departure: readmission.still_member."""
    replay(register, "happy-standard")
    engine, again = second_case(register, "happy-standard", "c-oanh-2")
    with pytest.raises(af.CaseRefusedError) as raised:
        register.add_case(again, engine.procedure, on=D(2030, 1, 1))
    assert rules(raised) == ["readmission.still_member"]
