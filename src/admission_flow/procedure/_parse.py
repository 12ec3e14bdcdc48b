"""Loading a procedure file: three passes, every problem reported once with its position.

1. *structure* (this module and ``_parse_events.py``): the file's sections
   become specification values, with positions kept in an ``Outline``;
2. *rules* (``_parse_rules.py``): every rule id is bound to a rule a plugin
   contributes, or to the engine's own, with its message, source and parameters;
3. *shape* (``_parse_shape.py``): the graph of transitions is checked
   (reachable states, dead ends, final states left).

A later pass skips what an earlier one already found broken, so that one
mistake gives one problem, not a cascade. See ``docs/yaml-reference.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from admission_flow.exceptions import ProcedureError
from admission_flow.model._canonical import canonical_json, digest, encode
from admission_flow.model._values import Text
from admission_flow.model._words import describe, did_you_mean

from ._extends import attribute_removals, read_resolved
from ._invariants import InvariantSpec
from ._parse_events import read_events
from ._parse_generations import read_in_force, read_migration
from ._parse_invariants import parse_invariants
from ._parse_outline import PROCEDURE_ID, RULE_HINT, RULE_ID, Outline, named_entries
from ._parse_rules import read_rules
from ._parse_shape import check_shape
from ._reading import Reader
from ._rule import Rule
from ._spec import DateSpec, DeadlineSpec, Procedure, Role, State
from ._yaml import YamlList, YamlMap

__all__ = ["parse_procedure", "read_procedure"]

#: The label of a role or state whose label has a mistake (reported) while the rest is read.
_NO_LABEL = Text("", "")


def read_procedure(
    path: str | Path,
    *,
    rules: Mapping[str, Rule],
    display: str | None = None,
    plugins: Sequence[str] = (),
    bundled: Mapping[str, Path | Traversable] | None = None,
) -> Procedure:
    """Load and validate a procedure file, its ``extends:`` chain applied.

    Args:
        path: the YAML file.
        rules: the rules plugins contribute, by id: what the file's rule ids may name.
        display: how to name the file in messages (defaults to ``path``).
        plugins: the names of the plugins installed, for the message about a
            rule none of them provides.
        bundled: the bundled procedures an ``extends:`` may name, by id.

    Raises:
        ProcedureError: listing every problem found, each with its position.
    """
    resolved = read_resolved(path, display=display, bundled=bundled or {})
    try:
        return parse_procedure(
            resolved.value, resolved.file, rules=rules, parents=resolved.parents, plugins=plugins
        )
    except ProcedureError as exc:
        if not resolved.parents:
            raise
        raise ProcedureError(
            attribute_removals(exc.problems, resolved.file, resolved.removals)
        ) from None


def parse_procedure(
    value: Any,
    file: str,
    *,
    rules: Mapping[str, Rule],
    parents: tuple[str, ...] = (),
    plugins: Sequence[str] = (),
) -> Procedure:
    """Validate marked values read from ``file`` into a ``Procedure``."""
    reader = Reader(file)
    root = reader.root(value, "procedure")
    if root is None:
        reader.raise_if_any(ProcedureError)
    assert root is not None
    outline = Outline(file=file, root=root)
    _Structure(reader, outline).read()
    bound = read_rules(reader, outline, rules, plugins=plugins)
    check_shape(reader, outline)
    in_force = read_in_force(reader, root)
    migration = read_migration(reader, root, outline.states)
    invariants: tuple[InvariantSpec, ...] = ()
    if "invariants" in root:
        invariants, problems = parse_invariants(
            root["invariants"],
            root.value_mark("invariants"),
            file=file,
            roles=list(outline.roles),
            states=list(outline.states),
            events=outline.events,
            rules=list(bound),
        )
        reader.problems.extend(problems)
    reader.raise_if_any(ProcedureError)
    assert outline.id is not None
    assert outline.title is not None
    data = encode(value)
    text = canonical_json(data)
    return Procedure(
        id=outline.id,
        title=outline.title,
        version=outline.version,
        settings=outline.settings,
        roles=outline.roles,
        states=outline.states,
        events=outline.events,
        rules=bound,
        deadlines=outline.deadlines,
        dates=outline.dates,
        invariants=invariants,
        in_force=in_force,
        migration=migration,
        fingerprint=digest(data),
        path=file,
        text=text,
        parents=parents,
    )


class _Structure:
    """The structure pass: each top-level section, into ``outline``."""

    def __init__(self, reader: Reader, outline: Outline) -> None:
        self.r = reader
        self.outline = outline

    def read(self) -> None:
        r, outline, root = self.r, self.outline, self.outline.root
        r.keys(
            root,
            "the procedure",
            required=("procedure", "title", "roles", "states", "events"),
            optional=(
                "version",
                "settings",
                "rules",
                "deadlines",
                "dates",
                "invariants",
                "in_force",
                "migration",
            ),
        )
        outline.id = r.string(
            root,
            "procedure",
            "the procedure",
            pattern=PROCEDURE_ID,
            hint="use lower-case letters, digits, '.', '-' and '_' (vn-2021)",
        )
        outline.title = r.text(root, "title", "the procedure", required="title" in root)
        outline.version = r.string(root, "version", "the procedure")
        outline.settings = self.settings()
        outline.roles = self.roles()
        outline.states = self.states()
        read_events(r, outline)
        outline.rule_entries = {
            named.name: named for named in named_entries(r, root, "rules", required=False)
        }
        outline.deadlines = self.deadlines()
        outline.dates = self.dates()

    def settings(self) -> dict[str, Any]:
        section = self.r.mapping(self.outline.root, "settings", "the procedure")
        if section is None:
            return {}
        result = {}
        for key, value in section.items():
            if isinstance(value, YamlMap | YamlList):
                self.r.add(
                    section.value_mark(key),
                    f"settings.{key} must be a single value, not {describe(value)}",
                )
            else:
                result[key] = value
        return result

    def roles(self) -> dict[str, Role]:
        result = {}
        for named in named_entries(self.r, self.outline.root, "roles", required=True):
            where = f"roles.{named.name}"
            self.r.keys(named.entry, where, optional=("vi", "en", "individual"))
            label = self.r.text(named.entry, None, where)
            individual = self.r.boolean(named.entry, "individual", where)
            result[named.name] = Role(
                name=named.name, label=label or _NO_LABEL, individual=individual
            )
        return result

    def states(self) -> dict[str, State]:
        result = {}
        for named in named_entries(self.r, self.outline.root, "states", required=True):
            where = f"states.{named.name}"
            self.r.keys(named.entry, where, optional=("vi", "en", "final"))
            label = self.r.text(named.entry, None, where)
            final = self.r.boolean(named.entry, "final", where)
            self.outline.state_marks[named.name] = named.mark
            result[named.name] = State(name=named.name, label=label or _NO_LABEL, final=final)
        return result

    # -- deadlines and dates -----------------------------------------------------

    def event(self, entry: YamlMap, key: str, where: str) -> str | None:
        """The event named by ``entry[key]``, or ``None`` (reported unless declared with a mistake)."""
        name = self.r.string(entry, key, where)  # a missing key is reported by keys()
        if name is None:
            return None
        if name in self.outline.broken_events:
            return None  # its own mistake is reported where it is declared
        if self.r.known(
            name, entry.value_mark(key), self.outline.events, "event", f"{where}.{key}"
        ):
            return name
        return None

    def event_fact(
        self, entry: YamlMap, key: str, where: str, event_names: Iterable[str], ftype: str
    ) -> str | None:
        """A fact name in ``entry[key]`` that every one of ``event_names`` declares with ``ftype``."""
        fact = self.r.string(entry, key, where)
        if fact is None:
            return None
        for event in event_names:
            if event not in self.outline.events:
                continue
            facts = self.outline.events[event].facts
            spec = facts.get(fact)
            if spec is None:
                if fact in self.outline.invalid_facts.get(event, ()):
                    return None  # declared with a mistake, reported there
                self.r.add(
                    entry.value_mark(key),
                    f"unknown fact '{fact}' in {where}.{key}: event '{event}' does not declare it"
                    f"{did_you_mean(fact, facts)}",
                )
                return None
            if spec.type != ftype:
                self.r.add(
                    entry.value_mark(key),
                    f"{where}.{key}: fact '{fact}' of event '{event}' must be of type '{ftype}', not '{spec.type}'",
                )
                return None
        return fact

    def deadlines(self) -> dict[str, DeadlineSpec]:
        r, outline = self.r, self.outline
        result = {}
        for named in named_entries(r, outline.root, "deadlines", required=False):
            name, entry = named.name, named.entry
            where = f"deadlines.{name}"
            outline.deadline_marks[name] = named.mark
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
                    "counted_from",
                ),
            )
            rule_id = r.string(entry, "rule", where, pattern=RULE_ID, hint=RULE_HINT)
            if rule_id is not None:
                outline.owned_rules.add(rule_id)
            after = self.event(entry, "after", where)
            date = self.event_fact(entry, "date", where, [after] if after else [], "date")
            months = r.integer(entry, "months", where, minimum=0) or 0
            working_days = r.integer(entry, "working_days", where, minimum=1)
            extended = r.integer(entry, "extended_working_days", where, minimum=1)
            met_by = [
                e
                for e, mark in r.names(entry, "met_by", where, required=False)
                if e not in outline.broken_events
                and r.known(e, mark, outline.events, "event", f"{where}.met_by")
            ]
            met_on = self.event_fact(entry, "met_on", where, met_by, "date")
            waiver = self.event_fact(entry, "waiver", where, met_by, "bool")
            counted_from = self.event_fact(entry, "counted_from", where, met_by, "date")
            extension = self.event_fact(entry, "extension", where, met_by, "bool")
            if extended is not None and working_days is not None and extended <= working_days:
                r.add(
                    entry.value_mark("extended_working_days"),
                    f"{where}.extended_working_days must be more than working_days ({working_days})",
                )
            if (extended is None) != ("extension" not in entry):
                r.add(
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
                counted_from=counted_from,
            )
        return result

    def dates(self) -> dict[str, DateSpec]:
        r = self.r
        result = {}
        for named in named_entries(r, self.outline.root, "dates", required=False):
            name, entry = named.name, named.entry
            where = f"dates.{name}"
            if name in self.outline.deadline_marks:
                r.add(named.mark, f"'{name}' names both a date and a deadline; rename one")
            r.keys(
                entry,
                where,
                required=("event",),
                optional=("fact", "months", "requires", "less_time_outside"),
            )
            event = self.event(entry, "event", where)
            fact = self.event_fact(entry, "fact", where, [event] if event else [], "date")
            months = r.integer(entry, "months", where, minimum=0) or 0
            requires = self.event(entry, "requires", where) if "requires" in entry else None
            outside = r.boolean(entry, "less_time_outside", where)
            if event is None:
                continue
            result[name] = DateSpec(
                name=name,
                event=event,
                fact=fact,
                months=months,
                requires=requires,
                less_time_outside=outside,
            )
        return result
