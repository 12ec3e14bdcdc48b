"""Every plugin hook (``admission_flow_*``), exercised the way a third-party plugin would use it."""

from __future__ import annotations

import datetime as dt
import re
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

import admission_flow as af
import admission_flow.hooks._specs
from admission_flow.calendar import Calendar, VietnamCalendar, WeekdayCalendar
from helpers import PROCEDURES

D = dt.date
OPENED = D(2024, 3, 1)
ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(
    name for name in dir(admission_flow.hooks._specs) if name.startswith("admission_flow_")
)

PROCEDURE = (PROCEDURES / "school_trial.yaml").read_text(encoding="utf-8")


@af.rule(
    "school.min_score",
    params={"minimum": None},
    details={"score", "minimum"},
    reads={"score"},
)
def min_score(context: af.EventContext, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
    score = context.facts["score"]
    return None if score >= params["minimum"] else {"score": score, "minimum": params["minimum"]}


def plugin(name: str, **hooks: Callable[..., Any]) -> types.ModuleType:
    """A plugin module called ``name`` implementing ``hooks`` (spelt out in full)."""
    module = types.ModuleType(name)
    for hook, function in hooks.items():
        setattr(module, hook, af.hookimpl(function))
    return module


def school() -> types.ModuleType:
    """The plugin that contributes ``school.min_score``."""
    return plugin("school", admission_flow_add_rules=lambda: [min_score])


@pytest.fixture
def procedure_file(tmp_path: Path) -> Path:
    path = tmp_path / "my-id.yaml"
    path.write_text(PROCEDURE, encoding="utf-8")
    return path


def school_engine(procedure_file: Path, *extra: object, **kwargs: Any) -> af.Engine:
    """An engine for the trial procedure, with the school plugin and ``extra`` plugins."""
    plugins = af.Plugins([school(), *extra], entry_points=False)
    kwargs.setdefault("calendar", WeekdayCalendar())
    return af.Engine.load(procedure_file, plugins=plugins, **kwargs)


def open_case(engine: af.Engine, on: dt.date = OPENED) -> af.Case:
    person = af.Person(id="c-an", name="Phạm Văn An", born=D(2000, 1, 1), education="university")
    case = engine.open("c-an", person, af.Unit(id="school-7", kind="school"))
    outcome = engine.fire(case, "start", "clerk", on)
    assert outcome.accepted
    return outcome.case


class Recorder:
    """An ``admission_flow_after_step`` plugin that keeps what it is told."""

    def __init__(self) -> None:
        self.calls: list[tuple[af.Procedure, af.Case, af.Step]] = []

    def module(self) -> types.ModuleType:
        def admission_flow_after_step(
            procedure: af.Procedure, case: af.Case, step: af.Step
        ) -> None:
            self.calls.append((procedure, case, step))

        return plugin("recorder", admission_flow_after_step=admission_flow_after_step)


def test_every_hook_is_exercised_here() -> None:
    """Each hook of admission_flow.hooks._specs has an implementation in this module."""
    source = Path(__file__).read_text(encoding="utf-8")
    assert af.Plugins(entry_points=False).hook_names() == HOOKS
    assert len(HOOKS) == 8
    for hook in HOOKS:
        assert f"{hook}=" in source, f"no test implements {hook}"


def test_every_hook_is_documented() -> None:
    """docs/hooks.md names every hook."""
    docs = ROOT / "docs" / "hooks.md"
    assert docs.is_file(), "docs/hooks.md is missing: every hook must be documented"
    text = docs.read_text(encoding="utf-8")
    missing = [hook for hook in HOOKS if hook not in text]
    assert missing == []


# -- admission_flow_add_rules --------------------------------------------------------------------


def test_a_plugin_rule_is_used_by_a_procedure_file(procedure_file: Path) -> None:
    """A contributed rule, named in a YAML file with params, reports the file's message and source."""
    engine = school_engine(procedure_file)
    contributed = engine.plugins.rules()["school.min_score"]
    assert (contributed.rule, contributed.plugin) == (min_score, "school")
    assert engine.procedure.rules["school.min_score"].check == "school.min_score"
    case = open_case(engine)
    low = engine.fire(case, "grade", "board", D(2024, 3, 4), score=3)
    assert not low.accepted
    (violation,) = low.violations
    assert violation.rule == "school.min_score"
    assert violation.message == af.Text(
        "Điểm 3 thấp hơn mức tối thiểu 5.", "A score of 3 is below the minimum of 5."
    )
    assert violation.source == "Nội quy trường §2"
    assert violation.severity == "block"
    assert engine.fire(case, "grade", "board", D(2024, 3, 4), score=5).case.state == "done"


def test_one_implementation_serves_rules_of_different_severity(procedure_file: Path) -> None:
    """``check:`` reuses a plugin's rule under another id, with its own params and severity."""
    engine = school_engine(procedure_file)
    case = open_case(engine)
    short = engine.fire(case, "tally", "board", D(2024, 3, 4), score=2)
    assert (short.step.accepted, short.step.recorded) == (False, True)
    assert [(v.rule, v.severity, v.message.en) for v in short.violations] == [
        ("school.tally_short", "record", "The tally is 2, under 3.")
    ]
    assert engine.fire(case, "tally", "board", D(2024, 3, 4), score=3).accepted


def test_two_plugins_contributing_one_rule_id_is_an_error(procedure_file: Path) -> None:
    """A rule id belongs to one plugin; a second one is named with the first."""
    college = plugin("college", admission_flow_add_rules=lambda: [min_score])
    plugins = af.Plugins([school(), college], entry_points=False)
    with pytest.raises(af.PluginError) as raised:
        af.load_procedure(procedure_file, plugins=plugins)
    message = str(raised.value)
    assert "rule 'school.min_score'" in message
    assert "plugin 'school'" in message
    assert "plugin 'college'" in message
    assert (raised.value.plugin, raised.value.hook) == ("college", "admission_flow_add_rules")


def test_a_plugin_cannot_take_over_a_built_in_rule_id() -> None:
    """Contributing 'eligibility.age' again clashes with the standard plugin."""
    rival = af.rule("eligibility.age")(lambda context, params: None)
    plugins = af.Plugins(
        [plugin("rival", admission_flow_add_rules=lambda: [rival])], entry_points=False
    )
    with pytest.raises(
        af.PluginError, match=re.escape("rule 'eligibility.age' is contributed by both")
    ) as raised:
        af.load_procedure("vn-2021", plugins=plugins)
    assert "plugin 'admission_flow.standard'" in str(raised.value)
    assert "plugin 'rival'" in str(raised.value)
    # the newcomer is the culprit, not the built-in plugin registered before it
    assert (raised.value.plugin, raised.value.hook) == ("rival", "admission_flow_add_rules")


@pytest.mark.parametrize("answer", [["school.min_score"], [min_score.check], [None]])
def test_add_rules_must_return_rules(procedure_file: Path, answer: list[Any]) -> None:
    """Anything but Rule objects from admission_flow_add_rules is a PluginError naming the plugin."""
    sloppy = plugin("sloppy", admission_flow_add_rules=lambda: answer)
    plugins = af.Plugins([school(), sloppy], entry_points=False)
    with pytest.raises(
        af.PluginError, match=re.escape("return admission_flow.Rule objects")
    ) as raised:
        af.load_procedure(procedure_file, plugins=plugins)
    assert (raised.value.plugin, raised.value.hook) == ("sloppy", "admission_flow_add_rules")


def test_a_procedure_naming_a_rule_nobody_provides_is_a_procedure_error(
    procedure_file: Path,
) -> None:
    """Without the school plugin, the file's rules are reported at their lines."""
    with pytest.raises(af.ProcedureError) as raised:
        af.load_procedure(procedure_file, plugins=af.Plugins(entry_points=False))
    messages = [p.message for p in raised.value.problems]
    assert any(
        "unknown rule 'school.min_score'" in m and "no installed plugin provides it" in m
        for m in messages
    )
    assert all(p.file == str(procedure_file) for p in raised.value.problems)


# -- admission_flow_add_procedures --------------------------------------------------------------


def test_a_plugin_contributes_a_procedure_by_id(procedure_file: Path) -> None:
    """A contributed procedure id loads through Engine.load like the bundled vn-2021."""
    catalogue = plugin(
        "catalogue",
        admission_flow_add_procedures=lambda: {"my-id": str(procedure_file)},
    )
    plugins = af.Plugins([school(), catalogue], entry_points=False)
    assert set(plugins.procedures()) == {"vn-2021", "vn-2025", "my-id"}
    engine = af.Engine.load("my-id", plugins=plugins, calendar=WeekdayCalendar())
    assert engine.procedure.id == "my-id"
    assert engine.procedure.title.en == "A trial selection"
    assert open_case(engine).state == "open"
    assert af.load_procedure("my-id", plugins=plugins).id == "my-id"


def test_two_plugins_contributing_one_procedure_id_is_an_error(procedure_file: Path) -> None:
    """A plugin may not contribute another 'vn-2021'."""
    copycat = plugin("copycat", admission_flow_add_procedures=lambda: {"vn-2021": procedure_file})
    plugins = af.Plugins([copycat], entry_points=False)
    with pytest.raises(
        af.PluginError, match="procedure 'vn-2021' is contributed by both"
    ) as raised:
        af.load_procedure("vn-2021", plugins=plugins)
    assert "plugin 'admission_flow.standard'" in str(raised.value)
    assert "plugin 'copycat'" in str(raised.value)
    assert (raised.value.plugin, raised.value.hook) == ("copycat", "admission_flow_add_procedures")


def test_an_unknown_procedure_id_is_a_procedure_error() -> None:
    """An id nobody contributed names the ones that exist."""
    with pytest.raises(
        af.ProcedureError, match=r"no bundled procedure 'vn-2099' \(bundled: vn-2021, vn-2025\)"
    ):
        af.Engine.load("vn-2099", plugins=af.Plugins(entry_points=False))


# -- admission_flow_resolve_calendar ----------------------------------------------------------


def test_a_plugin_chooses_the_calendar(procedure_file: Path) -> None:
    """Deadlines follow the calendar a plugin resolves for the procedure."""
    asked: list[str] = []

    def admission_flow_resolve_calendar(procedure: af.Procedure) -> Calendar:
        asked.append(procedure.id)
        return WeekdayCalendar()

    weekdays = plugin("weekdays", admission_flow_resolve_calendar=admission_flow_resolve_calendar)
    tet = D(2024, 2, 8)  # the eve of Tết: a week of holidays follows in Vietnam
    engine = school_engine(procedure_file, weekdays, calendar=None)
    assert isinstance(engine.calendar, WeekdayCalendar)
    assert asked == ["my-id"]
    (due,) = engine.pending(open_case(engine, tet))
    assert due.due == WeekdayCalendar().add_working_days(tet, 5) == D(2024, 2, 15)

    vietnam = school_engine(procedure_file, calendar=None)
    assert isinstance(vietnam.calendar, VietnamCalendar)
    (due,) = vietnam.pending(open_case(vietnam, tet))
    assert due.due == VietnamCalendar().add_working_days(tet, 5) > D(2024, 2, 15)


def test_the_first_calendar_wins_and_none_passes(procedure_file: Path) -> None:
    """A plugin answering None lets the next decide; an explicit calendar beats every plugin."""
    undecided = plugin("undecided", admission_flow_resolve_calendar=lambda procedure: None)
    weekdays = plugin(
        "weekdays", admission_flow_resolve_calendar=lambda procedure: WeekdayCalendar()
    )
    engine = school_engine(procedure_file, weekdays, undecided, calendar=None)
    assert isinstance(engine.calendar, WeekdayCalendar)
    vietnam = VietnamCalendar()
    assert school_engine(procedure_file, weekdays, calendar=vietnam).calendar is vietnam


@pytest.mark.parametrize("answer", ["weekdays", 5, WeekdayCalendar])
def test_resolve_calendar_must_return_a_calendar(procedure_file: Path, answer: object) -> None:
    """A calendar that is not one is a PluginError naming the plugin and the hook."""
    odd = plugin("odd", admission_flow_resolve_calendar=lambda procedure: answer)
    with pytest.raises(af.PluginError, match="add_working_days") as raised:
        school_engine(procedure_file, odd, calendar=None)
    assert (raised.value.plugin, raised.value.hook) == ("odd", "admission_flow_resolve_calendar")


def test_a_calendar_plugin_that_raises_is_named(procedure_file: Path) -> None:
    """A failing calendar plugin is a PluginError naming it."""

    def admission_flow_resolve_calendar(procedure: af.Procedure) -> Calendar:
        raise OSError("holiday server unreachable")

    broken = plugin("broken", admission_flow_resolve_calendar=admission_flow_resolve_calendar)
    with pytest.raises(af.PluginError, match="holiday server unreachable") as raised:
        school_engine(procedure_file, broken, calendar=None)
    assert (raised.value.plugin, raised.value.hook) == ("broken", "admission_flow_resolve_calendar")
    assert isinstance(raised.value.__cause__, OSError)


# -- admission_flow_check_event ----------------------------------------------------------------


QUOTA = af.Violation(
    rule="unit.quota",
    message=af.Text("Đã đủ chỉ tiêu năm nay.", "This year's quota is filled."),
    source="Kế hoạch đơn vị 2024",
)
NOTE = af.Violation(
    rule="unit.note",
    message=af.Text("Nhớ báo cáo đảng ủy.", "Remember to report to the committee."),
    source="Kế hoạch đơn vị 2024",
    severity="warning",
)


def test_check_event_adds_violations_to_the_procedures_own(procedure_file: Path) -> None:
    """A plugin's blocking violation and warning come in the same step as the procedure's."""
    seen: list[af.EventContext] = []

    def admission_flow_check_event(context: af.EventContext) -> list[af.Violation]:
        seen.append(context)
        return [QUOTA, NOTE] if context.event.name == "grade" else []

    unit_rules = plugin("unit-rules", admission_flow_check_event=admission_flow_check_event)
    engine = school_engine(procedure_file, unit_rules)
    case = open_case(engine)
    outcome = engine.fire(case, "grade", "board", D(2024, 3, 4), score=3)
    assert [v.rule for v in outcome.violations] == ["school.min_score", "unit.quota"]
    assert [w.rule for w in outcome.warnings] == ["unit.note"]
    assert not outcome.accepted
    assert outcome.case is case
    context = seen[-1]
    assert (context.case, context.actor, context.on) == (case, af.Actor("board"), D(2024, 3, 4))
    assert dict(context.facts) == {"score": 3}
    assert context.unit.id == "school-7"
    passing = engine.fire(case, "grade", "board", D(2024, 3, 4), score=9)
    assert [v.rule for v in passing.violations] == ["unit.quota"]  # the plugin alone still blocks


def test_a_plugin_warning_alone_does_not_block(procedure_file: Path) -> None:
    """Warnings from check_event are reported and the step is accepted."""
    notes = plugin("notes", admission_flow_check_event=lambda context: [NOTE])
    engine = school_engine(procedure_file, notes)
    outcome = engine.fire(open_case(engine), "grade", "board", D(2024, 3, 4), score=9)
    assert outcome.accepted
    assert outcome.warnings == (NOTE,)


def test_check_event_violations_also_show_in_available(procedure_file: Path) -> None:
    """What a plugin blocks is reported by available too."""
    quota = plugin(
        "quota",
        admission_flow_check_event=lambda context: [QUOTA] if context.event.name == "grade" else [],
    )
    engine = school_engine(procedure_file, quota)
    (grade, tally) = sorted(
        engine.available(open_case(engine), "board", D(2024, 3, 4), score=9),
        key=lambda option: option.event,
    )
    assert (grade.event, grade.allowed, grade.violations) == ("grade", False, (QUOTA,))
    assert (tally.event, tally.allowed, tally.violations) == ("tally", True, ())


def test_check_event_must_return_violations(procedure_file: Path) -> None:
    """A plugin returning something else from check_event is a PluginError."""
    chatty = plugin("chatty", admission_flow_check_event=lambda context: ["quota filled"])
    engine = school_engine(procedure_file, chatty)
    case = open_case(
        af.Engine(engine.procedure, plugins=af.Plugins([school()], entry_points=False))
    )
    with pytest.raises(
        af.PluginError, match=re.escape("return admission_flow.Violation objects")
    ) as raised:
        engine.fire(case, "grade", "board", D(2024, 3, 4), score=9)
    assert (raised.value.plugin, raised.value.hook) == ("chatty", "admission_flow_check_event")


# -- admission_flow_after_step -------------------------------------------------------------------


def test_after_step_is_told_of_every_step_with_the_new_case(procedure_file: Path) -> None:
    """Refused, recorded and accepted steps are all reported, each with the case after it."""
    recorder = Recorder()
    engine = school_engine(procedure_file, recorder.module())
    case = open_case(engine)
    refused = engine.fire(case, "grade", "clerk", D(2024, 3, 4), score=9)
    recorded = engine.fire(case, "tally", "board", D(2024, 3, 4), score=1)
    accepted = engine.fire(recorded.case, "grade", "board", D(2024, 3, 5), score=9)
    calls = recorder.calls[-3:]
    assert [step for _, _, step in calls] == [refused.step, recorded.step, accepted.step]
    assert [(s.accepted, s.recorded) for _, _, s in calls] == [
        (False, False),
        (False, True),
        (True, False),
    ]
    assert calls[0][1] is case  # refused: the unchanged case
    assert calls[1][1] is recorded.case
    assert calls[2][1] is accepted.case
    assert accepted.case.state == "done"
    assert all(procedure is engine.procedure for procedure, _, _ in calls)
    assert len(recorder.calls) == 4  # and the opening step before them


# -- atomicity: a plugin that fails changes nothing ----------------------------------------------


def test_check_event_raising_is_a_plugin_error_and_changes_nothing(procedure_file: Path) -> None:
    """The engine names the plugin and the hook, chains the cause, and tells no one of a step."""

    def admission_flow_check_event(context: af.EventContext) -> list[af.Violation]:
        raise KeyError("quota")

    recorder = Recorder()
    noisy = plugin("noisy", admission_flow_check_event=admission_flow_check_event)
    engine = school_engine(procedure_file, recorder.module(), noisy)
    case = open_case(
        af.Engine(engine.procedure, plugins=af.Plugins([school()], entry_points=False))
    )
    before = attrs.evolve(case)
    with pytest.raises(af.PluginError) as raised:
        engine.fire(case, "grade", "board", D(2024, 3, 4), score=9)
    error = raised.value
    assert (error.plugin, error.hook) == ("noisy", "admission_flow_check_event")
    assert "plugin 'noisy' raised KeyError in admission_flow_check_event" in str(error)
    assert "nothing was changed" in str(error)
    assert isinstance(error.__cause__, KeyError)
    assert case == before
    assert recorder.calls == []


def test_after_step_raising_is_a_plugin_error_and_the_caller_keeps_its_case(
    procedure_file: Path,
) -> None:
    """When a notification fails, fire raises: the caller never gets a half-told new case."""

    def admission_flow_after_step(procedure: af.Procedure, case: af.Case, step: af.Step) -> None:
        if step.event == "grade":
            raise ConnectionError("audit log down")

    auditor = plugin("auditor", admission_flow_after_step=admission_flow_after_step)
    engine = school_engine(procedure_file, auditor)
    case = open_case(engine)
    before = attrs.evolve(case)
    with pytest.raises(af.PluginError, match="audit log down") as raised:
        engine.fire(case, "grade", "board", D(2024, 3, 4), score=9)
    assert (raised.value.plugin, raised.value.hook) == ("auditor", "admission_flow_after_step")
    assert isinstance(raised.value.__cause__, ConnectionError)
    assert case == before
    assert case.state == "open"


def test_a_rule_check_raising_is_a_plugin_error(procedure_file: Path) -> None:
    """A rule that raises names its plugin and rule; the case is untouched."""

    @af.rule("school.min_score", params={"minimum": None}, details={"score", "minimum"})
    def fragile(context: af.EventContext, params: Mapping[str, Any]) -> None:
        raise ZeroDivisionError("division by zero")

    plugins = af.Plugins(
        [plugin("fragile-school", admission_flow_add_rules=lambda: [fragile])], entry_points=False
    )
    engine = af.Engine.load(procedure_file, plugins=plugins, calendar=WeekdayCalendar())
    case = open_case(engine)
    before = attrs.evolve(case)
    with pytest.raises(af.PluginError) as raised:
        engine.fire(case, "grade", "board", D(2024, 3, 4), score=9)
    error = raised.value
    # The rule failed while the event was judged, not in a hook call: it is named instead.
    assert (error.plugin, error.hook, error.rule) == ("fragile-school", None, "school.min_score")
    assert "rule 'school.min_score' of plugin 'fragile-school' raised ZeroDivisionError" in str(
        error
    )
    assert "nothing was changed" in str(error)
    assert isinstance(error.__cause__, ZeroDivisionError)
    assert case == before


@pytest.mark.parametrize("answer", [False, True, 0, "too low", ["score"]])
def test_a_rule_must_return_none_or_a_mapping(procedure_file: Path, answer: object) -> None:
    """A check's answer other than None or a mapping is a PluginError that says what to return."""

    @af.rule("school.min_score", params={"minimum": None}, details={"score", "minimum"})
    def confused(context: af.EventContext, params: Mapping[str, Any]) -> Any:
        return answer

    plugins = af.Plugins(
        [plugin("confused", admission_flow_add_rules=lambda: [confused])], entry_points=False
    )
    engine = af.Engine.load(procedure_file, plugins=plugins, calendar=WeekdayCalendar())
    case = open_case(engine)
    with pytest.raises(af.PluginError) as raised:
        engine.fire(case, "grade", "board", D(2024, 3, 4), score=9)
    assert (raised.value.plugin, raised.value.hook, raised.value.rule) == (
        "confused",
        None,
        "school.min_score",
    )
    assert f"returned {answer!r}" in str(raised.value)
    assert "returns None when the rule holds, or a mapping" in str(raised.value)


def test_a_rule_must_give_what_its_message_needs(procedure_file: Path) -> None:
    """A broken rule whose answer lacks a placeholder of its message is a PluginError."""

    @af.rule("school.min_score", params={"minimum": None}, details={"score", "minimum"})
    def terse(context: af.EventContext, params: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"score": context.facts["score"]}

    plugins = af.Plugins(
        [plugin("terse", admission_flow_add_rules=lambda: [terse])], entry_points=False
    )
    engine = af.Engine.load(procedure_file, plugins=plugins, calendar=WeekdayCalendar())
    with pytest.raises(af.PluginError, match="needs 'minimum'") as raised:
        engine.fire(open_case(engine), "grade", "board", D(2024, 3, 4), score=1)
    assert raised.value.plugin == "terse"


# -- start-up checks ---------------------------------------------------------------------------


def test_a_misspelled_hook_is_caught_at_start_up() -> None:
    """check_pending() refuses admission_flow_chek_event when the manager is built."""
    typo = plugin("typo", admission_flow_chek_event=lambda context: [])
    with pytest.raises(af.PluginError, match="admission_flow_chek_event") as raised:
        af.Plugins([typo], entry_points=False)
    assert raised.value.plugin == "typo"
    assert "docs/hooks.md" in str(raised.value)
    plugins = af.Plugins(entry_points=False)
    with pytest.raises(af.PluginError, match="admission_flow_chek_event"):
        plugins.register(typo)


def test_a_hook_with_a_wrong_argument_is_caught_at_registration() -> None:
    """An implementation asking for an argument the hook does not give is refused."""
    wrong = plugin("wrong", admission_flow_check_event=lambda ctx: [])
    with pytest.raises(af.PluginError, match="cannot register plugin 'wrong'") as raised:
        af.Plugins([wrong], entry_points=False)
    assert raised.value.plugin == "wrong"


def test_built_in_rules_are_an_ordinary_plugin_registered_first() -> None:
    """admission_flow.standard comes first, then the caller's plugins, each by name."""
    plugins = af.Plugins([school(), plugin("notes")], entry_points=False)
    assert plugins.names() == ["admission_flow.standard", "school", "notes"]
    owners = {found.plugin for found in plugins.rules().values()}
    assert owners == {"admission_flow.standard", "school"}
    assert plugins.rules()["eligibility.age"].plugin == "admission_flow.standard"
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    checked = [spec for spec in procedure.rules.values() if spec.kind == "check"]
    assert checked
    contributed = plugins.rules()
    assert {contributed[spec.check].plugin for spec in checked if spec.check} == {
        "admission_flow.standard"
    }
    registered = plugins.register(plugin("late"))
    assert registered == "late"
    assert plugins.names()[-1] == "late"


# -- entry points --------------------------------------------------------------------------------

FAKE_PLUGIN = """\
import admission_flow as af


@af.rule(
    "fake.always",
    message=af.Text("Luôn vi phạm.", "Always broken."),
    source="Quy chế giả §1",
)
def always(context, params):
    return {}


@af.hookimpl
def admission_flow_add_rules():
    return [always]
"""


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Install a fake distribution into tmp_path (a dist-info folder and modules) and use it."""
    modules: list[str] = []

    def install_(name: str, entry_points: Mapping[str, str], sources: Mapping[str, str]) -> None:
        info = tmp_path / f"{name.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
        )
        lines = "".join(f"{key} = {value}\n" for key, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[admission_flow]\n{lines}", encoding="utf-8")
        for module, source in sources.items():
            (tmp_path / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            modules.append(module)

    monkeypatch.syspath_prepend(str(tmp_path))
    yield install_
    for module in modules:
        sys.modules.pop(module, None)


def test_installed_plugins_are_found_by_entry_point(install: Callable[..., None]) -> None:
    """A package declaring the entry-point group admission_flow is registered after the rest."""
    install("fake-school", {"fake-school": "af_fake_school"}, {"af_fake_school": FAKE_PLUGIN})
    plugins = af.Plugins([school()])
    names = plugins.names()
    assert names[:2] == ["admission_flow.standard", "school"]
    assert "fake-school" in names
    found = plugins.rules()["fake.always"]
    rule, owner = found.rule, found.plugin
    assert (rule.id, owner) == ("fake.always", "fake-school")
    assert rule.message == af.Text("Luôn vi phạm.", "Always broken.")

    local = af.Plugins([school()], entry_points=False)
    assert "fake-school" not in local.names()
    assert "fake.always" not in local.rules()


def test_a_broken_entry_point_is_a_plugin_error_naming_it(install: Callable[..., None]) -> None:
    """An entry point that cannot be imported names itself and its target."""
    install("broken-school", {"broken-school": "af_no_such_module_here"}, {})
    with pytest.raises(af.PluginError) as raised:
        af.Plugins()
    error = raised.value
    assert error.plugin == "broken-school"
    assert "af_no_such_module_here" in str(error)
    assert "entry-point group 'admission_flow'" in str(error)
    assert isinstance(error.__cause__, ImportError)
    assert "broken-school" not in af.Plugins(entry_points=False).names()


def test_an_entry_point_with_a_misspelled_hook_is_caught(install: Callable[..., None]) -> None:
    """check_pending() runs after the entry points are loaded, too."""
    source = FAKE_PLUGIN.replace("def admission_flow_add_rules", "def admission_flow_add_rule")
    install("typo-school", {"typo-school": "af_typo_school"}, {"af_typo_school": source})
    with pytest.raises(af.PluginError, match=re.escape("admission_flow_add_rule")) as raised:
        af.Plugins()
    assert raised.value.plugin == "typo-school"


# -- admission_flow_add_unit_kinds and admission_flow_check_unit ---------------------------------


def test_a_plugin_declares_a_kind_that_scenarios_then_accept(tmp_path: Path) -> None:
    """A kind a plugin declares is known; a near-miss of it is a typo with a suggestion."""
    kinds = plugin("militia", admission_flow_add_unit_kinds=lambda: ["militia", "militia"])
    plugins = af.Plugins([kinds], entry_points=False)
    assert plugins.unit_kinds() == ["militia"]
    path = tmp_path / "s.yaml"
    body = (
        "procedure: vn-2021\nunit: {{id: d-1, kind: {kind}}}\n"
        "candidate: {{id: c-1, name: A, born: 1990-01-01, education: university}}\n"
        "events:\n  - {{on: 2023-03-01, event: identify, by: cell_committee}}\n"
    )
    path.write_text(body.format(kind="militia"), encoding="utf-8")
    assert af.load_scenario(path, plugins=plugins).unit.kind == "militia"
    path.write_text(body.format(kind="militai"), encoding="utf-8")
    with pytest.raises(af.ScenarioError, match="did you mean 'militia'"):
        af.load_scenario(path, plugins=plugins)


def test_a_kind_that_is_not_a_name_is_the_plugins_fault() -> None:
    """admission_flow_add_unit_kinds answering a non-name raises PluginError naming the plugin."""
    bad = plugin("bad_kinds", admission_flow_add_unit_kinds=lambda: ["Not A Kind"])
    with pytest.raises(af.PluginError, match="plugin 'bad_kinds'") as raised:
        af.Plugins([bad], entry_points=False).unit_kinds()
    assert raised.value.hook == "admission_flow_add_unit_kinds"


def test_check_unit_findings_are_combined_and_checked(tmp_path: Path) -> None:
    """Every plugin's findings reach the report; a wrong answer names the plugin."""
    from admission_flow import reports, units

    path = tmp_path / "units.yaml"
    path.write_text(
        "counted_on: 2023-01-01\nunits:\n  - {id: c-1, kind: residential, official_members: 9}\n",
        encoding="utf-8",
    )
    tree = units.load_units(path)

    def finding(context: units.UnitContext) -> list[units.Finding]:
        return [
            units.Finding(
                rule="local.seen",
                unit=context.node.id,
                message=af.Text("Đã xem.", "Seen."),
                source="test",
                met=True,
            )
        ]

    good = plugin("good", admission_flow_check_unit=finding)
    report = reports.build_report(
        tree, [], D(2023, 6, 30), plugins=af.Plugins([good], entry_points=False)
    )
    assert [(f.unit, f.rule) for f in report.findings()] == [("c-1", "local.seen")]
    bad = plugin("bad", admission_flow_check_unit=lambda context: ["not a finding"])
    with pytest.raises(af.PluginError, match="plugin 'bad'"):
        reports.build_report(
            tree, [], D(2023, 6, 30), plugins=af.Plugins([bad], entry_points=False)
        )


# -- admission_flow_add_boundaries ------------------------------------------------

TINY = """\
procedure: tiny
title: {vi: Quy trình nhỏ, en: A tiny procedure}
roles:
  cell: {vi: Chi bộ, en: Party cell}
states:
  identified: {vi: Quần chúng ưu tú, en: Identified}
  voted: {vi: Chi bộ đã biểu quyết, en: Voted, final: true}
events:
  identify: {vi: Đưa vào danh sách, en: Identify, opens_case: true, to: identified, by: cell}
  vote: {vi: Chi bộ biểu quyết, en: Cell vote, from: identified, to: voted, by: cell}
"""


def _fragile_in_schools(context: af.EventContext) -> list[af.Violation]:
    if context.unit.kind == "school" and context.event.name == "vote":
        raise ZeroDivisionError("no quorum in schools")
    return []


def test_a_plugin_declares_where_its_check_turns_and_check_explores_it(tmp_path: Path) -> None:
    """The school boundary a plugin declares makes the search try a school at 'vote'."""
    from admission_flow.testing import explore

    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    declared = plugin(
        "fragile",
        admission_flow_check_event=_fragile_in_schools,
        admission_flow_add_boundaries=lambda procedure: [
            af.Boundary(note="a school", unit={"kind": "school"}, events=("vote",))
        ],
    )
    plugins = af.Plugins([declared], entry_points=False)
    found = explore(af.load_procedure(path, plugins=plugins), plugins=plugins)
    assert found.plugin == "fragile"
    assert found.variant == "a school (fragile)"
    assert found.unit is not None
    assert found.unit.kind == "school"
    assert [a.event for a in found.counterexample] == ["identify", "vote"]
    # The twin without the declaration: the ordinary unit never meets the bug.
    silent = plugin("fragile", admission_flow_check_event=_fragile_in_schools)
    plugins = af.Plugins([silent], entry_points=False)
    assert explore(af.load_procedure(path, plugins=plugins), plugins=plugins).ok


def test_add_boundaries_must_return_boundaries(tmp_path: Path) -> None:
    """Anything else is a PluginError naming the plugin and the hook."""
    from admission_flow.testing import explore

    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    sloppy = plugin("sloppy", admission_flow_add_boundaries=lambda procedure: [{"kind": "x"}])
    plugins = af.Plugins([sloppy], entry_points=False)
    with pytest.raises(af.PluginError) as raised:
        explore(af.load_procedure(path, plugins=plugins), plugins=plugins)
    assert (raised.value.plugin, raised.value.hook) == ("sloppy", "admission_flow_add_boundaries")
