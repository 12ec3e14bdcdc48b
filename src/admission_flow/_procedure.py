"""Procedures: the YAML format, its loading and its validation.

A procedure file declares roles, states, events (from, to, who may fire them,
the facts they carry), the rules each event checks, deadlines counted in
working days and named case dates. Loading reports every problem of a file at
once, each as ``file:line:col: message``; see ``docs/yaml-reference.md``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, cast

import attrs

from ._canonical import digest
from ._invariants import InvariantSpec, parse_invariants
from ._model import ProcedureRef, Severity, Text
from ._reading import NAME, Reader, describe, did_you_mean, read_file
from ._rule import Rule
from ._yaml import Mark, YamlList, YamlMap
from .exceptions import ProcedureError

__all__ = [
    "CORE_RULES",
    "DateSpec",
    "DeadlineSpec",
    "Escalation",
    "EventSpec",
    "FactSpec",
    "Procedure",
    "Role",
    "RuleSpec",
    "RuleUse",
    "State",
    "load_procedure",
    "parse_procedure",
]

PROCEDURE_ID = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
RULE_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\Z")
RULE_HINT = "use lower-case names separated by '.' (eligibility.age)"
FACT_TYPES = ("text", "int", "bool", "date", "choice", "member")
SEVERITIES: tuple[Severity, ...] = ("block", "record", "warning")
#: Keys a scenario event uses itself, so no fact may take them.
RESERVED_FACTS = frozenset({"on", "event", "by"})

RuleKind = Literal["core", "check", "deadline", "escalation"]


@attrs.frozen(kw_only=True)
class _CoreRule:
    message: Text
    details: frozenset[str]


#: Rules the engine itself applies to every event. A procedure may declare them
#: under ``rules:`` to give its own message or source.
CORE_RULES: Mapping[str, _CoreRule] = {
    "auth.role": _CoreRule(
        message=Text(
            "Vai trò {role} không được thực hiện bước “{event}”; chỉ: {allowed}.",
            "The role {role} may not fire '{event}'; only: {allowed}.",
        ),
        details=frozenset({"role", "event", "allowed"}),
    ),
    "event.state": _CoreRule(
        message=Text(
            "Không thể thực hiện bước “{event}” khi hồ sơ đang ở trạng thái “{state}”.",
            "'{event}' cannot happen while the case is in state '{state}'.",
        ),
        details=frozenset({"event", "state"}),
    ),
}
DEADLINE_DETAILS = frozenset({"due", "met", "working_days", "start", "counted_from", "event"})
ESCALATION_DETAILS = frozenset({"count", "state"})
DEFAULT_DEADLINE_MESSAGE = Text(
    "Bước “{event}” ngày {met} đã quá hạn {due} ({working_days} ngày làm việc kể từ {counted_from}).",
    "'{event}' on {met} is past its due date {due} ({working_days} working days from {counted_from}).",
)


@attrs.frozen(kw_only=True)
class Role:
    """Who may fire events. An ``individual`` role is one member acting in person."""

    name: str
    label: Text
    individual: bool = False


@attrs.frozen(kw_only=True)
class State:
    name: str
    label: Text
    final: bool = False


@attrs.frozen(kw_only=True)
class FactSpec:
    """A fact an event carries: its type, whether it is required, its default."""

    name: str
    type: str
    required: bool = False
    default: Any = None
    #: The allowed values of a ``choice``.
    values: tuple[str, ...] = ()
    #: The smallest allowed ``int``.
    minimum: int | None = None
    #: Another ``int`` fact of the same event this one may not exceed.
    at_most: str | None = None
    #: The only roles that may give this fact (all of the event's roles if empty).
    roles: tuple[str, ...] = ()
    label: Text | None = None


@attrs.frozen(kw_only=True)
class RuleUse:
    """An event's use of a rule, with parameters for that event."""

    rule: str
    params: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Escalation:
    """After ``after`` recorded failures of the event, the case goes to ``to``."""

    after: int
    to: str
    rule: str


@attrs.frozen(kw_only=True)
class EventSpec:
    name: str
    label: Text
    sources: tuple[str, ...]
    opens_case: bool
    target: str
    roles: tuple[str, ...]
    facts: Mapping[str, FactSpec]
    rules: tuple[RuleUse, ...] = ()
    escalation: Escalation | None = None


@attrs.frozen(kw_only=True)
class RuleSpec:
    """A rule as this procedure uses it: message, source, severity, parameters."""

    id: str
    kind: RuleKind
    message: Text
    source: str
    severity: Severity = "block"
    params: Mapping[str, Any] = attrs.field(factory=dict)
    #: The implementation, for ``kind == "check"``.
    implementation: Rule | None = attrs.field(default=None, eq=False, repr=False)
    #: The plugin that contributed the implementation.
    plugin: str | None = None


