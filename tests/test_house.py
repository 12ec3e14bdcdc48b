"""The house: values that check themselves, one definition of each fact type, the
procedure's transitions derived once, plugins called as pluggy calls them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.calendar import WeekdayCalendar
from admission_flow.procedure import _facts
from admission_flow.spec import FactSpec
from conftest import MEMBERS
from helpers import PROCEDURES, drive

D = dt.date
PERSON = {"id": "c-hoa", "name": "Trần Thị Hoa", "born": D(1991, 3, 2), "education": "university"}

# -- values check their arguments --------------------------------------------------------------

BAD_VALUES = [
    pytest.param(
        af.Person,
        {**PERSON, "education": "universty"},
        af.InputError,
        "education",
        "Person.education must be one of none, literate, primary, lower_secondary, upper_secondary, "
        "college, university, not 'universty' (text); did you mean 'university'?",
        id="person-education",
    ),
    pytest.param(
        af.Person,
        {**PERSON, "organizations": "youth_union"},
        af.ArgumentTypeError,
        "names",
        "a list of names is needed, not 'youth_union' (text)",
        id="person-organizations-as-text",
    ),
    pytest.param(
        af.Person,
        {**PERSON, "organizations": ["youth_unoin"]},
        af.InputError,
        "organizations",
        "did you mean 'youth_union'?",
        id="person-organization",
    ),
    pytest.param(
        af.Person,
        {**PERSON, "born": dt.datetime(1991, 3, 2, 8, 0)},
        af.ArgumentTypeError,
        "born",
        "Person.born must be a date (datetime.date), not 1991-03-02T08:00:00 (a date and time)",
        id="person-born-datetime",
    ),
    pytest.param(
        af.Unit,
        {"id": "kdc-14", "kind": "scool"},
        af.InputError,
        "kind",
        "Unit.kind 'scool' (text) is not a known kind (residential, school, health, enterprise, "
        "agency, other); did you mean 'school'?",
        id="unit-kind",
    ),
    pytest.param(
        af.Unit,
        {"id": "kdc-14", "official_members": -1},
        af.InputError,
        "official_members",
        "Unit.official_members must be from 0 to 999,999,999, not -1 (number)",
        id="unit-negative-count",
    ),
    pytest.param(
        af.Member,
        {"id": "m-1", "status": "offical", "since": D(2020, 1, 1)},
        af.InputError,
        "status",
        "did you mean 'official'?",
        id="member-status",
    ),
    pytest.param(
        af.Actor,
        {"role": None},
        af.ArgumentTypeError,
        "role",
        "Actor.role must be text, not nothing",
        id="actor-none",
    ),
    pytest.param(
        af.Actor,
        {"role": 5},
        af.ArgumentTypeError,
        "role",
        "Actor.role must be text, not 5 (number)",
        id="actor-number",
    ),
    pytest.param(
        af.Actor,
        {"role": "member", "id": ""},
        af.InputError,
        "id",
        "Actor.id must not be empty",
        id="actor-empty-id",
    ),
    pytest.param(
        af.Violation,
        {"rule": "unit.x", "message": "plain text", "source": "s"},
        af.ArgumentTypeError,
        "message",
        "Violation.message must be a Text(vi, en), not 'plain text' (text)",
        id="violation-plain-message",
    ),
    pytest.param(
        af.Violation,
        {"rule": "unit.x", "message": af.Text("a", "b"), "source": "s", "severity": "fatal"},
        af.InputError,
        "severity",
        "Violation.severity must be one of block, record, warning, not 'fatal' (text)",
        id="violation-severity",
    ),
]


@pytest.mark.parametrize(("cls", "values", "error", "field", "message"), BAD_VALUES)
def test_values_refuse_bad_arguments_with_library_errors(
    cls: type, values: dict[str, Any], error: type[af.InputError], field: str, message: str
) -> None:
    """Each bad argument raises an AdmissionFlowError naming the field, with a suggestion."""
    with pytest.raises(error) as raised:
        cls(**values)
    assert isinstance(raised.value, af.AdmissionFlowError)
    assert raised.value.field == field
    assert message in str(raised.value)


def test_a_case_refuses_a_history_of_other_things() -> None:
    """A history holds steps only: anything else is refused when the case is built."""
    ref = af.ProcedureRef("vn-2021", "2021.1", "0" * 64)
    person = af.Person(**PERSON)
    unit = af.Unit(id="kdc-14")
    with pytest.raises(af.ArgumentTypeError, match=r"Case\.history must be a tuple of Step values"):
        af.Case(id="c", procedure=ref, candidate=person, unit=unit, history=("identify",))  # type: ignore[arg-type]


def test_text_reads_in_both_languages() -> None:
    """str() of a Text gives Vietnamese first, then English."""
    assert str(af.Text("Chi bộ", "Party cell")) == "Chi bộ / Party cell"
    with pytest.raises(af.ArgumentTypeError):
        af.Text(1, "x")  # type: ignore[arg-type]


# -- fire() and its outcome ------------------------------------------------------------------------


def test_an_outcome_is_not_a_truth_value(engine: af.Engine, case: af.Case) -> None:
    """bool(outcome) would hide a refused or recorded step: it is refused with what to use."""
    outcome = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1))
    assert outcome.accepted
    assert not outcome.recorded
    with pytest.raises(TypeError, match=r"test outcome\.accepted or outcome\.recorded"):
        bool(outcome)


def test_a_short_vote_is_recorded_not_accepted(engine: af.Engine, case: af.Case) -> None:
    """Outcome.recorded sits beside accepted."""
    ready = drive(engine, case, "ready")
    short = engine.fire(
        ready, "cell_vote", "cell", D(2023, 6, 20), in_favour=1, official_members=29
    )
    assert (short.accepted, short.recorded) == (False, True)


def test_fire_takes_its_own_arguments_by_position_only(engine: af.Engine, case: af.Case) -> None:
    """No fact can collide with fire()'s own arguments: they are positional."""
    with pytest.raises(TypeError):
        engine.fire(case=case, event="identify", actor="cell_committee", on=D(2023, 3, 1))  # type: ignore[call-arg]
    with pytest.raises(af.FactError, match="has no fact 'on'"):
        engine.fire(case, "identify", "cell_committee", D(2023, 3, 1), on=D(2023, 3, 1))


