"""The judging functions generated per event give the reference path's outcomes exactly.

``Engine(backend="compiled")`` fires through one function generated per event
(``judging/_generated.py``); ``Engine(backend="transitions")`` through ``Judge.judge``
and the ``transitions`` machine, the reference. Random runs are fired on both, with a
plugin that finds violations of every severity through ``admission_flow_check_event``,
on ``vn-2021`` inside its ``in_force`` window (deadlines met late, votes recorded short)
and on a procedure whose failed votes escalate: every step (verdict, violations with
their ids and both messages, warnings, deadlines), case, error and deadline must be equal.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from conftest import MEMBERS
from helpers import PROCEDURES, drive, person, unit
from test_routers_agree import AGREE, Engines, assert_agree, engines, runs

D = dt.date
VN_2021_PIPELINE = ("identified", "mentored", "course", "dossier", "admitted", "probation")


class Inspector:
    """Finds something on some days, through ``admission_flow_check_event``: each severity."""

    @af.hookimpl
    def admission_flow_check_event(self, context: af.EventContext) -> list[af.Violation]:
        severity = {3: "warning", 5: "record", 7: "block"}.get(context.on.day % 8)
        if severity is None:
            return []
        return [
            af.Violation(
                rule="inspector.day",
                message=af.Text(f"Ngày {context.on.day} ({severity})", f"Day {context.on.day}"),
                source="test",
                severity=severity,
                details={"day": context.on},
            )
        ]


@pytest.fixture(scope="module")
def vn_2021_in_force() -> Engines:
    plugins = af.Plugins([Inspector()], entry_points=False)
    return engines(af.load_procedure("vn-2021", plugins=plugins), plugins, VN_2021_PIPELINE)


@pytest.fixture(scope="module")
def appeal_inspected(tmp_path_factory: pytest.TempPathFactory) -> Engines:
    path = tmp_path_factory.mktemp("appeal") / "appeal.yaml"
    path.write_text((PROCEDURES / "appeal.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    plugins = af.Plugins([Inspector()], entry_points=False)
    procedure = af.load_procedure(path, plugins=plugins)
    return engines(procedure, plugins, ("filed", "hearing", "granted"))


@AGREE
@given(data=st.data())
def test_the_generated_judges_agree_with_the_reference_on_vn_2021(
    vn_2021_in_force: Engines, data: st.DataObject
) -> None:
    """vn-2021 in its window, a plugin's findings of each severity: equal outcomes."""
    assert_agree(data.draw(runs(vn_2021_in_force)))


@AGREE
@given(data=st.data())
def test_the_generated_judges_agree_with_the_reference_on_escalation(
    appeal_inspected: Engines, data: st.DataObject
) -> None:
    """Votes that escalate, deadlines met late, a plugin's findings: equal outcomes."""
    assert_agree(data.draw(runs(appeal_inspected, max_events=25)))


# -- the generated path is the one taken ------------------------------------------------------


def test_the_happy_path_is_judged_by_the_generated_functions() -> None:
    """Each accepted event of a case's way to membership is judged without the reference path."""
    engine = af.Engine.load("vn-2021", members=MEMBERS)
    taken: list[str] = []
    for name in engine.procedure.events:
        fast = engine._fast[name]  # written when first asked for

        def spy(*args: Any, _fast: Any = fast, _name: str = name) -> Any:
            outcome = _fast(*args)
            if outcome is not None:
                taken.append(_name)
            return outcome

        engine._fast[name] = spy
    case = drive(engine, engine.open("c-hoa", person(), unit()), "official")
    assert case.state == "official"
    events = [step.event for step in case.history]
    assert taken == events