@attrs.frozen(kw_only=True)
class DeadlineSpec:
    """A due date: ``working_days`` after the ``after`` event, met by ``met_by``."""

    name: str
    rule: str
    after: str
    #: A date fact of ``after`` to count from, instead of the day it was fired.
    date: str | None = None
    #: Calendar months added before counting working days.
    months: int = 0
    working_days: int
    extended_working_days: int | None = None
    #: The bool fact of the meeting event that grants the extension.
    extension: str | None = None
    met_by: tuple[str, ...]
    #: A date fact of the meeting event to judge by, instead of the day it was fired.
    met_on: str | None = None
    #: A bool fact of the meeting event that allows it late.
    waiver: str | None = None


@attrs.frozen(kw_only=True)
class DateSpec:
    """A named date of a case: an event's date (or a date fact), plus months."""

    name: str
    event: str
    fact: str | None = None
    months: int = 0
    #: The date exists only once this event has been accepted.
    requires: str | None = None


@attrs.frozen(kw_only=True)
class Procedure:
    """A loaded, validated procedure. Build one with ``load_procedure``."""

    id: str
    title: Text
    version: str | None = None
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    roles: Mapping[str, Role]
    states: Mapping[str, State]
    events: Mapping[str, EventSpec]
    rules: Mapping[str, RuleSpec]
    deadlines: Mapping[str, DeadlineSpec] = attrs.field(factory=dict)
    dates: Mapping[str, DateSpec] = attrs.field(factory=dict)
    #: What must hold of every case in some states (see ``_invariants.py``).
    invariants: tuple[InvariantSpec, ...] = ()
    #: SHA-256 of the file's canonical content (see ``_canonical.py``).
    fingerprint: str
    path: str | None = attrs.field(default=None, eq=False)

    @property
    def ref(self) -> ProcedureRef:
        """The procedure's id, version and fingerprint, as a case records them."""
        return ProcedureRef(self.id, self.version, self.fingerprint)

    def state_label(self, state: str | None) -> Text:
        if state is None:
            return Text("chưa mở", "not opened")
        return self.states[state].label

    @property
    def final_states(self) -> frozenset[str]:
        return frozenset(name for name, state in self.states.items() if state.final)


def load_procedure(
    path: str | Path, *, rules: Mapping[str, tuple[Rule, str]], display: str | None = None
) -> Procedure:
    """Load and validate a procedure file.

    Args:
        path: the YAML file.
        rules: the rule implementations plugins contributed, by id, each with
            the name of its plugin.
        display: how to name the file in messages (defaults to ``path``).

    Raises:
        ProcedureError: listing every problem found, each with its position.
    """
    value, name = read_file(path, display=display, error=ProcedureError)
    return parse_procedure(value, name, rules=rules)


def parse_procedure(value: Any, file: str, *, rules: Mapping[str, tuple[Rule, str]]) -> Procedure:
    """Validate marked values read from ``file`` into a ``Procedure``."""
    parser = _Parser(file, rules)
    procedure = parser.parse(value)
    parser.reader.raise_if_any(ProcedureError)
    assert procedure is not None
    return procedure


# -- parsing ------------------------------------------------------------------


def _placeholders(template: str) -> set[str] | None:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return None


