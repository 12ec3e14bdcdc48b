"""Firing by case id on a case this register kept in memory: a stale one costs a conflict and a
fresh read, never a wrong write; a case the caller loaded still conflicts as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import admission_flow as af
from admission_flow.store import FireCall, Fired, Register
from helpers import EXAMPLES


@pytest.fixture
def two(url: str) -> Iterator[tuple[Register, Register, af.Scenario]]:
    """Two registers on one database (two processes, as far as caching goes), one case opened
    from the ``happy-standard`` scenario, not fired on yet."""
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=plugins)
    with Register.create(url, plugins=plugins) as first, Register(url, plugins=plugins) as other:
        first.put_unit(scenario.unit, scenario.members.values())
        first.open(
            scenario.candidate.id,
            scenario.candidate,
            unit=scenario.unit.id,
            procedure=scenario.procedure,
        )
        yield first, other, scenario


def _fire(register: Register, scenario: af.Scenario, index: int, **options: object) -> Fired:
    event = scenario.events[index]
    return register.fire(
        scenario.candidate.id, event.event, event.actor, event.on, **options, **event.facts
    )


def test_a_kept_case_moved_on_by_another_register_is_read_again_and_the_step_follows_it(
    two: tuple[Register, Register, af.Scenario],
) -> None:
    """The first register keeps the case at step 1, another records step 2: step 3 by id
    follows step 2 (seq 3, from step 2's state), and every chain holds."""
    first, other, scenario = two
    case_id = scenario.candidate.id
    assert _fire(first, scenario, 0).seq == 1
    second = _fire(other, scenario, 1)
    assert second.seq == 2
    assert second.outcome.step.accepted
    third = _fire(first, scenario, 2)
    assert third.seq == 3
    assert third.outcome.step.accepted, third.outcome.step.violations
    assert third.outcome.step.from_state == second.outcome.case.state
    assert [e.seq for e in first.history(case_id)] == [1, 2, 3]
    assert first.load(case_id) == third.stored == other.load(case_id)
    assert first.verify() == []


def test_a_kept_case_moved_on_meanwhile_is_read_again_in_a_batch_too(
    two: tuple[Register, Register, af.Scenario],
) -> None:
    """``fire_many`` of steps 3 and 4 by id, after another register recorded step 2: both
    follow it, in one transaction."""
    first, other, scenario = two
    case_id = scenario.candidate.id
    _fire(first, scenario, 0)
    _fire(other, scenario, 1)
    fired = first.fire_many(
        FireCall(case=case_id, event=e.event, actor=e.actor, on=e.on, facts=dict(e.facts))
        for e in scenario.events[2:4]
    )
    assert [f.seq for f in fired] == [3, 4]
    assert all(f.outcome.step.accepted for f in fired)
    assert first.load(case_id) == fired[-1].stored
    assert first.verify() == []


def test_a_case_the_caller_loaded_still_conflicts_when_another_writer_moved_it(
    two: tuple[Register, Register, af.Scenario],
) -> None:
    """Firing on a ``StoredCase`` is firing on that version: ConflictError, nothing written."""
    first, other, scenario = two
    case_id = scenario.candidate.id
    loaded = _fire(first, scenario, 0).stored
    _fire(other, scenario, 1)
    event = scenario.events[2]
    with pytest.raises(af.ConflictError, match=f"case '{case_id}': the case changed"):
        first.fire(loaded, event.event, event.actor, event.on, **event.facts)
    assert len(first.history(case_id)) == 2


def test_expected_version_is_checked_against_the_case_as_stored_not_as_kept(
    two: tuple[Register, Register, af.Scenario],
) -> None:
    """The first register keeps version 1; another moves it to 2: expecting 2 succeeds (the
    kept case is not used), expecting 1 then is a conflict that names version 3."""
    first, other, scenario = two
    case_id = scenario.candidate.id
    _fire(first, scenario, 0)
    _fire(other, scenario, 1)
    assert _fire(first, scenario, 2, expected_version=2).seq == 3
    with pytest.raises(af.ConflictError, match="is at version 3, not 1 as expected") as caught:
        _fire(first, scenario, 3, expected_version=1)
    assert (caught.value.expected, caught.value.found) == (1, 3)
    assert len(other.history(case_id)) == 3


def test_a_case_with_no_step_yet_loads_at_version_zero_with_an_empty_history(
    two: tuple[Register, Register, af.Scenario],
) -> None:
    """The one-statement read of a case without rows: version 0, no entries, its opening hash."""
    first, other, scenario = two
    stored = other.load(scenario.candidate.id)
    assert (stored.version, stored.case.history, stored.case.state) == (0, (), None)
    assert other.history(scenario.candidate.id) == []
    assert stored == first.load(scenario.candidate.id)
    assert stored.case.candidate == scenario.candidate
    with pytest.raises(af.UnknownCaseError, match="no case 'nobody' in the register"):
        other.load("nobody")
