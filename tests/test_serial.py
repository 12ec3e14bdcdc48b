"""Cases, steps and outcomes survive JSON: every field, every example scenario."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.model import _serial

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenarios"
SCENARIOS = sorted(EXAMPLES.glob("*.yaml"))
D = dt.date


def _run(path: Path) -> af.Run:
    return af.run_scenario(af.load_scenario(path, plugins=af.Plugins(entry_points=False)))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_case_and_outcome_round_trips_through_json_text(scenario: Path) -> None:
    """case_from_json(json.loads(json.dumps(case_to_json(case)))) == case, every step too."""
    run = _run(scenario)
    text = json.dumps(_serial.case_to_json(run.case), ensure_ascii=False)
    assert _serial.case_from_json(json.loads(text)) == run.case
    for outcome in run.outcomes:
        again = _serial.outcome_from_json(json.loads(json.dumps(_serial.outcome_to_json(outcome))))
        assert again == outcome
        assert again.step.violations == outcome.step.violations  # details included


def test_tagged_values_are_not_confused_with_text() -> None:
    """A date and the text of a date encode differently, and so do a Text and a mapping."""
    value = {"d": D(2023, 3, 1), "s": "2023-03-01", "t": af.Text("a", "b"), "set": {1, 2}}
    encoded = _serial.encode(value)
    assert encoded == {
        "d": {"$date": "2023-03-01"},
        "s": "2023-03-01",
        "t": {"$text": {"vi": "a", "en": "b"}},
        "set": {"$set": [1, 2]},
    }
    assert _serial.decode(json.loads(json.dumps(encoded))) == {
        "d": D(2023, 3, 1),
        "s": "2023-03-01",
        "t": af.Text("a", "b"),
        "set": frozenset({1, 2}),
    }


@pytest.mark.parametrize(
    "bad",
    [{"k": dt.datetime(2023, 1, 1)}, {"k": object()}],
    # Names that are the same in every process (pytest-xdist's workers compare them):
    # an object's str() holds its address.
    ids=["datetime", "object"],
)
def test_what_cannot_be_kept_is_refused(bad: object) -> None:
    """A date and time, an arbitrary object: TypeError (a '$' key is kept, escaped: below)."""
    with pytest.raises(TypeError):
        _serial.encode(bad)


def test_an_individual_actor_is_written_like_a_scenario_by() -> None:
    """A role alone is its name; a member acting in person is {role, id}."""
    assert _serial.actor_to_by(af.Actor("cell")) == "cell"
    assert _serial.actor_to_by(af.Actor("member", "m-1")) == {"role": "member", "id": "m-1"}
    assert _serial.actor_from_by({"role": "member", "id": "m-1"}) == af.Actor("member", "m-1")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_run_json_replays_into_the_same_case(scenario: Path) -> None:
    """The run --json steps carry by and facts: firing them again rebuilds the case."""
    run = _run(scenario)
    engine = run.scenario.engine
    output = json.loads(json.dumps(run.as_dict()))
    case = engine.open(run.case.id, run.scenario.candidate, run.scenario.unit)
    for step in output["steps"]:
        if step["event"] == "migrate":  # a move names its procedure, unit and committee
            facts = step["facts"]
            new = af.Engine.load(facts["new_procedure"], members=engine.members)
            case = engine.migrate(
                case,
                to=new,
                on=D.fromisoformat(step["on"]),
                unit=_serial.unit_from_json(facts["unit"]),
                actor=_serial.actor_from_by(step["by"]),
                committee=facts["committee"] or None,
            ).case
            engine = new
            continue
        types = {n: f.type for n, f in engine.procedure.events[step["event"]].facts.items()}
        facts = _serial.facts_from_run(types, step["facts"])
        actor = _serial.actor_from_by(step["by"])
        case = engine.fire(case, step["event"], actor, D.fromisoformat(step["on"]), **facts).case
    assert case == run.case
