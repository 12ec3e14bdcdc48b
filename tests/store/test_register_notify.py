"""The register tells ``admission_flow_after_step`` of a step once it is written, and only then."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.store import Register

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


class Recorder:
    """Keeps each step it is told of, with how many rows the case had by then."""

    def __init__(self) -> None:
        self.register: Register | None = None
        self.told: list[tuple[str, int]] = []

    @af.hookimpl
    def admission_flow_after_step(
        self, procedure: af.Procedure, case: af.Case, step: af.Step
    ) -> None:
        assert self.register is not None
        self.told.append((step.event, len(self.register.history(case.id))))


def test_after_step_hears_of_a_step_after_its_commit_and_never_of_a_conflict(url: str) -> None:
    """The row is in the database when after_step runs; the loser of a conflict is told nothing."""
    recorder = Recorder()
    plugins = af.Plugins([recorder], entry_points=False)
    with Register.create(url, plugins=plugins) as register:
        recorder.register = register
        scenario = af.load_scenario(EXAMPLES / "refused-too-young.yaml", plugins=plugins)
        register.put_unit(scenario.unit, scenario.members.values())
        opened = scenario.engine.open(scenario.candidate.id, scenario.candidate, scenario.unit)
        stored = register.add_case(opened, scenario.procedure)
        first = scenario.events[0]
        stored = register.fire(stored, first.event, first.actor, first.on, **first.facts).stored
        assert recorder.told == [(first.event, 1)]  # told after its row was written
        on = first.on
        register.fire(stored, "withdraw", "cell", on)
        assert recorder.told[-1] == ("withdraw", 2)
        with pytest.raises(af.ConflictError):
            register.fire(stored, "withdraw", "cell", on)  # stale: loses to the step above
        assert len(recorder.told) == 2


def test_a_step_without_a_date_is_not_written(url: str) -> None:
    """A register keeps dated steps only: on=None is an InputError and nothing is written."""
    plugins = af.Plugins(entry_points=False)
    with Register.create(url, plugins=plugins) as register:
        scenario = af.load_scenario(EXAMPLES / "refused-too-young.yaml", plugins=plugins)
        register.put_unit(scenario.unit, scenario.members.values())
        opened = scenario.engine.open(scenario.candidate.id, scenario.candidate, scenario.unit)
        stored = register.add_case(opened, scenario.procedure)
        with pytest.raises(af.InputError, match="dated steps only"):
            register.fire(stored, "identify", "cell_committee", None)  # type: ignore[arg-type]
        assert register.load(opened.id).version == stored.version
        assert register.fire(stored, "identify", "cell_committee", dt.date(2023, 3, 1)).stored
