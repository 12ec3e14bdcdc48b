"""Judging without side effects, date order in every procedure, and details that can be kept."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import admission_flow as af
from admission_flow.model import _serial
from helpers import PROCEDURES, person, rule_ids, unit

D = dt.date


class Recorder:
    """An ``admission_flow_after_step`` plugin that keeps the steps it is told of."""

    def __init__(self) -> None:
        self.steps: list[af.Step] = []

    @af.hookimpl
    def admission_flow_after_step(
        self, procedure: af.Procedure, case: af.Case, step: af.Step
    ) -> None:
        self.steps.append(step)


def minimal(*plugins: object) -> af.Engine:
    """An engine for a user's own two-event procedure (no vn-2021 rule in it)."""
    chosen = af.Plugins(list(plugins), entry_points=False)
    return af.Engine.load(PROCEDURES / "minimal.yaml", plugins=chosen)


OPENED = D(2024, 3, 1)


def opened(engine: af.Engine, on: dt.date = OPENED) -> af.Case:
    case = engine.open("c-1", person(), unit())
    outcome = engine.fire(case, "identify", "cell", on)
    assert outcome.accepted
    return outcome.case


# -- Engine.judge: the verdict, and nobody told ---------------------------------------------


def test_judge_gives_fires_verdict_and_notifies_nobody() -> None:
    """judge() returns what fire() returns; only fire() tells after_step."""
    recorder = Recorder()
    engine = minimal(recorder)
    case = opened(engine)
    told = len(recorder.steps)
    judged = engine.judge(case, "approve", "cell", D(2024, 3, 2))
    assert recorder.steps[told:] == []
    fired = engine.fire(case, "approve", "cell", D(2024, 3, 2))
    assert judged == fired
    assert judged.case.state == "approved"
    assert recorder.steps[told:] == [fired.step]


def test_a_refused_what_if_notifies_nobody_either() -> None:
    """A refused judgement is returned with its violations; after_step hears nothing."""
    recorder = Recorder()
    engine = minimal(recorder)
    case = opened(engine)
    told = len(recorder.steps)
    outcome = engine.judge(case, "identify", "cell", D(2024, 3, 2))
    assert rule_ids(outcome.violations) == ["event.state"]
    assert recorder.steps[told:] == []


def test_available_and_the_generated_machine_notify_nobody() -> None:
    """Asking what may happen next, or property-testing a procedure, tells after_step nothing."""
    from hypothesis import settings
    from hypothesis.stateful import run_state_machine_as_test

    from admission_flow.testing import procedure_state_machine

    recorder = Recorder()
    engine = minimal(recorder)
    case = opened(engine)
    told = len(recorder.steps)
    assert [o.event for o in engine.available(case, "cell", D(2024, 3, 2))] == ["approve"]
    assert recorder.steps[told:] == []
    machine = procedure_state_machine(engine.procedure, plugins=engine.plugins)
    run_state_machine_as_test(
        machine, settings=settings(max_examples=5, stateful_step_count=5, deadline=None)
    )
    assert recorder.steps[told:] == []


# -- event.date: date order in every procedure ----------------------------------------------


def test_a_backdated_event_is_refused_in_a_users_own_procedure() -> None:
    """A day before the latest step: refused under event.date, in both languages; nothing kept."""
    engine = minimal()
    case = opened(engine, D(2024, 3, 1))
    early = engine.fire(case, "approve", "cell", D(2024, 2, 29))
    assert not early.accepted
    assert not early.recorded
    assert early.case is case
    (violation,) = early.violations
    assert violation.rule == "event.date"
    assert violation.source == "procedure definition"
    assert violation.message.en == (
        "The date of 'Approve' is not valid: 2024-02-29 is before the case's latest step "
        "('identify' on 2024-03-01)."
    )
    assert violation.message.vi == (
        "Ngày của bước “Duyệt” không hợp lệ: ngày 29/02/2024 trước bước cuối cùng của hồ sơ "
        "(“Đưa vào danh sách tạo nguồn” ngày 01/03/2024)."
    )


@pytest.mark.parametrize("day", [D(2024, 3, 1), D(2024, 3, 2)], ids=["same-day", "day-after"])
def test_the_same_day_or_later_is_accepted(day: dt.date) -> None:
    """The positive twin: on the latest step's day, or after it."""
    engine = minimal()
    assert engine.fire(opened(engine, D(2024, 3, 1)), "approve", "cell", day).accepted


def test_a_missing_date_is_refused_not_kept() -> None:
    """on=None: refused under event.date (no other rule runs on it), the case unchanged."""
    engine = minimal()
    case = engine.open("c-1", person(), unit())
    outcome = engine.fire(case, "identify", "cell", None)  # type: ignore[arg-type]
    assert rule_ids(outcome.violations) == ["event.date"]
    assert (
        outcome.violations[0].message.en
        == "The date of 'Identify' is not valid: it has no date (on)."
    )
    assert outcome.violations[0].message.vi.endswith("bước không có ngày (on).")
    assert outcome.case is case
    assert case.state is None
    again = _serial.outcome_from_json(json.loads(json.dumps(_serial.outcome_to_json(outcome))))
    assert again == outcome


