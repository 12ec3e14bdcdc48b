"""JSON in and out: facts read by their declared types, and every form the register returns
valid against the JSON Schema it ships."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.store import (
    Register,
    entry_to_json,
    fired_to_json,
    schema,
    stored_to_json,
    summary_to_json,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
D = dt.date


def validate(value: Any, form: str) -> None:
    """Validate ``value`` (through a JSON text, as a client receives it) against ``form``."""
    whole = schema()
    checker = jsonschema.Draft202012Validator({**whole, "$ref": f"#/$defs/{form}"})
    checker.validate(json.loads(json.dumps(value)))


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    with Register.create(tmp_path / "cases.db", plugins=af.Plugins(entry_points=False)) as reg:
        yield reg


# -- facts in --------------------------------------------------------------------------


def test_facts_from_json_read_dates_by_the_declared_type() -> None:
    """complete_course's certificate_date comes as text and leaves as a date; others unchanged."""
    engine = af.Engine.load("vn-2021", plugins=af.Plugins(entry_points=False))
    assert engine.facts_from_json("complete_course", {"certificate_date": "2023-05-19"}) == {
        "certificate_date": D(2023, 5, 19)
    }
    assert engine.facts_from_json("cell_vote", {"in_favour": 27, "official_members": 29}) == {
        "in_favour": 27,
        "official_members": 29,
    }


@pytest.mark.parametrize("bad", ["19/05/2023", "2023-5-19", "2023-02-30", 20230519, True])
def test_a_date_fact_that_is_no_date_text_is_a_fact_error(bad: object) -> None:
    """A date fact written otherwise: FactError naming the fact and the format."""
    engine = af.Engine.load("vn-2021", plugins=af.Plugins(entry_points=False))
    with pytest.raises(
        af.FactError,
        match="fact 'certificate_date' of 'complete_course' is a date written YYYY-MM-DD",
    ) as caught:
        engine.facts_from_json("complete_course", {"certificate_date": bad})
    assert caught.value.field == "certificate_date"


def test_facts_from_json_refuses_an_unknown_event_and_a_non_object() -> None:
    """An unknown event: UnknownEventError with a suggestion; a list: ArgumentTypeError."""
    engine = af.Engine.load("vn-2021", plugins=af.Plugins(entry_points=False))
    with pytest.raises(af.UnknownEventError, match="did you mean 'complete_course'"):
        engine.facts_from_json("complete_cours", {})
    with pytest.raises(af.ArgumentTypeError, match="are a JSON object"):
        engine.facts_from_json("complete_course", ["2023-05-19"])  # type: ignore[arg-type]


