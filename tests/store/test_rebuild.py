"""The bulk rebuild (``cases()``, recheck's reads) builds exactly what loading each case builds.

The bulk path trusts what the register checked on write (no hash recomputed, values
built through their slots, one value per identical step); loading and ``verify``
check every hash. These tests hold the two to the same cases, and show that what the
bulk path shares and skips never hides a tampered row from ``verify`` or ``load``.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Register
from admission_flow.store._schema import history

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def _keep(register: Register, path: Path, suffix: str = "") -> str | None:
    """Fire an example scenario through the register under a case and person of its own;
    ``None`` for a re-admission the rules across cases refuse to open."""
    scenario = af.load_scenario(path, plugins=register.plugins)
    case_id = f"{path.stem}{suffix}"
    person = attrs.evolve(scenario.candidate, id=case_id)
    register.put_unit(scenario.unit, scenario.members.values())
    opened = scenario.engine.open(case_id, person, scenario.unit)
    first = scenario.events[0].on if scenario.events else None
    try:
        stored = register.add_case(opened, scenario.procedure, on=first, provincial_consent=True)
    except af.CaseRefusedError:
        return None
    for event in scenario.events:
        if event.migrate_to is not None:  # a move to the next generation
            if event.unit is not None:
                register.put_unit(event.unit, scenario.members.values())
            moved = register.migrate(
                stored,
                to=event.migrate_to.procedure,
                on=event.on,
                unit=event.unit,
                actor=event.actor,
                committee=event.committee,
            )
            stored = moved.stored
            continue
        stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored
    return case_id


def test_every_example_case_rebuilds_in_bulk_as_it_loads(register: Register) -> None:
    """Every example scenario (candidates with organisations, positions, a past departure;
    moves to vn-2025; refused steps): the bulk path, the verifying path and ``load`` agree."""
    paths = sorted(EXAMPLES.glob("*.yaml"))
    ids = sorted(i for i in (_keep(register, path) for path in paths) if i is not None)
    assert len(ids) > len(paths) - 5
    bulk = list(register.cases())
    assert [s.case.id for s in bulk] == ids
    assert bulk == list(register.cases(verify=True))
    assert bulk == [register.load(case_id) for case_id in ids]
    assert [s.case.id for s in register.cases(open_only=True)] == register.case_ids(open_only=True)
    assert any(s.case.candidate.left is not None for s in bulk)
    assert any(s.case.candidate.organizations for s in bulk)
    assert any(s.case.procedure.id != "vn-2021" for s in bulk)


def test_identical_rows_share_one_step_and_units_one_value(register: Register) -> None:
    """Two copies of one story: their steps are the same values, their unit one value, their
    candidates' organisations and positions one value each, as when a person is made."""
    path = EXAMPLES / "refused-education.yaml"
    first, second = str(_keep(register, path, "-1")), str(_keep(register, path, "-2"))
    one, two = list(register.cases())
    assert (one.case.id, two.case.id) == (first, second)
    assert one.case.history == two.case.history
    assert all(a is b for a, b in zip(one.case.history, two.case.history, strict=True))
    assert one.case.unit is two.case.unit
    assert one.case.candidate == attrs.evolve(two.case.candidate, id=first)
    made = attrs.evolve(one.case.candidate, id="c-made")
    for candidate in (one.case.candidate, two.case.candidate):
        assert candidate.organizations is made.organizations
        assert candidate.positions is made.positions


def test_a_tampered_row_is_still_found_after_the_bulk_path_read_its_twin(
    register: Register,
) -> None:
    """The bulk path has decoded (and shares) the original step; the row is then edited:
    ``verify`` names the case and the step, ``load`` refuses it, ``cases(verify=True)`` too."""
    path = EXAMPLES / "refused-education.yaml"
    kept, edited = str(_keep(register, path, "-1")), str(_keep(register, path, "-2"))
    list(register.cases())
    with register.db.begin() as connection:
        connection.execute(
            sa.update(history)
            .where(history.c.case_id == edited, history.c.seq == 2)
            .values(actor_role="cell_committee")
        )
    breaks = register.verify()
    assert [(b.case, b.seq) for b in breaks] == [(edited, 2)]
    with pytest.raises(af.TamperedError, match=f"case '{edited}', step 2"):
        register.load(edited)
    with pytest.raises(af.TamperedError, match=f"case '{edited}', step 2"):
        list(register.cases(verify=True))
    assert register.load(kept).version == len(register.history(kept))
    # The bulk path trusts the chain: it shows the row as it now is, not the shared original.
    rebuilt = {s.case.id: s for s in register.cases()}
    assert rebuilt[edited].case.history[1].actor.role == "cell_committee"
    assert rebuilt[kept].case.history[1].actor.role != "cell_committee"