@pytest.mark.parametrize("name", ["case", "actor", "on", "event", "by"])
def test_the_loader_refuses_a_fact_named_like_an_argument(tmp_path: Path, name: str) -> None:
    """A fact named case, actor, on, event or by is refused with file:line:col."""
    text = (PROCEDURES / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("    by: cell\n", f"    by: cell\n    facts:\n      {name}: text\n", 1)
    path = tmp_path / "reserved.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(af.ProcedureError) as raised:
        af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    (problem,) = raised.value.problems
    assert f"'{name}' is reserved" in problem.message
    assert problem.line > 1


@pytest.mark.parametrize(
    ("call", "error", "field"),
    [
        (
            lambda e, c: e.fire(None, "identify", "cell_committee", D(2023, 3, 1)),
            af.CaseError,
            "case",
        ),
        (
            lambda e, c: e.fire(c, ["identify"], "cell_committee", D(2023, 3, 1)),
            af.UnknownEventError,
            "event",
        ),
        (lambda e, c: e.fire(c, "identify", None, D(2023, 3, 1)), af.ActorError, "by"),
        (
            lambda e, c: e.fire(
                attrs.evolve(c, state="limbo"), "identify", "cell_committee", D(2023, 3, 1)
            ),
            af.CaseError,
            "case",
        ),
        (lambda e, c: e.open("", c.candidate, c.unit), af.InputError, "case"),
        (lambda e, c: e.open("c-1", "Hoa", c.unit), af.ArgumentTypeError, "candidate"),
    ],
    ids=[
        "case-none",
        "event-unhashable",
        "actor-none",
        "unknown-state",
        "empty-id",
        "candidate-text",
    ],
)
def test_bad_calls_raise_library_errors(
    engine: af.Engine, case: af.Case, call: Any, error: type[af.InputError], field: str
) -> None:
    """Every bad argument is an AdmissionFlowError naming the argument; the engine still works."""
    with pytest.raises(error) as raised:
        call(engine, case)
    assert raised.value.field == field
    assert engine.fire(case, "identify", "cell_committee", D(2023, 3, 1)).accepted


def test_a_huge_number_is_a_fact_error(engine: af.Engine, case: af.Case) -> None:
    """An int fact of a thousand digits is refused as a FactError, quickly, without printing it."""
    ready = drive(engine, case, "ready")
    with pytest.raises(af.FactError, match="must be a whole number below") as raised:
        engine.fire(
            ready, "cell_vote", "cell", D(2023, 6, 20), in_favour=10**1000, official_members=29
        )
    assert len(str(raised.value)) < 300


# -- one definition of each fact type --------------------------------------------------------------

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(["clear", "concern", "m-hung", "m-lan", "m-x", ""]),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=2),
)
SPECS = st.builds(
    FactSpec,
    name=st.just("f"),
    type=st.sampled_from(_facts.FACT_TYPES),
    values=st.just(("clear", "concern")),
    minimum=st.none() | st.integers(-3, 3),
    roles=st.sampled_from([(), ("cell",)]),
).map(lambda spec: spec if spec.type == "int" else attrs.evolve(spec, minimum=None))