def test_every_recorded_step_fires_again_from_its_json(register: Register) -> None:
    """The step JSON a register returns, read back with facts_from_json, is the same call:
    every example scenario's history refired through JSON gives the same steps."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        scenario = af.load_scenario(path, plugins=register.plugins)
        register.put_unit(scenario.unit, scenario.members.values())
        case_id = path.stem
        # Every field of the candidate (revision 3's left, hardship_area...), another id.
        person = attrs.evolve(scenario.candidate, id=f"p-{case_id}")
        engine = scenario.engine
        run = af.run_scenario(scenario)
        if any(outcome.step.event == "migrate" for outcome in run.outcomes):
            continue  # a move is no fire: Register.migrate, tests/store/test_migrate.py
        if run.case.state is None:
            # Revision 3: re-admission ruled out when the case opens; the register refuses too.
            with pytest.raises(af.CaseRefusedError):
                register.open(case_id, person, unit=scenario.unit, procedure=scenario.procedure)
            continue
        register.open(case_id, person, unit=scenario.unit, procedure=scenario.procedure)
        for outcome in run.outcomes:
            sent = json.loads(json.dumps(fired_to_json_of_step(outcome.step)))
            by = sent["by"]
            actor = af.Actor(by["role"], by["id"]) if isinstance(by, dict) else by
            facts = engine.facts_from_json(sent["event"], sent["facts"])
            fired = register.fire(
                case_id, sent["event"], actor, D.fromisoformat(sent["on"]), **facts
            )
            assert fired.outcome.step == outcome.step, (path.name, sent["event"])


def fired_to_json_of_step(step: af.Step) -> dict[str, Any]:
    from admission_flow.model._serial import run_step

    return run_step(step)


# -- forms out ----------------------------------------------------------------------------


def test_every_form_of_a_real_register_fits_the_schema(register: Register) -> None:
    """fired (new, replayed, refused), entry (accepted, refused, by a member), stored case
    and summary of a whole happy path all validate."""
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=register.plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    register.open("happy-standard", scenario.candidate, unit="kdc-14", procedure="vn-2021")
    for number, event in enumerate(scenario.events):
        fired = register.fire(
            "happy-standard",
            event.event,
            event.actor,
            event.on,
            request_id=f"r-{number}",
            **event.facts,
        )
        validate(fired_to_json(fired), "fired")
    replayed = register.fire(
        "happy-standard",
        scenario.events[0].event,
        scenario.events[0].actor,
        scenario.events[0].on,
        request_id="r-0",
        **scenario.events[0].facts,
    )
    assert fired_to_json(replayed)["replayed"] is True
    validate(fired_to_json(replayed), "fired")
    refused = register.fire("happy-standard", "withdraw", "cell", D(2020, 1, 1))
    assert not refused.outcome.accepted
    validate(fired_to_json(refused), "fired")
    for entry in register.history("happy-standard"):
        validate(entry_to_json(entry), "entry")
    validate(stored_to_json(register.load("happy-standard")), "stored_case")
    for summary in register.find():
        validate(summary_to_json(summary), "summary")


def test_every_error_a_service_meets_fits_the_schema(register: Register, tmp_path: Path) -> None:
    """Conflict, unit mismatch, refusal across cases, a bad fact, a bad file, unavailable."""
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=register.plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    register.open("c-1", scenario.candidate, unit="kdc-14", procedure="vn-2021")
    errors: list[af.AdmissionFlowError] = []
    calls = [
        lambda: register.fire("c-1", "withdraw", "cell", D(2023, 3, 1), expected_version=5),
        lambda: register.open(
            "c-2",
            scenario.candidate,
            procedure="vn-2021",
            unit=af.Unit(id="kdc-14", kind="school", official_members=29),
        ),
        lambda: register.open(
            "c-2", scenario.candidate, unit="kdc-14", procedure="vn-2021", on=D(2023, 3, 1)
        ),
        lambda: register.fire(
            "c-1", "complete_course", "training_center", D(2023, 3, 1), certificate_date="yesterday"
        ),
        lambda: af.load_procedure(tmp_path / "missing.yaml"),
        lambda: Register("postgresql+psycopg://u:pw@127.0.0.1:1/party"),
    ]
    for call in calls:
        with pytest.raises(af.AdmissionFlowError) as caught:
            call()
        errors.append(caught.value)
    codes = [e.code for e in errors]
    assert codes == [
        "conflict",
        "unit_mismatch",
        "case_refused",
        "bad_fact",
        "bad_procedure",
        "unavailable",
    ]
    for error in errors:
        validate(error.as_json(), "error")
    assert errors[0].as_json()["expected"] == 5
    assert errors[1].as_json()["differences"]["kind"] == {
        "stored": "residential",
        "given": "school",
    }
    assert errors[2].as_json()["violations"][0]["rule"] == "case.one_open"
    assert errors[3].as_json()["field"] == "certificate_date"


def test_the_schema_refuses_what_is_not_a_form() -> None:
    """A fired answer without its seq, a summary with a date written otherwise: invalid."""
    with pytest.raises(jsonschema.ValidationError, match="'seq' is a required property"):
        validate({"case": "c-1"}, "fired")
    summary = {
        "id": "c-1",
        "unit": "u",
        "person": "p",
        "procedure": {"id": "vn-2021", "version": None, "fingerprint": "f"},
        "state": None,
        "open": True,
        "version": 0,
        "next_due": "9/11/2023",
        "next_due_event": None,
    }
    with pytest.raises(jsonschema.ValidationError):
        validate(summary, "summary")
    validate({**summary, "next_due": "2023-11-09"}, "summary")


def test_the_columns_fast_json_text_is_canonical_json() -> None:
    """The facts, violations and deadlines texts a step's row holds are canonical_json's,
    for every step of every example scenario (the fast path changes no byte)."""
    from admission_flow.model._canonical import canonical_json
    from admission_flow.model._serial import deadline_to_json, encode, violation_to_json
    from admission_flow.store import _rows

    steps = 0
    for path in sorted(EXAMPLES.glob("*.yaml")):
        scenario = af.load_scenario(path, plugins=af.Plugins(entry_points=False))
        for outcome in af.run_scenario(scenario).outcomes:
            step = outcome.step
            assert _rows.facts_text(step.facts) == canonical_json(encode(step.facts))
            violations = [violation_to_json(v) for v in (*step.violations, *step.warnings)]
            assert _rows._violations_text((*step.violations, *step.warnings)) == (
                canonical_json(violations) if violations else "[]"
            )
            deadlines = {
                "set": [deadline_to_json(d) for d in step.deadlines_set],
                "met": [deadline_to_json(d) for d in step.deadlines_met],
            }
            assert _rows._deadlines_text(step.deadlines_set, step.deadlines_met) == (
                canonical_json(deadlines)
            )
            steps += 1
    assert steps > 400


_JSON_DATA = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON_DATA)
def test_the_one_encoder_writes_what_json_dumps_writes(data: Any) -> None:
    """``json_text``, whose encoder is made once, gives ``json.dumps``'s text with the
    canonical settings: every hash and column written with it is the text it always was."""
    from admission_flow.model._canonical import json_text

    expected = json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    assert json_text(data) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), dt.date(2024, 1, 1), {1, 2}])
def test_the_one_encoder_refuses_what_is_not_json_data(value: object) -> None:
    from admission_flow.model._canonical import json_text

    with pytest.raises((TypeError, ValueError)):
        json_text({"value": value})
