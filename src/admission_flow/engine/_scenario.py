"""Scenario files: replaying the events of one case against a procedure.

A scenario names a procedure, a unit, the members its events refer to, a
candidate and the events, in date order (see ``docs/scenarios.md``). Loading
checks everything against the procedure before any event is fired, so a bad
file is reported whole, each problem as ``file:line:col: message``; then the
run fires each event, and a refused event is reported and the run goes on.

A scenario's ``procedure:`` path is read only as a procedure, and only inside
the scenario's folder unless the caller allows any path: a scenario from
someone else must not be a way to print a file (``/etc/passwd``, a key), nor
to learn whether one exists. The procedure's own problems are counted, never
echoed (see ``docs/limits.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from admission_flow._limits import MAX_SCENARIO_EVENTS, MAX_UNIT_MEMBERS, quote
from admission_flow.exceptions import (
    ActorError,
    ArgumentTypeError,
    InputError,
    ProcedureError,
    ScenarioError,
)
from admission_flow.model._calendar import Calendar
from admission_flow.model._fields import fields_of
from admission_flow.model._serial import run_step
from admission_flow.model._values import (
    UNIT_KINDS,
    Actor,
    Case,
    Member,
    Outcome,
    Person,
    Unit,
    check_kind,
)
from admission_flow.model._vocabulary import command
from admission_flow.model._words import describe, did_you_mean
from admission_flow.plugins._loading import load_procedure
from admission_flow.plugins._manager import Plugins
from admission_flow.procedure._reading import Reader, read_file
from admission_flow.procedure._spec import Procedure
from admission_flow.procedure._yaml import YamlList, YamlMap

from ._engine import Engine
from ._scenario_left import read_left
from ._scenario_moves import ScenarioEvent, fire_entry, read_move

_V = TypeVar("_V", Person, Unit, Member)

__all__ = ["Run", "Scenario", "ScenarioEvent", "load_scenario", "run_scenario"]

ID_KEYS = ("on", "event", "by")


def _inside(target: Path, folder: Path) -> bool:
    """Whether ``target`` is in ``folder`` once links and ``..`` are resolved."""
    try:
        return target.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a loop of links
        return False


def _is_file(target: Path) -> bool:
    try:
        return target.is_file()
    except (OSError, ValueError):
        return False


@attrs.frozen(kw_only=True)
class Scenario:
    """A scenario file, loaded and checked; ``engine`` is ready to run it."""

    path: str
    procedure: Procedure
    unit: Unit
    members: Mapping[str, Member]
    candidate: Person
    events: tuple[ScenarioEvent, ...]
    engine: Engine = attrs.field(eq=False, repr=False)
    case_id: str = ""  # ``case:`` in the file, the candidate's id by default


@attrs.frozen(kw_only=True)
class Run:
    """What running a scenario gave: each event's outcome and the final case."""

    scenario: Scenario
    outcomes: tuple[Outcome, ...]
    case: Case
    engine: Engine | None = attrs.field(default=None, eq=False, repr=False)  # after moves

    def as_dict(self) -> dict[str, Any]:
        """The ``run --json`` object (see ``docs/scenarios.md``)."""
        engine = self.engine or self.scenario.engine
        return {
            "case": self.case.id,
            "procedure": self.case.procedure.id,
            "state": self.case.state,
            "steps": [run_step(outcome.step) for outcome in self.outcomes],
            "deadlines": [d.as_dict() for d in engine.pending(self.case)],
            "dates": {name: day.isoformat() for name, day in engine.dates(self.case).items()},
        }