@given(spec=SPECS, value=VALUES, role=st.sampled_from(["cell", "member"]))
def test_the_quick_test_agrees_with_the_explained_one(
    spec: FactSpec, value: Any, role: str
) -> None:
    """fire()'s fast path accepts exactly the values the loader's and the messages' check accepts."""
    members = {"m-hung", "m-lan"}
    assert _facts.quick_test(spec, members)(value, role) == (
        _facts.problem(spec, value, members=members, role=role) is None
    )


# -- the transitions, derived once -------------------------------------------------------------------


def test_every_reader_of_transitions_reads_the_same_ones(procedure: af.Procedure) -> None:
    """The router and the reference machine route exactly the procedure's transitions."""
    plugins = af.Plugins(entry_points=False)
    compiled = af.Engine(procedure, plugins=plugins, members=MEMBERS)
    machine = af.Engine(procedure, plugins=plugins, members=MEMBERS, backend="transitions")
    sources = {t.source for t in procedure.transitions()}
    pairs = {(t.source, t.event) for t in procedure.transitions()}
    for source in sources | set(procedure.states):
        for event in procedure.events:
            expected = (source, event) in pairs
            assert compiled._router.allows(source, event) is expected
            assert machine._router.allows(source, event) is expected
    escalations = [t for t in procedure.transitions() if t.escalation]
    assert [(t.event, t.source, t.target) for t in escalations] == [
        ("recognition_vote", "probation", "escalated")
    ]


# -- plugins, as pluggy calls them ---------------------------------------------------------------------


def checker(name: str, **marks: bool) -> object:
    """A plugin whose check_event warns with its own name, marked tryfirst/trylast as asked."""

    class Plugin:
        @af.hookimpl(**marks)
        def admission_flow_check_event(self, context: af.EventContext) -> list[af.Violation]:
            return [
                af.Violation(
                    rule=f"order.{name}",
                    message=af.Text(name, name),
                    source="test",
                    severity="warning",
                )
            ]

    return Plugin()


def test_plugins_are_called_in_pluggys_order(engine: af.Engine, case: af.Case) -> None:
    """tryfirst first, trylast last, the rest last-registered first: as pluggy calls them."""
    plugins = af.Plugins(
        [
            checker("late", trylast=True),
            checker("plain_a"),
            checker("early", tryfirst=True),
            checker("plain_b"),
        ],
        entry_points=False,
    )
    ordered = af.Engine(engine.procedure, plugins=plugins, members=MEMBERS)
    outcome = ordered.fire(case, "identify", "cell_committee", D(2023, 3, 1))
    assert [w.rule for w in outcome.warnings] == [
        "order.early",
        "order.plain_b",
        "order.plain_a",
        "order.late",
    ]