def test_a_procedure_may_word_event_date_its_own_way(tmp_path: Path) -> None:
    """Like auth.role, event.date may be declared under rules: with another message."""
    text = (PROCEDURES / "minimal.yaml").read_text(encoding="utf-8") + (
        "rules:\n  event.date:\n    source: Quy chế 2024\n    message:\n"
        "      vi: 'Sai ngày: {problem}'\n      en: 'Wrong date: {problem}'\n"
    )
    path = tmp_path / "own.yaml"
    path.write_text(text, encoding="utf-8")
    engine = af.Engine.load(path, plugins=af.Plugins(entry_points=False))
    outcome = engine.fire(opened(engine), "approve", "cell", D(2024, 2, 1))
    assert [(v.rule, v.source) for v in outcome.violations] == [("event.date", "Quy chế 2024")]
    assert outcome.violations[0].message.en.startswith("Wrong date: 2024-02-01 is before")


# -- details a plugin may give are kept --------------------------------------------------------


class Whenever:
    """A plugin that warns with details keyed '$when', a number key and a Text."""

    @af.hookimpl
    def admission_flow_check_event(self, context: af.EventContext) -> list[af.Violation]:
        details: Mapping[Any, Any] = {
            "$when": context.on,
            "note": af.Text("chú ý", "note"),
            "by_count": {1: "one", 2: "two"},
            "tags": {"a", "b"},
        }
        return [
            af.Violation(
                rule="demo.when",
                message=af.Text("Chú ý", "Note"),
                source="demo",
                severity="warning",
                details=details,
            )
        ]


def test_a_warning_with_dollar_keys_round_trips_through_outcome_to_json() -> None:
    """outcome_from_json(outcome_to_json(o)) == o for details with '$' and number keys."""
    engine = minimal(Whenever())
    outcome = engine.fire(opened(engine), "approve", "cell", D(2024, 3, 2))
    assert outcome.accepted
    (warning,) = outcome.warnings
    assert warning.details["$when"] == D(2024, 3, 2)
    data = json.loads(json.dumps(_serial.outcome_to_json(outcome)))
    assert data["step"]["warnings"][0]["details"]["$$when"] == {"$date": "2024-03-02"}
    again = _serial.outcome_from_json(data)
    assert again == outcome
    assert again.warnings[0].details == warning.details


def with_rule(tmp_path: Path, rule: af.Rule, message: str) -> af.Engine:
    """The minimal procedure's engine with ``rule`` (a plugin's) on ``approve``, its
    message ``message`` in both languages."""

    class Demo:
        @af.hookimpl
        def admission_flow_add_rules(self) -> list[af.Rule]:
            return [rule]

    text = (
        (PROCEDURES / "minimal.yaml")
        .read_text(encoding="utf-8")
        .replace("    from: identified\n", f"    from: identified\n    rules: [{rule.id}]\n")
        + f"rules:\n  {rule.id}:\n    source: demo\n    message: {{vi: '{message}', en: '{message}'}}\n"
    )
    path = tmp_path / "with-rule.yaml"
    path.write_text(text, encoding="utf-8")
    return af.Engine.load(path, plugins=af.Plugins([Demo()], entry_points=False))


def test_details_that_cannot_be_kept_are_a_plugin_error(tmp_path: Path) -> None:
    """A rule whose details hold a date and time is named at once, not when a register writes."""

    @af.rule("demo.clock", details={"at"})
    def clock(context: af.EventContext, params: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"at": dt.datetime(2024, 1, 1, 8, 0)}

    engine = with_rule(tmp_path, clock, "At {at}")
    with pytest.raises(af.PluginError, match=r"demo\.clock.*cannot be kept"):
        engine.fire(opened(engine), "approve", "cell", D(2024, 3, 2))


def test_equal_details_of_other_types_are_not_answered_with_the_same_message(
    tmp_path: Path,
) -> None:
    """A judge answers the same rule's same details with the violation it made before;
    1 and True, 0 and False, 0.0 and -0.0 are equal in Python but read otherwise."""
    answers = iter([1, True, 0, False, 0.0, -0.0, 1, [1], [True]])

    @af.rule("demo.count", details={"n"})
    def count(context: af.EventContext, params: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"n": next(answers)}

    engine = with_rule(tmp_path, count, "Count {n}")
    case = opened(engine)
    said = []
    for _ in range(9):
        (violation,) = engine.fire(case, "approve", "cell", D(2024, 3, 2)).violations
        said.append(violation.message.en)
    assert said == [
        "Count 1", "Count True", "Count 0", "Count False", "Count 0.0", "Count -0.0",
        "Count 1", "Count [1]", "Count [True]",
    ]  # fmt: skip