def load_scenario(
    path: str | Path,
    *,
    plugins: Plugins | None = None,
    calendar: Calendar | None = None,
    allow_paths: bool = False,
) -> Scenario:
    """Load a scenario file and check it against its procedure.

    Args:
        path: the scenario file.
        plugins: the plugin manager; a fresh one by default.
        calendar: the calendar deadlines are counted in; the plugins' choice by default.
        allow_paths: let ``procedure:`` name a file outside the scenario's
            folder (after resolving symbolic links and ``..``). Off by default,
            so that a scenario from elsewhere cannot read other files.

    Raises:
        ScenarioError: every problem of the file, each with its position; a
            broken procedure file is one problem, which says how to see its own.
    """
    plugins = plugins if plugins is not None else Plugins()
    value, name = read_file(path, error=ScenarioError)
    return _Loader(name, Path(path), plugins, calendar, allow_paths=allow_paths).load(value)


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """The scenario files among ``paths``: each file as given, each folder's ``*.yaml`` files
    (its subfolders' included), sorted. The one walk ``run --db`` and ``report`` share."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        else:
            found.append(path)
    return found


def run_scenario(scenario: Scenario) -> Run:
    """Fire every event of the scenario in order; refusals are reported, not raised."""
    if not isinstance(scenario, Scenario):
        raise ArgumentTypeError(
            f"run_scenario() takes a loaded scenario (load_scenario), not {describe(scenario)}",
            field="scenario",
        )
    engine = scenario.engine
    case = engine.open(scenario.case_id or scenario.candidate.id, scenario.candidate, scenario.unit)
    outcomes = []
    for event in scenario.events:
        try:
            outcome, engine = fire_entry(engine, case, event)
        except InputError as exc:  # pragma: no cover - load_scenario checks all of this first
            raise ScenarioError([event.mark.problem(str(exc))]) from exc
        outcomes.append(outcome)
        case = outcome.case
    return Run(scenario=scenario, outcomes=tuple(outcomes), case=case, engine=engine)


class _Loader:
    def __init__(
        self,
        file: str,
        path: Path,
        plugins: Plugins,
        calendar: Calendar | None,
        *,
        allow_paths: bool,
    ) -> None:
        self.reader = Reader(file)
        self.file = file
        self.path = path
        self.plugins = plugins
        self.calendar = calendar
        self.allow_paths = allow_paths

    def load(self, value: Any) -> Scenario:
        r = self.reader
        root = r.root(value, "scenario")
        if root is None:
            r.raise_if_any(ScenarioError)
        assert root is not None
        r.keys(
            root,
            "the scenario",
            required=("procedure", "unit", "candidate", "events"),
            optional=("members", "case"),
        )
        case_id, procedure = r.string(root, "case", "the scenario"), self.procedure(root)
        unit = self.unit(root)
        members = self.members(root)
        candidate = self.candidate(root)
        raw_events = r.sequence(root, "events", "the scenario", required=True)
        if procedure is None or raw_events is None:
            r.raise_if_any(ScenarioError)
        assert procedure is not None
        assert raw_events is not None
        engine = Engine(procedure, plugins=self.plugins, members=members, calendar=self.calendar)
        events = self.events(raw_events, engine, unit)
        r.raise_if_any(ScenarioError)
        assert unit is not None
        assert candidate is not None
        return Scenario(
            path=self.file,
            procedure=procedure,
            unit=unit,
            members=members,
            candidate=candidate,
            events=tuple(events),
            engine=engine,
            case_id=case_id or candidate.id,
        )

    def procedure(self, root: YamlMap, key: str = "procedure", where: str = "the scenario") -> Procedure | None:  # fmt: skip
        name = self.reader.string(root, key, where)
        if name is None:
            return None
        bundled = self.plugins.procedures()
        if name in bundled:
            return load_procedure(name, plugins=self.plugins)
        mark = root.value_mark(key)
        target = self.path.parent / name
        if not self.allow_paths and not _inside(target, self.path.parent):
            # Said before looking at the path, so the answer is the same whether
            # or not it exists.
            self.reader.add(
                mark,
                f"procedure {quote(name)} is outside the scenario's folder; put the procedure "
                "next to the scenario, or allow other paths (run --allow-path)",
            )
            return None
        if not _is_file(target):
            self.reader.add(
                mark,
                f"procedure {quote(name)} is neither a bundled procedure "
                f"({', '.join(sorted(bundled))}) nor a file next to the scenario"
                f"{did_you_mean(name, bundled)}",
            )
            return None
        try:
            return load_procedure(target, plugins=self.plugins)
        except ProcedureError as exc:
            # Counted, not echoed: the file's problems quote its contents.
            count = len(exc.problems)
            self.reader.add(
                mark,
                f"procedure {quote(name)} has {count} problem{'s' if count > 1 else ''}; "
                f"run `{command('validate', str(target), plugins=self.plugins.modules())}` to see "
                f"{'them' if count > 1 else 'it'}",
            )
            return None

    def unit(self, root: YamlMap) -> Unit | None:
        entry = self.reader.mapping(root, "unit", "the scenario", required=True)
        return None if entry is None else self.value(Unit, entry, "unit")

    def kind(self, entry: YamlMap, where: str) -> str:
        """The unit's kind: open (plugins add kinds), but a near-miss of a known kind is a typo."""
        kind = self.reader.string(entry, "kind", where)
        if kind is None:
            return "other"
        known = (*UNIT_KINDS, *self.plugins.unit_kinds())
        try:
            check_kind(kind, known)
        except InputError:
            self.reader.add(
                entry.value_mark("kind"),
                f"{where}.kind is '{kind}', not one of {', '.join(known)}"
                f"{did_you_mean(kind, known)}",
            )
            return "other"
        return kind

    def members(self, root: YamlMap) -> dict[str, Member]:
        r = self.reader
        items = r.sequence(root, "members", "the scenario")
        result: dict[str, Member] = {}
        for index, entry in enumerate(items or ()):
            mark = items.item_mark(index) if items is not None else root.mark
            where = f"members[{index}]"
            if not isinstance(entry, YamlMap):
                r.add(
                    mark,
                    f"{where} must be a mapping like {{id: m-1, status: official, since: 2020-01-01}}, not {describe(entry)}",
                )
                continue
            member = self.value(Member, entry, where)
            if member is not None and member.id in result:
                r.add(
                    entry.value_mark("id"), f"member {quote(member.id)} is listed twice; keep one"
                )
            elif member is not None:
                result[member.id] = member
        return result

    def candidate(self, root: YamlMap) -> Person | None:
        entry = self.reader.mapping(root, "candidate", "the scenario", required=True)
        return None if entry is None else self.value(Person, entry, "candidate")

    def value(self, cls: type[_V], entry: YamlMap, where: str) -> _V | None:
        """A ``Person``, ``Unit`` or ``Member`` read field by field (``fields_of``), or ``None``."""
        r = self.reader
        fields = fields_of(cls)
        r.keys(
            entry,
            where,
            required=tuple(f.name for f in fields if f.required),
            optional=tuple(f.name for f in fields if not f.required),
        )
        values: dict[str, Any] = {}
        complete = True  # every field is read, so that every problem is reported
        for field in fields:
            name, kind = field.name, field.kind
            if kind == "text" and cls is Unit and name == "kind":
                value: Any = self.kind(entry, where)
            elif kind in ("text", "optional_text") and field.choices:
                value = r.choice(entry, name, where, field.choices)
            elif kind in ("text", "optional_text"):
                value = r.string(entry, name, where)
            elif kind == "departure":
                value = read_left(r, entry, where)
            elif kind == "date":
                value = r.date(entry, name, where)
            elif kind == "count":
                value = r.integer(entry, name, where, minimum=0, maximum=MAX_UNIT_MEMBERS)
            elif kind == "flag":
                value = r.boolean(entry, name, where)
            else:  # names, name_set
                value = tuple(
                    item
                    for item, mark in r.names(entry, name, where, required=False, allow_empty=True)
                    if not field.choices
                    or r.known(item, mark, field.choices, name.removesuffix("s"), f"{where}.{name}")
                )
            if value is not None:
                values[name] = value
            elif field.required:
                complete = False
        return cls(**values) if complete else None

    def events(self, items: YamlList, engine: Engine, unit: Unit | None = None) -> list[ScenarioEvent]:  # fmt: skip
        r = self.reader
        procedure = engine.procedure
        result: list[ScenarioEvent] = []
        last: tuple[dt.date, int] | None = None
        if not items:
            r.add(items.mark, "'events' is empty; list at least one event")
        if len(items) > MAX_SCENARIO_EVENTS:
            # Checked and run are the first ones only, so that a run's cost is bounded.
            r.add(
                items.item_mark(MAX_SCENARIO_EVENTS),
                f"a scenario replays one case: at most {MAX_SCENARIO_EVENTS:,} events, "
                f"not {len(items):,}; split it into several scenarios",
            )
        for index, entry in enumerate(items[:MAX_SCENARIO_EVENTS]):
            mark = items.item_mark(index)
            where = f"events[{index}]"
            if not isinstance(entry, YamlMap):
                r.add(
                    mark,
                    f"{where} must be a mapping like {{on: 2023-03-01, event: identify, by: cell_committee}}, not {describe(entry)}",
                )
                continue
            if "migrate" in entry:
                moved = read_move(self, entry, where, mark, engine, unit, last)
                if moved is not None and moved.migrate_to is not None:
                    result.append(moved)
                    engine, unit, last = moved.migrate_to, moved.unit or unit, (moved.on, index)
                    procedure = engine.procedure
                continue
            for key in ID_KEYS:
                if key not in entry:
                    r.add(entry.mark, f"missing '{key}' in {where}")
            on = r.date(entry, "on", where)
            event = r.string(entry, "event", where)
            if event is not None and event not in procedure.events:
                r.add(
                    entry.value_mark("event"),
                    f"unknown event {quote(event)} in {where} (procedure {procedure.id})"
                    f"{did_you_mean(event, procedure.events)}",
                )
                event = None
            actor = self.actor(entry, where, engine)
            if on is not None:
                if last is not None and on < last[0]:
                    r.add(
                        entry.value_mark("on"),
                        f"{where} on {on.isoformat()} comes before events[{last[1]}] on {last[0].isoformat()}; "
                        "list events in date order",
                    )
                else:
                    last = (on, index)
            facts = {k: v for k, v in entry.items() if k not in ID_KEYS}
            if event is None:
                continue
            _, problems = engine.check_facts(
                event, facts, role=actor.role if actor is not None else None
            )
            declared = procedure.events[event].facts
            for field, message in problems:
                if field not in entry:
                    mark = entry.mark
                elif field in declared:
                    mark = entry.value_mark(field)
                else:  # an unknown fact: point at its name
                    mark = entry.key_mark(field)
                r.add(mark, message)
            if on is None or actor is None or problems:
                continue
            result.append(ScenarioEvent(on=on, event=event, actor=actor, facts=facts, mark=mark))
        return result

    def actor(self, entry: YamlMap, where: str, engine: Engine) -> Actor | None:
        if "by" not in entry:
            return None
        raw = entry["by"]
        mark = entry.value_mark("by")
        if isinstance(raw, str) and raw.strip():  # an empty role: the message below
            actor = Actor(raw)
        elif isinstance(raw, YamlMap):
            self.reader.keys(raw, f"{where}.by", required=("role",), optional=("id",))
            role = self.reader.string(raw, "role", f"{where}.by")
            member = self.reader.string(raw, "id", f"{where}.by")
            if role is None:
                return None
            actor = Actor(role, member)
        else:
            self.reader.add(
                mark,
                f"{where}.by must be a role name or {{role: member, id: m-1}}, not {describe(raw)}",
            )
            return None
        try:
            return engine.check_actor(actor)
        except ActorError as exc:
            self.reader.add(mark, f"{exc} (in {where}.by)")
            return None
