"""The structure pass, for ``events:``: states, roles, facts, rule uses, escalation."""

from __future__ import annotations

from typing import Any

from admission_flow.model._values import Text
from admission_flow.model._words import describe, did_you_mean

from . import _facts
from ._parse_outline import RULE_HINT, RULE_ID, Outline, UseAt, named_entries
from ._reading import NAME, Reader
from ._spec import Escalation, EventSpec, FactSpec, RuleUse
from ._yaml import YamlMap

__all__ = ["RESERVED_FACTS", "read_events"]

#: Names a fact cannot take, and why: the keys of a scenario event, and the
#: other parameters of ``Engine.fire`` (positional-only, so this is for readers' sake).
RESERVED_FACTS = {
    "on": "in scenario files",
    "event": "in scenario files",
    "by": "in scenario files",
    "case": "as a parameter of Engine.fire",
    "actor": "as a parameter of Engine.fire",
}


def read_events(reader: Reader, outline: Outline) -> None:
    """Read ``events:`` into ``outline.events``, each with its rule uses and positions."""
    for named in named_entries(reader, outline.root, "events", required=True):
        _EventReader(reader, outline, named.name, named.entry).read()


class _EventReader:
    """Reads one event; reports each of its mistakes once."""

    def __init__(self, reader: Reader, outline: Outline, name: str, entry: YamlMap) -> None:
        self.r = reader
        self.outline = outline
        self.name = name
        self.entry = entry
        self.where = f"events.{name}"

    def read(self) -> None:
        r, entry, where, outline = self.r, self.entry, self.where, self.outline
        r.keys(
            entry,
            where,
            required=("to", "by"),
            optional=("vi", "en", "from", "opens_case", "facts", "rules", "escalation"),
        )
        label = r.text(entry, None, where)
        opens = r.boolean(entry, "opens_case", where)
        if opens and "from" in entry:
            r.add(
                entry.key_mark("from"),
                f"{where} opens a case, so it has no 'from'; remove one of them",
            )
        elif not opens and "from" not in entry:
            r.add(
                entry.mark,
                f"missing 'from' in {where} (the states it can happen in); "
                "or 'opens_case: true' for the event that opens a case",
            )
        named = r.names(entry, "from", where, required=False)
        states = outline.states
        sources = [s for s, mark in named if r.known(s, mark, states, "state", f"{where}.from")]
        targets: dict[str, str] = {}
        if isinstance(entry.get("to"), YamlMap):
            target = self.targets(sources, targets)
        else:
            target = r.string(entry, "to", where)
            if target is not None and not r.known(
                target, entry.value_mark("to"), states, "state", f"{where}.to"
            ):
                target = None
        if target is None or len(sources) != len(named):
            outline.graph_broken = True
        roles = [
            role
            for role, mark in r.names(entry, "by", where, required=False)  # keys() says if missing
            if r.known(role, mark, outline.roles, "role", f"{where}.by")
        ]
        facts = self.facts(roles)
        outline.uses[self.name] = self.rule_uses()
        escalation = self.escalation()
        outline.event_entries[self.name] = entry
        if target is None:  # cannot be built; its name stays known (no knock-on problems)
            outline.broken_events.add(self.name)
            return
        outline.events[self.name] = EventSpec(
            name=self.name,
            label=label or Text("", ""),
            sources=tuple(sources),
            opens_case=opens,
            target=target,
            roles=tuple(roles),
            facts=facts,
            rules=tuple(at.use for at in outline.uses[self.name]),
            escalation=escalation,
            targets=targets,
        )

    def targets(self, sources: list[str], result: dict[str, str]) -> str | None:
        """``to`` written as a mapping from each ``from`` state to where it leads.

        Fills ``result`` and returns the target from the first source, or
        ``None`` when the mapping is wrong (each problem is reported).
        """
        r, where = self.r, self.where
        section = self.entry["to"]
        assert isinstance(section, YamlMap)
        ok = True
        for source, target in section.items():
            if source not in sources:
                r.add(
                    section.key_mark(source),
                    f"'{source}' in {where}.to is not one of the event's 'from' states"
                    f"{did_you_mean(source, sources)}; list it under 'from' or remove it",
                )
                ok = False
            elif not isinstance(target, str):
                r.add(
                    section.value_mark(source),
                    f"{where}.to.{source} must be a state name, not {describe(target)}",
                )
                ok = False
            elif r.known(
                target, section.value_mark(source), self.outline.states, "state", f"{where}.to"
            ):
                result[source] = target
            else:
                ok = False
        missing = [s for s in sources if s not in section]
        if missing:
            r.add(
                self.entry.value_mark("to"),
                f"{where}.to gives no target for {', '.join(missing)}; "
                "a mapping under 'to' names where the event leads from each 'from' state",
            )
            ok = False
        if not ok or not sources:
            return None
        return result[sources[0]]

    def facts(self, event_roles: list[str]) -> dict[str, FactSpec]:
        r = self.r
        section = r.mapping(self.entry, "facts", self.where)
        if section is None:
            return {}
        where = f"{self.where}.facts"
        result: dict[str, FactSpec] = {}
        for name, entry in section.items():
            fwhere = f"{where}.{name}"
            if not NAME.match(name):
                r.add(
                    section.key_mark(name),
                    f"'{name}' is not a valid fact name in {where}: use lower-case letters, digits and '_'",
                )
                continue
            if name in RESERVED_FACTS:
                r.add(
                    section.key_mark(name),
                    f"'{name}' is reserved {RESERVED_FACTS[name]} and cannot name a fact; "
                    "choose another name",
                )
                continue
            if isinstance(entry, str):  # shorthand: `known_since: date`
                holder = YamlMap(section.value_mark(name))
                holder["type"] = entry
                holder.value_marks["type"] = section.value_mark(name)
                entry = holder
            if not isinstance(entry, YamlMap):
                r.add(
                    section.value_mark(name),
                    f"{fwhere} must be a type name or a mapping, not {describe(entry)}",
                )
                continue
            spec = self.fact(name, entry, fwhere, event_roles)
            if spec is None:
                self.outline.invalid_facts.setdefault(self.name, set()).add(name)
                continue
            result[name] = spec
        for name, spec in result.items():
            if spec.at_most is not None:
                holder = section[name]
                mark = holder.value_mark("at_most") if isinstance(holder, YamlMap) else section.mark
                other = result.get(spec.at_most)
                if other is None:
                    r.add(
                        mark,
                        f"unknown fact '{spec.at_most}' in {where}.{name}.at_most{did_you_mean(spec.at_most, result)}",
                    )
                elif other.type != "int":
                    r.add(
                        mark,
                        f"{where}.{name}.at_most names '{spec.at_most}', which is not an 'int' fact",
                    )
        return result

    def fact(
        self, name: str, entry: YamlMap, fwhere: str, event_roles: list[str]
    ) -> FactSpec | None:
        r = self.r
        r.keys(
            entry,
            fwhere,
            required=("type",),
            optional=("required", "default", "values", "min", "at_most", "roles", "vi", "en"),
        )
        ftype = r.choice(entry, "type", fwhere, _facts.FACT_TYPES)
        required = r.boolean(entry, "required", fwhere)
        values: tuple[str, ...] = ()
        if ftype in ("choice", "counts"):  # a choice's values; the reasons a count is kept by
            values = tuple(v for v, _ in r.names(entry, "values", fwhere))
        elif "values" in entry:
            r.add(
                entry.key_mark("values"),
                f"{fwhere}.values is only for facts of type 'choice' or 'counts'; "
                "remove it or use one of those types",
            )
        minimum = r.integer(entry, "min", fwhere)
        if minimum is not None and ftype != "int":
            r.add(
                entry.key_mark("min"),
                f"{fwhere}.min is only for facts of type 'int'; remove it or use that type",
            )
        at_most = r.string(entry, "at_most", fwhere)
        if at_most is not None and ftype != "int":
            r.add(
                entry.key_mark("at_most"),
                f"{fwhere}.at_most is only for facts of type 'int'; remove it or use that type",
            )
        default = entry.get("default")
        if "default" in entry and required:
            r.add(
                entry.key_mark("default"),
                f"{fwhere} is required, so a default would never be used; remove one",
            )
        if "default" in entry and default is None and not required:
            r.add(
                entry.value_mark("default"),
                f"{fwhere}.default is empty (null); give a value"
                + (f" of type '{ftype}'" if ftype else "")
                + ", or remove 'default' so that the fact may be left out",
            )
        if default is not None and ftype is not None:
            problem = _facts.type_problem(FactSpec(name=name, type=ftype, values=values), default)
            if problem:
                r.add(entry.value_mark("default"), f"{fwhere}.default {problem}")
        label = r.text(entry, None, fwhere, required=False)
        roles = tuple(
            role
            for role, mark in r.names(entry, "roles", fwhere, required=False)
            if r.known(role, mark, event_roles, "role of this event", f"{fwhere}.roles")
        )
        if roles and required:
            r.add(
                entry.key_mark("roles"),
                f"{fwhere} is required, so every role must give it; remove 'roles' or 'required'",
            )
        if ftype is None:
            return None
        return FactSpec(
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

    def rule_uses(self) -> list[UseAt]:
        """The event's rule uses, each with the position it was written at."""
        r, where = self.r, self.where
        items = r.sequence(self.entry, "rules", where)
        if items is None:
            return []
        result: list[UseAt] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            mark = items.item_mark(index)
            params: dict[str, Any] = {}
            if isinstance(item, YamlMap) and len(item) == 1:
                rule_id, raw = next(iter(item.items()))
                mark = item.key_mark(rule_id)
                if isinstance(raw, YamlMap):
                    params = raw  # keeps the marks of its keys
                elif raw is not None:
                    r.add(
                        item.value_mark(rule_id),
                        f"the parameters of '{rule_id}' in {where}.rules must be a mapping, not {describe(raw)}",
                    )
            elif isinstance(item, str):
                rule_id = item
            else:
                r.add(
                    mark,
                    f"{where}.rules holds rule ids, or 'id: {{parameters}}', not {describe(item)}",
                )
                continue
            if not RULE_ID.match(rule_id):
                r.add(mark, f"'{rule_id}' is not a valid rule id in {where}.rules")
                continue
            if rule_id in seen:
                r.add(mark, f"rule '{rule_id}' is listed twice in {where}.rules")
                continue
            seen.add(rule_id)
            result.append(UseAt(RuleUse(rule=rule_id, params=params), mark))
        return result

    def escalation(self) -> Escalation | None:
        r = self.r
        entry = r.mapping(self.entry, "escalation", self.where)
        if entry is None:
            return None
        ewhere = f"{self.where}.escalation"
        r.keys(entry, ewhere, required=("after", "to", "rule"))
        after = r.integer(entry, "after", ewhere, minimum=1)
        to = r.string(entry, "to", ewhere)
        if to is not None and not r.known(
            to, entry.value_mark("to"), self.outline.states, "state", f"{ewhere}.to"
        ):
            to = None
        if to is None:
            self.outline.graph_broken = True
        rule_id = r.string(entry, "rule", ewhere, pattern=RULE_ID, hint=RULE_HINT)
        if rule_id is not None:
            self.outline.owned_rules.add(rule_id)
        if after is None or to is None or rule_id is None:
            return None
        return Escalation(after=after, to=to, rule=rule_id)