@pytest.mark.parametrize("kind", ["hookwrapper", "wrapper"])
def test_a_hook_wrapper_is_refused_at_registration(kind: str) -> None:
    """A wrapper cannot see one plugin's answer at a time, so it is refused, with what to do."""

    class Wrapping:
        @af.hookimpl(**{kind: True})
        def admission_flow_check_event(self, context: af.EventContext) -> Iterator[None]:
            yield

    plugins = af.Plugins(entry_points=False)
    with pytest.raises(af.PluginError, match="is a hook wrapper") as raised:
        plugins.register(Wrapping(), name="wrapping")
    assert (raised.value.plugin, raised.value.hook) == ("wrapping", "admission_flow_check_event")
    assert "wrapping" not in plugins.names()


def answering(name: str, answer: Any) -> object:
    class Plugin:
        @af.hookimpl
        def admission_flow_check_event(self, context: af.EventContext) -> Any:
            return answer() if callable(answer) else answer

    Plugin.__qualname__ = name
    return Plugin()


def broken_generator() -> Iterator[af.Violation]:
    raise RuntimeError("half way")
    yield  # pragma: no cover


def leaving() -> None:
    raise SystemExit(0)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (5, "returned 5 (number) from admission_flow_check_event"),
        ("quota", "returned 'quota' (text) from admission_flow_check_event"),
        ([1], "returned 1 (number) from admission_flow_check_event"),
        (broken_generator, "raised RuntimeError in admission_flow_check_event: half way"),
        (leaving, "raised SystemExit in admission_flow_check_event"),
        (
            [af.Violation(rule="x.y", message=af.Text("a", "b"), source="s", details={"f": len})],
            "details of rule 'x.y' that can be stored",
        ),
    ],
    ids=["int", "text", "list-of-int", "generator-raises", "sys-exit", "details-unserialisable"],
)
def test_a_bad_answer_names_the_one_plugin_that_gave_it(
    engine: af.Engine, case: af.Case, answer: Any, message: str
) -> None:
    """Of two plugins on a hook, the one that failed is named, and nothing changes."""
    plugins = af.Plugins(
        [answering("Good", []), answering("Bad", answer), answering("AlsoGood", None)],
        entry_points=False,
    )
    guarded = af.Engine(engine.procedure, plugins=plugins, members=MEMBERS)
    with pytest.raises(af.PluginError) as raised:
        guarded.fire(case, "identify", "cell_committee", D(2023, 3, 1))
    assert raised.value.plugin.endswith(".Bad")
    assert raised.value.hook == "admission_flow_check_event"
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


class Calendar:
    def __init__(self, add: Any, off: Any = ()) -> None:
        self.add, self.off = add, off

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        return self.add(start, days)  # type: ignore[no-any-return]

    def days_off(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, af.Text]]:
        return list(self.off)


def choosing(calendar: Calendar) -> object:
    class Chooser:
        @af.hookimpl
        def admission_flow_resolve_calendar(self, procedure: af.Procedure) -> Calendar:
            return calendar

    return Chooser()