def test_a_case_read_back_with_an_equal_reference_takes_the_generated_path() -> None:
    """A register rebuilds a case with a ``ProcedureRef`` equal to the engine's, not the very
    object: it is judged by the generated function as well (it went the reference way, about
    twice the cost, on every step a register fired), and the case after it carries the
    engine's own reference, equal to the one it had."""
    engine = af.Engine.load("vn-2021", members=MEMBERS)
    opened = engine.open("c-hoa", person(), unit())
    ref = opened.procedure
    read_back = attrs.evolve(
        opened, procedure=af.ProcedureRef(ref.id, ref.version, ref.fingerprint)
    )
    assert read_back.procedure == ref
    assert read_back.procedure is not ref
    fast = engine._fast["identify"]
    outcome = fast(read_back, "cell_committee", D(2024, 1, 10), {})
    assert outcome is not None
    assert outcome.case.procedure is ref
    assert outcome == engine.judge(opened, "identify", "cell_committee", D(2024, 1, 10))
    other = attrs.evolve(opened, procedure=af.ProcedureRef(ref.id, ref.version, "0" * 64))
    assert fast(other, "cell_committee", D(2024, 1, 10), {}) is None  # the reference refuses it


def test_a_refusal_goes_the_reference_way_and_words_every_violation() -> None:
    """A core refusal (wrong state, wrong role) is left to the reference, which explains it."""
    compiled = af.Engine.load("vn-2021", members=MEMBERS)
    reference = af.Engine.load("vn-2021", members=MEMBERS, backend="transitions")
    for engine in (compiled, reference):
        case = drive(engine, engine.open("c-hoa", person(), unit()), "identified")
        outcome = engine.fire(case, "cell_vote", "candidate", D(2023, 4, 1), in_favour=1,
                              official_members=3)  # fmt: skip
        assert outcome.case is case
        assert [v.rule for v in outcome.violations] == ["event.state", "auth.role"]
    compiled_case = drive(compiled, compiled.open("c-hoa", person(), unit()), "identified")
    reference_case = drive(reference, reference.open("c-hoa", person(), unit()), "identified")
    args = ("cell_vote", "candidate", D(2023, 4, 1))
    facts = {"in_favour": 1, "official_members": 3}
    assert (
        compiled.fire(compiled_case, *args, **facts).step
        == reference.fire(reference_case, *args, **facts).step
    )


# -- rules that fail, alike on both paths -------------------------------------------------------


def _failing_engines(tmp_path: Path, check: Any) -> list[af.Engine]:
    failing = af.rule("demo.failing", details={"x"})(check)

    class Demo:
        @af.hookimpl
        def admission_flow_add_rules(self) -> list[af.Rule]:
            return [failing]

    text = (PROCEDURES / "minimal.yaml").read_text(encoding="utf-8").replace(
        "    from: identified\n", "    from: identified\n    rules: [demo.failing]\n"
    ) + "rules:\n  demo.failing:\n    source: demo\n    message: {vi: 'Sai {x}', en: 'Wrong {x}'}\n"
    path = tmp_path / "failing.yaml"
    path.write_text(text, encoding="utf-8")
    plugins = af.Plugins([Demo()], entry_points=False)
    return [
        af.Engine.load(path, plugins=plugins, backend=backend)
        for backend in ("compiled", "transitions")
    ]


def _raises(context: af.EventContext, params: Mapping[str, Any]) -> None:
    raise ZeroDivisionError("no votes")


def _answers_a_list(context: af.EventContext, params: Mapping[str, Any]) -> Any:
    return ["x"]


def _breaks(context: af.EventContext, params: Mapping[str, Any]) -> Any:
    return {"x": context.on.day}


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (_raises, r"demo\.failing.*raised ZeroDivisionError on event 'approve': no votes"),
        (_answers_a_list, r"demo\.failing.*returned \['x'\]; a check returns None"),
    ],
)
def test_a_rule_that_fails_is_the_same_plugin_error_on_both_paths(
    tmp_path: Path, check: Any, message: str
) -> None:
    """A rule that raises or answers wrongly: one PluginError, worded alike, nothing changed."""
    errors = []
    for engine in _failing_engines(tmp_path, check):
        person = af.Person(id="c-1", name="Đỗ Văn Thử", born=D(1990, 1, 1), education="college")
        case = engine.fire(engine.open("c-1", person, af.Unit(id="u-1")), "identify", "cell",
                           D(2024, 3, 1)).case  # fmt: skip
        with pytest.raises(af.PluginError, match=message) as raised:
            engine.fire(case, "approve", "cell", D(2024, 3, 2))
        errors.append(str(raised.value))
        assert case.state == "identified"
        assert len(case.history) == 1
    assert errors[0] == errors[1]


