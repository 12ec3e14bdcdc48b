"""The ``invariants:`` section of a procedure file: parsing, with every problem reported.

The values it builds (conditions, ``InvariantSpec``) and their evaluation are in
``_invariants.py``; this is the fourth parsing pass beside ``_parse_events`` and
``_parse_rules``, run by ``_parse.read_procedure``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from admission_flow.exceptions import Problem
from admission_flow.model._words import describe, did_you_mean

from ._invariants import (
    CONDITIONS,
    RESULTS,
    UNIT_FIELDS,
    AllOf,
    AnyOf,
    Condition,
    InvariantSpec,
    MonthsSince,
    RuleHeld,
    StepOnFile,
    UnitHas,
    WorkingDaysWithin,
)
from ._reading import NAME, Reader
from ._yaml import Mark, YamlMap

if TYPE_CHECKING:
    from ._spec import EventSpec

__all__ = ["parse_invariants"]


def parse_invariants(
    value: Any,
    mark: Mark,
    *,
    file: str,
    roles: Sequence[str],
    states: Sequence[str],
    events: Mapping[str, EventSpec],
    rules: Sequence[str],
) -> tuple[tuple[InvariantSpec, ...], list[Problem]]:
    """The ``invariants:`` section of a procedure file, and every problem of it.

    Args:
        value: the section as read by ``_yaml`` (a marked mapping, if well formed).
        mark: where the section's value starts, for a section of the wrong shape.
        roles, states, events, rules: what the rest of the file declares.
    """
    parser = _InvariantParser(file, roles, states, events, rules)
    return parser.section(value, mark), parser.reader.problems


class _InvariantParser:
    def __init__(
        self,
        file: str,
        roles: Sequence[str],
        states: Sequence[str],
        events: Mapping[str, EventSpec],
        rules: Sequence[str],
    ) -> None:
        self.reader = Reader(file)
        self.roles = roles
        self.states = states
        self.events = events
        self.rules = rules

    def add(self, mark: Mark, message: str) -> None:
        self.reader.add(mark, message)

    def section(self, value: Any, mark: Mark) -> tuple[InvariantSpec, ...]:
        if value is None:
            return ()
        if not isinstance(value, YamlMap):
            self.add(
                mark, f"'invariants' must be a mapping of invariant ids, not {describe(value)}"
            )
            return ()
        result = []
        for name, entry in value.items():
            where = f"invariants.{name}"
            if not all(NAME.match(part) for part in name.split(".")):
                self.add(
                    value.key_mark(name),
                    f"'{name}' is not a valid invariant id: use lower-case names separated "
                    "by '.' (admission.cell_vote_passed)",
                )
                continue
            if not isinstance(entry, YamlMap):
                self.add(
                    value.value_mark(name), f"{where} must be a mapping, not {describe(entry)}"
                )
                continue
            spec = self.invariant(name, entry, where)
            if spec is not None:
                result.append(spec)
        return tuple(result)

    def invariant(self, name: str, entry: YamlMap, where: str) -> InvariantSpec | None:
        r = self.reader
        r.keys(entry, where, required=("vi", "en", "source", "in", "requires"))
        label = r.text(entry, None, where)
        source = r.string(entry, "source", where, required=False)
        states = [
            state
            for state, state_mark in r.names(entry, "in", where, required=False)
            if r.known(state, state_mark, self.states, "state", f"{where}.in")
        ]
        requires = self.conditions(entry, "requires", where)
        if label is None or source is None or not states or requires is None:
            return None
        return InvariantSpec(
            id=name, label=label, source=source, states=tuple(states), requires=tuple(requires)
        )

    def conditions(self, parent: YamlMap, key: str, where: str) -> list[Condition] | None:
        items = self.reader.sequence(parent, key, where)
        if items is None:
            return None
        if not items:
            self.add(parent.value_mark(key), f"{where}.{key} is empty; list at least one condition")
            return None
        result: list[Condition] = []
        broken = False
        for index, item in enumerate(items):
            condition = self.condition(item, items.item_mark(index), f"{where}.{key}[{index}]")
            if condition is None:
                broken = True
            else:
                result.append(condition)
        return None if broken else result

    def condition(self, item: Any, mark: Mark, where: str) -> Condition | None:
        if not isinstance(item, YamlMap) or len(item) != 1:
            self.add(
                mark,
                f"{where} must be one condition, a mapping with one of the keys "
                f"{', '.join(CONDITIONS)}, like {{passed: {{event: cell_vote, rule: vote.two_thirds}}}}; "
                f"not {describe(item)}",
            )
            return None
        (kind,) = item
        if kind not in CONDITIONS:
            self.add(
                item.key_mark(kind),
                f"unknown condition '{kind}' in {where}{did_you_mean(kind, CONDITIONS)} "
                f"(conditions: {', '.join(CONDITIONS)})",
            )
            return None
        inner = f"{where}.{kind}"
        if kind in ("any_of", "all_of"):
            conditions = self.conditions(item, kind, where)
            if conditions is None:
                return None
            return (
                AnyOf(conditions=tuple(conditions))
                if kind == "any_of"
                else AllOf(conditions=tuple(conditions))
            )
        body = self.reader.mapping(item, kind, where, required=True)
        if body is None:
            return None
        if kind == "unit":
            return self.unit(body, inner)
        if kind == "rule_held":
            return self.rule_held(body, inner)
        if kind == "months_since":
            return self.months_since(body, inner)
        if kind == "working_days":
            return self.working_days(body, inner)
        return self.step(body, inner, passed=kind == "passed")

    # -- the conditions ------------------------------------------------------------

    def event(self, body: YamlMap, key: str, where: str, *, required: bool = True) -> str | None:
        name = self.reader.string(body, key, where, required=required)
        if name is None:
            return None
        if not self.reader.known(
            name, body.value_mark(key), self.events, "event", f"{where}.{key}"
        ):
            return None
        return name

    def fact(self, body: YamlMap, event: str | None, where: str) -> str | None:
        name = self.reader.string(body, "fact", where)
        if name is None or event is None:
            return None
        facts = self.events[event].facts
        if not self.reader.known(name, body.value_mark("fact"), facts, f"fact of '{event}'", where):
            return None
        if facts[name].type != "date":
            self.add(
                body.value_mark("fact"),
                f"{where}.fact '{name}' is a {facts[name].type}, not a date",
            )
            return None
        return name

    def step(self, body: YamlMap, where: str, *, passed: bool) -> StepOnFile | None:
        r = self.reader
        if passed:
            r.keys(body, where, required=("event", "rule"), optional=("where",))
        else:
            r.keys(
                body,
                where,
                required=("event",),
                optional=("by", "from", "result", "where", "held", "at_least"),
            )
        event = self.event(body, "event", where)
        roles = [
            role
            for role, role_mark in r.names(body, "by", where, required=False)
            if r.known(role, role_mark, self.roles, "role", f"{where}.by")
        ]
        if event is not None:
            allowed = self.events[event].roles
            for role in roles:
                if role not in allowed:
                    self.add(
                        body.value_mark("by"),
                        f"'{role}' never fires '{event}' (it is fired by {', '.join(allowed)}); "
                        "this condition could never hold",
                    )
        sources = [
            state
            for state, state_mark in r.names(body, "from", where, required=False)
            if r.known(state, state_mark, self.states, "state", f"{where}.from")
        ]
        result = r.choice(body, "result", where, RESULTS) or "accepted"
        at_least = r.integer(body, "at_least", where, minimum=1)
        rule_key = "rule" if passed else "held"
        held = r.string(body, rule_key, where, required=passed, pattern=None)
        if held is not None and event is not None:
            checked = [use.rule for use in self.events[event].rules]
            if held not in self.rules:
                self.add(
                    body.value_mark(rule_key),
                    f"unknown rule '{held}' in {where}.{rule_key}{did_you_mean(held, self.rules)}",
                )
                held = None
            elif held not in checked:
                self.add(
                    body.value_mark(rule_key),
                    f"rule '{held}' is not checked at '{event}' (it checks: "
                    f"{', '.join(checked) or 'no rules'}), so it cannot be said to hold there",
                )
                held = None
        where_facts = self.facts(body, event, where)
        if event is None or where_facts is None or (held is None and passed):
            return None
        return StepOnFile(
            event=event,
            result=result,  # type: ignore[arg-type]
            roles=tuple(roles),
            sources=tuple(sources),
            where=where_facts,
            held=held,
            at_least=at_least if at_least is not None else 1,
        )

    def facts(self, body: YamlMap, event: str | None, where: str) -> dict[str, Any] | None:
        if "where" not in body:
            return {}
        values = self.reader.mapping(body, "where", where)
        if values is None or event is None:
            return None
        declared = self.events[event].facts
        result = {}
        for name, value in values.items():
            if not self.reader.known(
                name, values.key_mark(name), declared, f"fact of '{event}'", f"{where}.where"
            ):
                continue
            spec = declared[name]
            expected = {"int": int, "bool": bool, "date": dt.date}.get(spec.type, str)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                self.add(
                    values.value_mark(name),
                    f"{where}.where.{name} must be a {spec.type}, not {describe(value)}",
                )
                continue
            if spec.type == "choice" and value not in spec.values:
                self.add(
                    values.value_mark(name),
                    f"'{value}' is not a value of fact '{name}' ({', '.join(spec.values)})"
                    f"{did_you_mean(str(value), spec.values)}",
                )
                continue
            result[name] = value
        return result if len(result) == len(values) else None

    def rule_held(self, body: YamlMap, where: str) -> RuleHeld | None:
        r = self.reader
        r.keys(
            body,
            where,
            required=("rule", "at"),
            optional=("params", "where", "result", "optional"),
        )
        result = r.choice(body, "result", where, ("accepted", "kept")) or "accepted"
        optional = r.boolean(body, "optional", where)
        event = self.event(body, "at", where)
        name = r.string(body, "rule", where, pattern=None)
        if name is not None and name not in self.rules:
            self.add(
                body.value_mark("rule"),
                f"unknown rule '{name}' in {where}.rule{did_you_mean(name, self.rules)}",
            )
            name = None
        params: Mapping[str, Any] | None = (
            r.mapping(body, "params", where) if "params" in body else {}
        )
        where_facts = self.facts(body, event, where)
        if event is None or name is None or params is None or where_facts is None:
            return None
        return RuleHeld(
            rule=name,
            at=event,
            params=dict(params),
            where=where_facts,
            kept=result == "kept",
            optional=optional,
        )

    def months_since(self, body: YamlMap, where: str) -> MonthsSince | None:
        r = self.reader
        r.keys(body, where, required=("event", "at_least"), optional=("fact", "to"))
        event = self.event(body, "event", where)
        fact = self.fact(body, event, where)
        to = self.event(body, "to", where, required=False)
        at_least = r.integer(body, "at_least", where, minimum=0)
        if event is None or at_least is None or ("fact" in body and fact is None):
            return None
        if "to" in body and to is None:
            return None
        return MonthsSince(event=event, fact=fact, to=to, at_least=at_least)

    def working_days(self, body: YamlMap, where: str) -> WorkingDaysWithin | None:
        r = self.reader
        r.keys(body, where, required=("from", "to", "at_most"))
        start = r.mapping(body, "from", where, required=True)
        event = fact = None
        if start is not None:
            r.keys(start, f"{where}.from", required=("event",), optional=("fact",))
            event = self.event(start, "event", f"{where}.from")
            fact = self.fact(start, event, f"{where}.from")
        to = self.event(body, "to", where)
        at_most = r.integer(body, "at_most", where, minimum=0)
        if event is None or to is None or at_most is None:
            return None
        return WorkingDaysWithin(event=event, fact=fact, to=to, at_most=at_most)

    def unit(self, body: YamlMap, where: str) -> UnitHas | None:
        values = {}
        for name, value in body.items():
            if name not in UNIT_FIELDS:
                self.add(
                    body.key_mark(name),
                    f"unknown unit field '{name}' in {where}{did_you_mean(name, UNIT_FIELDS)} "
                    f"(fields: {', '.join(UNIT_FIELDS)})",
                )
                continue
            expected = UNIT_FIELDS[name]
            if type(value) is not expected:
                self.add(
                    body.value_mark(name),
                    f"{where}.{name} must be a {expected.__name__}, not {describe(value)}",
                )
                continue
            values[name] = value
        if not body:
            self.add(
                body.mark,
                f"{where} is empty; name a field of the unit, like delegated_admission: true",
            )
        return UnitHas(values=values) if values and len(values) == len(body) else None