def raising(start: dt.date, days: int) -> dt.date:
    raise ZeroDivisionError("no calendar")


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        (Calendar(raising), "raised ZeroDivisionError in add_working_days"),
        (
            Calendar(lambda start, days: None),
            "returned nothing from admission_flow_resolve_calendar",
        ),
        (
            Calendar(lambda start, days: start - dt.timedelta(days=1)),
            "to give a date on or after",
        ),
        (
            Calendar(lambda start, days: start + dt.timedelta(days=days), off=[("x", "y")]),
            "days_off() to give (date, Text) pairs",
        ),
    ],
    ids=["raises", "none", "before-start", "bad-days-off"],
)
def test_a_plugins_calendar_is_checked_as_it_is_used(
    engine: af.Engine, case: af.Case, calendar: Calendar, message: str
) -> None:
    """A calendar that raises or answers wrongly is a PluginError naming its plugin."""
    plugins = af.Plugins([choosing(calendar)], entry_points=False)
    guarded = af.Engine(engine.procedure, plugins=plugins, members=MEMBERS)
    assert guarded.calendar is calendar
    ready = drive(engine, case, "ready")
    ready = attrs.evolve(ready, procedure=guarded.procedure.ref)
    with pytest.raises(af.PluginError) as raised:
        guarded.fire(ready, "cell_vote", "cell", D(2023, 6, 20), in_favour=20, official_members=29)
    assert raised.value.hook == "admission_flow_resolve_calendar"
    assert message in str(raised.value)


def test_errors_are_exported_from_the_top(tmp_path: Path) -> None:
    """FileProblemError, the base of file errors users catch, is exported."""
    assert issubclass(af.ProcedureError, af.FileProblemError)
    assert issubclass(af.ScenarioError, af.FileProblemError)
    assert not hasattr(af, "hookspec")


def test_a_hook_with_a_wrong_signature_is_one_line() -> None:
    """pluggy's several-line complaint about an argument the hook lacks becomes one line."""

    class Wrong:
        @af.hookimpl
        def admission_flow_check_event(self, context: af.EventContext, extra: int) -> list[Any]:
            return []

    with pytest.raises(af.PluginError) as raised:
        af.Plugins([Wrong()], entry_points=False)
    message = str(raised.value)
    assert "\n" not in message
    assert "extra" in message
    assert raised.value.plugin.endswith("Wrong")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda p: af.draw(p, fmt="svg"), af.InputError),  # type: ignore[arg-type]
        (lambda p: af.draw("vn-2021"), af.ArgumentTypeError),  # type: ignore[arg-type]
        (lambda p: af.draw(p, lang="fr"), af.InputError),  # type: ignore[arg-type]
        (lambda p: af.Plugins(5), af.ArgumentTypeError),  # type: ignore[arg-type]
        (lambda p: af.run_scenario(None), af.ArgumentTypeError),  # type: ignore[arg-type]
        (lambda p: WeekdayCalendar().add_working_days(D(2024, 1, 1), 10_001), af.InputError),
        (lambda p: WeekdayCalendar().add_working_days("2024-01-01", 1), af.ArgumentTypeError),  # type: ignore[arg-type]
        (lambda p: af.load_procedure(42), af.ArgumentTypeError),  # type: ignore[arg-type]
    ],
    ids=[
        "draw-format",
        "draw-id",
        "draw-lang",
        "plugins-int",
        "run-none",
        "days-huge",
        "days-text",
        "load-int",
    ],
)
def test_public_functions_check_their_arguments(
    procedure: af.Procedure, call: Any, error: type[Exception]
) -> None:
    """Each public function refuses a bad argument with an AdmissionFlowError."""
    with pytest.raises(error) as raised:
        call(procedure)
    assert isinstance(raised.value, af.AdmissionFlowError)


def test_unit_kinds_are_an_open_vocabulary() -> None:
    """A new kind is a name of its own; only near-misses of known kinds and non-names are refused."""
    assert af.Unit(id="hhb", kind="ward").kind == "ward"
    assert af.Unit(id="lc", kind="district").kind == "district"
    with pytest.raises(af.InputError, match="not a name"):
        af.Unit(id="x", kind="Ward 1")
    with pytest.raises(af.InputError, match="did you mean 'health'"):
        af.Unit(id="x", kind="helth")


def test_a_member_holds_positions() -> None:
    """Member.positions names what the member holds, so a rule can ask who the secretary is."""
    member = af.Member(
        id="m-1", status="official", since=dt.date(2000, 1, 1), positions=["secretary"]
    )
    assert member.positions == ("secretary",)
    assert af.Member(id="m-2", status="official", since=dt.date(2000, 1, 1)).positions == ()