class _Parser:
    def __init__(self, file: str, implementations: Mapping[str, tuple[Rule, str]]) -> None:
        self.reader = Reader(file)
        self.file = file
        self.implementations = implementations
        self.state_marks: dict[str, Mark] = {}
        self.deadline_marks: dict[str, Mark] = {}
        #: Each event's rule uses with their positions, as rule_uses read them.
        self.use_marks: dict[str, list[tuple[RuleUse, Mark]]] = {}
        #: An event's states could not be read: reachability would only add noise.
        self.graph_broken = False
        #: Rule ids named by deadlines and escalations, valid or not.
        self.owned_rules: set[str] = set()
        #: Facts declared with a wrong type, by event: known, though unusable.
        self.invalid_facts: dict[str, set[str]] = {}

    def add(self, mark: Mark, message: str) -> None:
        self.reader.add(mark, message)

    def named_entries(
        self, root: YamlMap, key: str, *, required: bool
    ) -> list[tuple[str, YamlMap, Mark]]:
        """The entries of a top-level section, each a mapping under a valid name."""
        if key not in root:  # a missing required section is reported by keys()
            return []
        section = self.reader.mapping(root, key, "the procedure", required=required)
        if section is None:
            return []
        if not section and required:
            self.add(root.value_mark(key), f"'{key}' is empty; declare at least one")
        pattern = RULE_ID if key == "rules" else NAME
        entries = []
        for name, entry in section.items():
            if not pattern.match(name):
                what = "rule id" if key == "rules" else "name"
                self.add(
                    section.key_mark(name),
                    f"'{name}' is not a valid {what} in {key}: use lower-case letters, digits and '_'"
                    + (" separated by '.'" if key == "rules" else ""),
                )
                continue
            if not isinstance(entry, YamlMap):
                self.add(
                    section.value_mark(name),
                    f"{key}.{name} must be a mapping, not {describe(entry)}",
                )
                continue
            entries.append((name, entry, section.key_mark(name)))
        return entries

    def parse(self, value: Any) -> Procedure | None:
        r = self.reader
        root = r.root(value, "procedure")
        if root is None:
            return None
        r.keys(
            root,
            "the procedure",
            required=("procedure", "title", "roles", "states", "events"),
            optional=("version", "settings", "rules", "deadlines", "dates", "invariants"),
        )
        pid = r.string(
            root,
            "procedure",
            "the procedure",
            pattern=PROCEDURE_ID,
            hint="use lower-case letters, digits, '.', '-' and '_' (vn-2021)",
        )
        title = r.text(root, "title", "the procedure", required="title" in root)
        version = r.string(root, "version", "the procedure")
        settings = self.settings(root)
        roles = self.roles(root)
        states = self.states(root)
        events = self.events(root, roles, states)
        rule_entries = self.named_entries(root, "rules", required=False)
        deadlines = self.deadlines(root, events)
        dates = self.dates(root, events, deadlines)
        rules = self.rules(rule_entries, events, deadlines)
        self.shape(root, states, events)
        invariants: tuple[InvariantSpec, ...] = ()
        if "invariants" in root:
            invariants, problems = parse_invariants(
                root["invariants"],
                root.value_mark("invariants"),
                file=self.file,
                roles=list(roles),
                states=list(states),
                events={name: spec for name, (spec, _) in events.items()},
                rules=list(rules),
            )
            r.problems.extend(problems)
        if r.problems or pid is None or title is None:
            return None
        return Procedure(
            id=pid,
            title=title,
            version=version,
            settings=settings,
            roles=roles,
            states=states,
            events={name: spec for name, (spec, _) in events.items()},
            rules=rules,
            deadlines=deadlines,
            dates=dates,
            invariants=invariants,
            fingerprint=digest(value),
            path=self.file,
        )

    def settings(self, root: YamlMap) -> dict[str, Any]:
        section = self.reader.mapping(root, "settings", "the procedure")
        if section is None:
            return {}
        result = {}
        for key, value in section.items():
            if isinstance(value, YamlMap | YamlList):
                self.add(
                    section.value_mark(key),
                    f"settings.{key} must be a single value, not {describe(value)}",
                )
            else:
                result[key] = value
        return result

    def roles(self, root: YamlMap) -> dict[str, Role]:
        result = {}
        for name, entry, _ in self.named_entries(root, "roles", required=True):
            where = f"roles.{name}"
            self.reader.keys(entry, where, optional=("vi", "en", "individual"))
            label = self.reader.text(entry, None, where)
            individual = self.reader.boolean(entry, "individual", where)
            result[name] = Role(name=name, label=label or Text("", ""), individual=individual)
        return result

    def states(self, root: YamlMap) -> dict[str, State]:
        result = {}
        for name, entry, key_mark in self.named_entries(root, "states", required=True):
            where = f"states.{name}"
            self.reader.keys(entry, where, optional=("vi", "en", "final"))
            label = self.reader.text(entry, None, where)
            final = self.reader.boolean(entry, "final", where)
            self.state_marks[name] = key_mark
            result[name] = State(name=name, label=label or Text("", ""), final=final)
        return result

    # -- events ----------------------------------------------------------------

    def events(
        self, root: YamlMap, roles: Mapping[str, Role], states: Mapping[str, Any]
    ) -> dict[str, tuple[EventSpec, YamlMap]]:
        r = self.reader
        result = {}
        for name, entry, _ in self.named_entries(root, "events", required=True):
            where = f"events.{name}"
            r.keys(
                entry,
                where,
                required=("to", "by"),
                optional=("vi", "en", "from", "opens_case", "facts", "rules", "escalation"),
            )
            label = r.text(entry, None, where)
            opens = r.boolean(entry, "opens_case", where)
            if opens and "from" in entry:
                self.add(
                    entry.key_mark("from"),
                    f"{where} opens a case, so it has no 'from'; remove one of them",
                )
            elif not opens and "from" not in entry:
                self.add(
                    entry.mark,
                    f"missing 'from' in {where} (the states it can happen in); "
                    "or 'opens_case: true' for the event that opens a case",
                )
            named = r.names(entry, "from", where, required=False)
            sources = [s for s, mark in named if r.known(s, mark, states, "state", f"{where}.from")]
            target = r.string(entry, "to", where)
            if target is not None and not r.known(
                target, entry.value_mark("to"), states, "state", f"{where}.to"
            ):
                target = None
            if target is None or len(sources) != len(named):
                self.graph_broken = True
            event_roles = [
                role
                for role, mark in r.names(entry, "by", where)
                if r.known(role, mark, roles, "role", f"{where}.by")
            ]
            facts = self.facts(entry, where, event_roles)
            marked = self.rule_uses(entry, where)
            uses = [use for use, _ in marked]
            escalation = self.escalation(entry, where, states)
            if target is None:
                continue
            spec = EventSpec(
                name=name,
                label=label or Text("", ""),
                sources=tuple(sources),
                opens_case=opens,
                target=target,
                roles=tuple(event_roles),
                facts=facts,
                rules=tuple(uses),
                escalation=escalation,
            )
            result[name] = (spec, entry)
        return result

    def facts(self, event: YamlMap, where: str, event_roles: list[str]) -> dict[str, FactSpec]:
        r = self.reader
        section = r.mapping(event, "facts", where)
        if section is None:
            return {}
        where = f"{where}.facts"
        result: dict[str, FactSpec] = {}
        for name, entry in section.items():
            fwhere = f"{where}.{name}"
            if not NAME.match(name):
                self.add(
                    section.key_mark(name),
                    f"'{name}' is not a valid fact name in {where}: use lower-case letters, digits and '_'",
                )
                continue
            if name in RESERVED_FACTS:
                self.add(
                    section.key_mark(name),
                    f"'{name}' is reserved in scenario files and cannot name a fact; choose another name",
                )
                continue
            if isinstance(entry, str):  # shorthand: `known_since: date`
                holder = YamlMap(section.value_mark(name))
                holder["type"] = entry
                holder.value_marks["type"] = section.value_mark(name)
                entry = holder
            if not isinstance(entry, YamlMap):
                self.add(
                    section.value_mark(name),
                    f"{fwhere} must be a type name or a mapping, not {describe(entry)}",
                )
                continue
            r.keys(
                entry,
                fwhere,
                required=("type",),
                optional=("required", "default", "values", "min", "at_most", "roles", "vi", "en"),
            )
            ftype = r.choice(entry, "type", fwhere, FACT_TYPES)
            required = r.boolean(entry, "required", fwhere)
            values: tuple[str, ...] = ()
            if ftype == "choice":
                values = tuple(v for v, _ in r.names(entry, "values", fwhere))
            elif "values" in entry:
                self.add(
                    entry.key_mark("values"),
                    f"{fwhere}.values is only for facts of type 'choice'; remove it or use that type",
                )
            minimum = r.integer(entry, "min", fwhere)
            if minimum is not None and ftype != "int":
                self.add(
                    entry.key_mark("min"),
                    f"{fwhere}.min is only for facts of type 'int'; remove it or use that type",
                )
            at_most = r.string(entry, "at_most", fwhere)
            if at_most is not None and ftype != "int":
                self.add(
                    entry.key_mark("at_most"),
                    f"{fwhere}.at_most is only for facts of type 'int'; remove it or use that type",
                )
            default = entry.get("default")
            if "default" in entry and required:
                self.add(
                    entry.key_mark("default"),
                    f"{fwhere} is required, so a default would never be used; remove one",
                )
            if default is not None and ftype is not None:
                spec = FactSpec(name=name, type=ftype, values=values)
                problem = fact_type_problem(spec, default)
                if problem:
                    self.add(entry.value_mark("default"), f"{fwhere}.default {problem}")
            label = r.text(entry, None, fwhere, required=False)
            roles = tuple(
                role
                for role, mark in r.names(entry, "roles", fwhere, required=False)
                if r.known(role, mark, event_roles, "role of this event", f"{fwhere}.roles")
            )
            if roles and required:
                self.add(
                    entry.key_mark("roles"),
                    f"{fwhere} is required, so every role must give it; remove 'roles' or 'required'",
                )
            if ftype is None:
                self.invalid_facts.setdefault(where, set()).add(name)
                continue
            result[name] = FactSpec(
                name=name,
                type=ftype,
                required=required,
                default=default,
                values=values,
                minimum=minimum,
                at_most=at_most,
                roles=roles,
                label=label,
            )
        for name, spec in result.items():
            if spec.at_most is not None:
                other = result.get(spec.at_most)
                mark = (
                    section[name].value_mark("at_most")
                    if isinstance(section[name], YamlMap)
                    else section.mark
                )
                if other is None:
                    self.add(
                        mark,
                        f"unknown fact '{spec.at_most}' in {where}.{name}.at_most{did_you_mean(spec.at_most, result)}",
                    )
                elif other.type != "int":
                    self.add(
                        mark,
                        f"{where}.{name}.at_most names '{spec.at_most}', which is not an 'int' fact",
                    )
        return result

    def rule_uses(self, event: YamlMap, where: str) -> list[tuple[RuleUse, Mark]]:
        """An event's rule uses, each with the position it was written at."""
        r = self.reader
        items = r.sequence(event, "rules", where)
        if items is None:
            return []
        result: list[tuple[RuleUse, Mark]] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            mark = items.item_mark(index)
            params: dict[str, Any] = {}
            if isinstance(item, YamlMap) and len(item) == 1:
                rule_id, raw = next(iter(item.items()))
                mark = item.key_mark(rule_id)
                if raw is None:
                    pass
                elif isinstance(raw, YamlMap):
                    params = raw  # keeps the marks of its keys
                else:
                    self.add(
                        item.value_mark(rule_id),
                        f"the parameters of '{rule_id}' in {where}.rules must be a mapping, not {describe(raw)}",
                    )
            elif isinstance(item, str):
                rule_id = item
            else:
                self.add(
                    mark,
                    f"{where}.rules holds rule ids, or 'id: {{parameters}}', not {describe(item)}",
                )
                continue
            if not RULE_ID.match(rule_id):
                self.add(mark, f"'{rule_id}' is not a valid rule id in {where}.rules")
                continue
            if rule_id in seen:
                self.add(mark, f"rule '{rule_id}' is listed twice in {where}.rules")
                continue
            seen.add(rule_id)
            result.append((RuleUse(rule=rule_id, params=params), mark))
        self.use_marks[where.removeprefix("events.")] = result
        return result

    def escalation(
        self, event: YamlMap, where: str, states: Mapping[str, Any]
    ) -> Escalation | None:
        r = self.reader
        entry = r.mapping(event, "escalation", where)
        if entry is None:
            return None
        ewhere = f"{where}.escalation"
        r.keys(entry, ewhere, required=("after", "to", "rule"))
        after = r.integer(entry, "after", ewhere, required=True, minimum=1)
        to = r.string(entry, "to", ewhere, required=True)
        if to is not None and not r.known(
            to, entry.value_mark("to"), states, "state", f"{ewhere}.to"
        ):
            to = None
        if to is None:
            self.graph_broken = True
        rule_id = r.string(entry, "rule", ewhere, required=True, pattern=RULE_ID, hint=RULE_HINT)
        if rule_id is not None:
            self.owned_rules.add(rule_id)
        if after is None or to is None or rule_id is None:
            return None
        return Escalation(after=after, to=to, rule=rule_id)

    # -- deadlines and dates ---------------------------------------------------

    def event_fact(
        self,
        entry: YamlMap,
        key: str,
        where: str,
        events: Mapping[str, tuple[EventSpec, YamlMap]],
        event_names: Iterable[str],
        ftype: str,
    ) -> str | None:
        """A fact name in ``entry[key]`` that every one of ``event_names`` declares with ``ftype``."""
        fact = self.reader.string(entry, key, where)
        if fact is None:
            return None
        for event in event_names:
            if event not in events:
                continue
            facts = events[event][0].facts
            spec = facts.get(fact)
            if spec is None:
                self.add(
                    entry.value_mark(key),
                    f"unknown fact '{fact}' in {where}.{key}: event '{event}' does not declare it"
                    f"{did_you_mean(fact, facts)}",
                )
                return None
            if spec.type != ftype:
                self.add(
                    entry.value_mark(key),
                    f"{where}.{key}: fact '{fact}' of event '{event}' must be of type '{ftype}', not '{spec.type}'",
                )
                return None
        return fact

    def known_event(
        self, entry: YamlMap, key: str, where: str, events: Mapping[str, Any]
    ) -> str | None:
        name = self.reader.string(entry, key, where, required=True)
        if name is not None and self.reader.known(
            name, entry.value_mark(key), events, "event", f"{where}.{key}"
        ):
            return name
        return None

    def deadlines(
        self, root: YamlMap, events: Mapping[str, tuple[EventSpec, YamlMap]]
    ) -> dict[str, DeadlineSpec]:
        r = self.reader
        result = {}
        for name, entry, key_mark in self.named_entries(root, "deadlines", required=False):
            where = f"deadlines.{name}"
            self.deadline_marks[name] = key_mark
            r.keys(
                entry,
                where,
                required=("rule", "after", "working_days", "met_by"),
                optional=(
                    "date",
                    "months",
                    "extended_working_days",
                    "extension",
                    "met_on",
                    "waiver",
                ),
            )
            rule_id = r.string(entry, "rule", where, required=True, pattern=RULE_ID, hint=RULE_HINT)
            if rule_id is not None:
                self.owned_rules.add(rule_id)
            after = self.known_event(entry, "after", where, events)
            date = self.event_fact(entry, "date", where, events, [after] if after else [], "date")
            months = r.integer(entry, "months", where, minimum=0) or 0
            working_days = r.integer(entry, "working_days", where, required=True, minimum=1)
            extended = r.integer(entry, "extended_working_days", where, minimum=1)
            met_by = [
                e
                for e, mark in r.names(entry, "met_by", where)
                if r.known(e, mark, events, "event", f"{where}.met_by")
            ]
            met_on = self.event_fact(entry, "met_on", where, events, met_by, "date")
            waiver = self.event_fact(entry, "waiver", where, events, met_by, "bool")
            extension = self.event_fact(entry, "extension", where, events, met_by, "bool")
            if extended is not None and working_days is not None and extended <= working_days:
                self.add(
                    entry.value_mark("extended_working_days"),
                    f"{where}.extended_working_days must be more than working_days ({working_days})",
                )
            if (extended is None) != ("extension" not in entry):
                self.add(
                    entry.mark,
                    f"{where}: give both 'extended_working_days' and 'extension' (the bool fact that grants it), or neither",
                )
            if rule_id is None or after is None or working_days is None or not met_by:
                continue
            result[name] = DeadlineSpec(
                name=name,
                rule=rule_id,
                after=after,
                date=date,
                months=months,
                working_days=working_days,
                extended_working_days=extended,
                extension=extension,
                met_by=tuple(met_by),
                met_on=met_on,
                waiver=waiver,
            )
        return result

    def dates(
        self,
        root: YamlMap,
        events: Mapping[str, tuple[EventSpec, YamlMap]],
        deadlines: Mapping[str, DeadlineSpec],
    ) -> dict[str, DateSpec]:
        r = self.reader
        result = {}
        for name, entry, key_mark in self.named_entries(root, "dates", required=False):
            where = f"dates.{name}"
            if name in deadlines:
                self.add(key_mark, f"'{name}' names both a date and a deadline; rename one")
            r.keys(entry, where, required=("event",), optional=("fact", "months", "requires"))
            event = self.known_event(entry, "event", where, events)
            fact = self.event_fact(entry, "fact", where, events, [event] if event else [], "date")
            months = r.integer(entry, "months", where, minimum=0) or 0
            requires = None
            if "requires" in entry:
                requires = self.known_event(entry, "requires", where, events)
            if event is None:
                continue
            result[name] = DateSpec(
                name=name, event=event, fact=fact, months=months, requires=requires
            )
        return result

    # -- rules -------------------------------------------------------------------

    def rules(
        self,
        entries: list[tuple[str, YamlMap, Mark]],
        events: Mapping[str, tuple[EventSpec, YamlMap]],
        deadlines: Mapping[str, DeadlineSpec],
    ) -> dict[str, RuleSpec]:
        r = self.reader
        declared = {rule_id: (entry, mark) for rule_id, entry, mark in entries}
        uses: dict[str, list[tuple[EventSpec, RuleUse, Mark]]] = {}
        for spec, _ in events.values():
            for use, mark in self.use_marks.get(spec.name, ()):
                uses.setdefault(use.rule, []).append((spec, use, mark))
        deadline_rules = {d.rule: d for d in deadlines.values()}
        escalation_rules = {
            spec.escalation.rule: spec for spec, _ in events.values() if spec.escalation is not None
        }
        known = set(declared) | set(self.implementations) | set(CORE_RULES)
        for rule_id, places in uses.items():
            for spec, _, mark in places:
                if rule_id in deadline_rules or rule_id in escalation_rules:
                    self.add(
                        mark,
                        f"rule '{rule_id}' in events.{spec.name}.rules is applied by its deadline or escalation; do not list it on an event",
                    )
                elif rule_id not in known:
                    self.add(
                        mark,
                        f"unknown rule '{rule_id}' in events.{spec.name}.rules{did_you_mean(rule_id, known)}",
                    )
        for rule_id, spec in escalation_rules.items():
            if rule_id not in declared:
                escalation = events[spec.name][1]["escalation"]
                self.add(
                    escalation.value_mark("rule"),
                    f"rule '{rule_id}' of events.{spec.name}.escalation must be declared under 'rules:' with its message and source",
                )
        for deadline in deadlines.values():
            if deadline.rule not in declared:
                self.add(
                    self.deadline_marks[deadline.name],
                    f"rule '{deadline.rule}' of deadlines.{deadline.name} must be declared under 'rules:' with its message and source",
                )

        result: dict[str, RuleSpec] = {}
        applied = {rule_id for rule_id in uses if rule_id in known}
        for rule_id in sorted(set(declared) | applied | set(CORE_RULES)):
            entry: YamlMap | None = None
            anchor: Mark | None = None
            if rule_id in declared:
                entry, anchor = declared[rule_id]
            if anchor is None and rule_id in uses:
                anchor = uses[rule_id][0][2]
            where = f"rules.{rule_id}"
            if entry is not None:
                r.keys(entry, where, optional=("message", "source", "severity", "check", "params"))
            bound = self.bind(rule_id, entry, where, deadline_rules, escalation_rules)
            if bound is None:
                continue
            kind, implementation, plugin, default_message, default_source, details, defaults = bound
            message = r.text(entry, "message", where, required=False) if entry is not None else None
            source = r.string(entry, "source", where) if entry is not None else None
            chosen = r.choice(entry, "severity", where, SEVERITIES) if entry is not None else None
            severity: Severity = "warning" if kind == "escalation" else "block"
            if chosen is not None:
                severity = cast(Severity, chosen)
            message = message or default_message
            source = (
                source or default_source or ("procedure definition" if kind == "core" else None)
            )
            if anchor is not None:
                if message is None and (entry is None or "message" not in entry):
                    self.add(
                        anchor,
                        f"rule '{rule_id}' has no message: give {where}.message with 'vi' and 'en'",
                    )
                elif message is not None:
                    self.placeholders(message, details, rule_id, where, entry, anchor)
                if source is None:
                    self.add(
                        anchor,
                        f"rule '{rule_id}' names no source: give {where}.source (the article it enforces)",
                    )
            params = (
                self.params(entry, where, defaults, rule_id)
                if entry is not None
                else dict(defaults)
            )
            for spec, use, mark in uses.get(rule_id, []):
                self.use_params(use, mark, defaults, params, spec)
                if implementation is not None:
                    invalid = self.invalid_facts.get(f"events.{spec.name}.facts", set())
                    for fact in sorted(implementation.reads - set(spec.facts) - invalid):
                        self.add(
                            mark,
                            f"rule '{rule_id}' reads fact '{fact}', which events.{spec.name} does not declare; add it under events.{spec.name}.facts",
                        )
            if message is None or source is None:
                continue
            result[rule_id] = RuleSpec(
                id=rule_id,
                kind=kind,
                message=message,
                source=source,
                severity=severity,
                params=params,
                implementation=implementation,
                plugin=plugin,
            )
        return result

    def bind(
        self,
        rule_id: str,
        entry: YamlMap | None,
        where: str,
        deadline_rules: Mapping[str, DeadlineSpec],
        escalation_rules: Mapping[str, EventSpec],
    ) -> (
        tuple[
            RuleKind,
            Rule | None,
            str | None,
            Text | None,
            str | None,
            frozenset[str],
            Mapping[str, Any],
        ]
        | None
    ):
        """What applies a rule: the engine itself, or a plugin's implementation."""
        if rule_id in CORE_RULES:
            core = CORE_RULES[rule_id]
            return "core", None, None, core.message, None, core.details, {}
        if rule_id in deadline_rules:
            return "deadline", None, None, DEFAULT_DEADLINE_MESSAGE, None, DEADLINE_DETAILS, {}
        if rule_id in escalation_rules:
            return "escalation", None, None, None, None, ESCALATION_DETAILS, {}
        if rule_id in self.owned_rules:  # its deadline or escalation is wrong, and reported
            return None
        check = rule_id
        if entry is not None and "check" in entry:
            check = (
                self.reader.string(entry, "check", where, pattern=RULE_ID, hint=RULE_HINT)
                or rule_id
            )
        found = self.implementations.get(check)
        if found is None:
            if entry is not None:
                mark = entry.value_mark("check") if "check" in entry else entry.mark
                self.add(
                    mark,
                    f"no plugin provides rule '{check}' for {where}{did_you_mean(check, self.implementations)}; "
                    "install or register the plugin that defines it",
                )
            return None
        implementation, plugin = found
        return (
            "check",
            implementation,
            plugin,
            implementation.message,
            implementation.source,
            implementation.details,
            implementation.params,
        )

    def placeholders(
        self,
        message: Text,
        details: frozenset[str],
        rule_id: str,
        where: str,
        entry: YamlMap | None,
        anchor: Mark,
    ) -> None:
        holder = entry.get("message") if entry is not None else None
        for lang in ("vi", "en"):
            template = getattr(message, lang)
            mark = holder.value_mark(lang) if isinstance(holder, YamlMap) else anchor
            names = _placeholders(template)
            if names is None:
                self.add(
                    mark,
                    f"{where}.message.{lang} has an unmatched '{{' or '}}'; write '{{{{' for a literal brace",
                )
                continue
            for name in sorted(names - details):
                offered = ", ".join(sorted(details)) or "none"
                self.add(
                    mark,
                    f"unknown placeholder '{{{name}}}' in {where}.message.{lang}"
                    f"{did_you_mean(name, details)} (rule '{rule_id}' offers: {offered})",
                )

    def params(
        self, entry: YamlMap, where: str, defaults: Mapping[str, Any], rule_id: str
    ) -> dict[str, Any]:
        section = self.reader.mapping(entry, "params", where)
        params = dict(defaults)
        if section is None:
            return params
        for key, value in section.items():
            if key not in defaults:
                self.add(
                    section.key_mark(key),
                    f"rule '{rule_id}' takes no parameter '{key}'{did_you_mean(key, defaults)}",
                )
                continue
            problem = _param_problem(defaults[key], value)
            if problem:
                self.add(section.value_mark(key), f"{where}.params.{key} {problem}")
                continue
            params[key] = value
        return params

    def use_params(
        self,
        use: RuleUse,
        mark: Mark,
        defaults: Mapping[str, Any],
        params: Mapping[str, Any],
        spec: EventSpec,
    ) -> None:
        for key, value in use.params.items():
            if key not in defaults:
                self.add(
                    use.params.key_mark(key) if isinstance(use.params, YamlMap) else mark,
                    f"rule '{use.rule}' takes no parameter '{key}' (in events.{spec.name}.rules){did_you_mean(key, defaults)}",
                )
                continue
            problem = _param_problem(defaults[key], value)
            if problem:
                self.add(
                    mark, f"parameter '{key}' of '{use.rule}' in events.{spec.name}.rules {problem}"
                )
        merged = {**params, **use.params}
        for key, value in merged.items():
            if value is None and key in defaults:
                self.add(
                    mark,
                    f"rule '{use.rule}' needs parameter '{key}' (in events.{spec.name}.rules or rules.{use.rule}.params)",
                )

    # -- the shape of the graph -------------------------------------------------

    def shape(
        self,
        root: YamlMap,
        states: Mapping[str, State],
        events: Mapping[str, tuple[EventSpec, YamlMap]],
    ) -> None:
        if not states or not events or self.graph_broken:
            return
        openers = [spec for spec, _ in events.values() if spec.opens_case]
        if not openers:
            self.add(
                root.value_mark("events"),
                "no event opens a case: mark the first event with 'opens_case: true'",
            )
            return
        outgoing: dict[str, list[str]] = {name: [] for name in states}
        for spec, _ in events.values():
            for source in spec.sources:
                if source in outgoing:
                    outgoing[source].append(spec.target)
                    if spec.escalation is not None:
                        outgoing[source].append(spec.escalation.to)
        reached: set[str] = set()
        frontier = [spec.target for spec in openers if spec.target in states]
        while frontier:
            current = frontier.pop()
            if current in reached:
                continue
            reached.add(current)
            frontier.extend(t for t in outgoing.get(current, ()) if t in states)
        for name, state in states.items():
            mark = self.state_marks[name]
            if name not in reached:
                self.add(
                    mark,
                    f"state '{name}' cannot be reached from the event that opens a case; add an event that leads to it, or remove it",
                )
            leaving = [t for t in outgoing[name] if t != name]
            if state.final and outgoing[name]:
                names = [spec.name for spec, _ in events.values() if name in spec.sources]
                self.add(
                    mark,
                    f"state '{name}' is final, yet events leave it: {', '.join(names)}; remove 'final: true' or those events",
                )
            elif not state.final and not leaving:
                self.add(
                    mark,
                    f"state '{name}' is not final and no event leads out of it; add one, or mark it 'final: true'",
                )