def test_a_broken_plugin_rule_is_refused_alike_with_both_messages(tmp_path: Path) -> None:
    """A plugin rule that finds a violation: the same step, its message in both languages."""
    steps = []
    for engine in _failing_engines(tmp_path, _breaks):
        person = af.Person(id="c-1", name="Đỗ Văn Thử", born=D(1990, 1, 1), education="college")
        case = engine.fire(engine.open("c-1", person, af.Unit(id="u-1")), "identify", "cell",
                           D(2024, 3, 1)).case  # fmt: skip
        outcome = engine.fire(case, "approve", "cell", D(2024, 3, 2))
        assert not outcome.accepted
        assert outcome.case is case
        assert [(v.rule, v.message.vi, v.message.en) for v in outcome.violations] == [
            ("demo.failing", "Sai 2", "Wrong 2")
        ]
        steps.append(outcome.step)
    assert steps[0] == steps[1]


# -- YAML never runs code -----------------------------------------------------------------------

#: The only names a generated function uses: its own locals and the constants of its namespace.
_OWN_NAME = re.compile(
    r"(case|actor|individual|on|given|known|facts|state|routes|history|last|found|warned"
    r"|running|checks_events|context|details|exc|target|met|started|step|after|outcome|clock|fact\d+"
    r"|_[a-zA-Z_]+(\d+(_[a-z]+)?)?|type|tuple|len|Exception|SystemExit|int|str|None)"
)


@pytest.mark.parametrize("procedure", ["vn-2021", "vn-2025", "appeal"])
def test_the_generated_source_holds_no_text_from_yaml(procedure: str) -> None:
    """No string constant, and only names made by the generator: the procedure's text cannot run."""
    source_of = PROCEDURES / "appeal.yaml" if procedure == "appeal" else procedure
    engine = af.Engine.load(source_of, plugins=af.Plugins(entry_points=False), members=MEMBERS)
    for event in engine.procedure.events:
        fast = engine._fast[event]
        assert fast is not None
        tree = ast.parse(fast.source)
        strings = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value is not None
                   and not isinstance(n.value, bool | int)]  # fmt: skip
        assert strings == []
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert {name for name in names if not _OWN_NAME.fullmatch(name)} == set()
        # Attributes read are the engine's own values', never a name from the procedure;
        # those stored are the slots of the rules' context.
        assert attributes - set(af.EventContext.__slots__) - {
            "get", "role", "state", "history", "last_step", "on", "running",
            "checks_events", "append", "failed", "found", "late", "plugin_checks",
            "ending", "accepted", "id", "procedure", "candidate", "unit", "appended", "met",
            "started",
        } == set()  # fmt: skip


def test_an_engine_writes_the_functions_of_the_events_it_fires_only() -> None:
    """Written on an event's first fire, kept; none for the reference backend or an unknown event."""
    compiled = af.Engine.load("vn-2021", members=MEMBERS)
    reference = af.Engine.load("vn-2021", members=MEMBERS, backend="transitions")
    assert dict(compiled._fast) == {}
    for engine in (compiled, reference):
        drive(engine, engine.open("c-hoa", person(), unit()), "identified")
        with pytest.raises(
            af.UnknownEventError, match="no event 'identfy'; did you mean 'identify'"
        ):
            engine.fire(
                engine.open("c-1", person(), unit()), "identfy", "cell_committee", D(2023, 3, 1)
            )
    assert list(compiled._fast) == ["identify"]
    first = compiled._fast["identify"]
    drive(compiled, compiled.open("c-2", person(), unit()), "identified")
    assert compiled._fast["identify"] is first
    assert dict(reference._fast) == {"identify": None}