def _param_problem(default: Any, value: Any) -> str | None:
    if default is None or value is None:
        return None
    if isinstance(default, bool) != isinstance(value, bool):
        return f"must be {describe(default).split(' (')[-1].rstrip(')')}, not {describe(value)}"
    if isinstance(default, int | float) and not isinstance(value, int | float):
        return f"must be a number, not {describe(value)}"
    if isinstance(default, str) and not isinstance(value, str):
        return f"must be text, not {describe(value)}"
    return None


def fact_type_problem(spec: FactSpec, value: Any) -> str | None:
    """Why ``value`` does not fit the fact's type (member ids are checked elsewhere)."""
    import datetime as dt

    ok: bool
    if spec.type in ("text", "member"):
        ok = isinstance(value, str)
        expected = "text" if spec.type == "text" else "a member id"
    elif spec.type == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        expected = "a whole number"
    elif spec.type == "bool":
        ok = isinstance(value, bool)
        expected = "true or false"
    elif spec.type == "date":
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        expected = "a date (YYYY-MM-DD)"
    else:  # choice
        if isinstance(value, str) and value in spec.values:
            return None
        return f"must be one of {', '.join(spec.values)}, not {describe(value)}" + (
            did_you_mean(value, spec.values) if isinstance(value, str) else ""
        )
    return None if ok else f"must be {expected}, not {describe(value)}"
