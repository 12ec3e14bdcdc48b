"""The rules pass of procedure loading: each rule id bound to what applies it.

A rule is applied by the engine itself (``auth.role``, ``event.state``,
``event.date``), by a
deadline, by an escalation, or by a check that a plugin contributes (the
standard procedure's own rules are such checks). This pass finds which, and
checks the file's message, source, severity and parameters for each rule
against what that implementation offers. It records only names and metadata:
the engine binds the check functions.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

import attrs

from admission_flow.model._values import Text
from admission_flow.model._vocabulary import SEVERITIES, Severity
from admission_flow.model._words import describe, did_you_mean

from ._parse_outline import RULE_HINT, RULE_ID, NamedEntry, Outline, UseAt
from ._reading import Reader
from ._rule import Rule
from ._spec import EventSpec, RuleKind, RuleSpec
from ._yaml import Mark, YamlMap

__all__ = [
    "CORE_RULES",
    "DEADLINE_DETAILS",
    "ESCALATION_DETAILS",
    "PARAM_LIMIT",
    "SEVERITIES",
    "read_rules",
]

#: Whole-number parameters and settings stay below this: no count, month or
#: day in this domain comes near it, and dates built from them stay in range.
PARAM_LIMIT = 10_000


@attrs.frozen(kw_only=True)
class _Offer:
    """What applies a rule, and what it offers a procedure's entry for it."""

    kind: RuleKind
    message: Text | None = None
    source: str | None = None
    #: The ``{placeholders}`` its message may use.
    details: frozenset[str] = frozenset()
    #: Its parameters, with defaults (``None``: required).
    params: Mapping[str, Any] = attrs.field(factory=dict)
    #: The implementing plugin rule, for ``check`` rules.
    rule: Rule | None = None


#: Rules the engine itself applies to every event. A procedure may declare them
#: under ``rules:`` to give its own message or source.
CORE_RULES: Mapping[str, _Offer] = {
    "auth.role": _Offer(
        kind="core",
        message=Text(
            "Vai trò {role} không được thực hiện bước “{event}”; chỉ: {allowed}.",
            "The role {role} may not fire '{event}'; only: {allowed}.",
        ),
        source="procedure definition",
        details=frozenset({"role", "event", "allowed"}),
    ),
    "event.state": _Offer(
        kind="core",
        message=Text(
            "Không thể thực hiện bước “{event}” khi hồ sơ đang ở trạng thái “{state}”.",
            "'{event}' cannot happen while the case is in state '{state}'.",
        ),
        source="procedure definition",
        details=frozenset({"event", "state"}),
    ),
    "event.date": _Offer(
        kind="core",
        message=Text(
            "Ngày của bước “{event}” không hợp lệ: {problem}.",
            "The date of '{event}' is not valid: {problem}.",
        ),
        source="procedure definition",
        details=frozenset({"event", "problem"}),
    ),
    "procedure.in_force": _Offer(
        kind="core",
        message=Text(
            "Bước “{event}” ngày {day} không thể thực hiện theo quy trình {procedure}, "
            "chỉ có hiệu lực {window}; {advice}.",
            "'{event}' on {day} cannot happen under procedure {procedure}, in force only "
            "{window}; {advice}.",
        ),
        source="the procedure's in_force window",
        details=frozenset({"event", "day", "procedure", "window", "advice"}),
    ),
}
DEADLINE_DETAILS = frozenset({"due", "met", "working_days", "start", "counted_from", "event"})
ESCALATION_DETAILS = frozenset({"count", "state"})
_DEADLINE = _Offer(
    kind="deadline",
    message=Text(
        "Bước “{event}” ngày {met} đã quá hạn {due} ({working_days} ngày làm việc kể từ {counted_from}).",
        "'{event}' on {met} is past its due date {due} ({working_days} working days from {counted_from}).",
    ),
    details=DEADLINE_DETAILS,
)
_ESCALATION = _Offer(kind="escalation", details=ESCALATION_DETAILS)


def read_rules(
    reader: Reader, outline: Outline, catalogue: Mapping[str, Rule], *, plugins: Sequence[str] = ()
) -> dict[str, RuleSpec]:
    """Bind every rule the file declares or names; report what cannot be bound.

    ``plugins`` names the installed plugins, for the message about a rule that
    none of them provides.
    """
    return _Rules(reader, outline, catalogue, plugins).read()


def no_plugin_hint(rule_id: str, known: Iterable[str], plugins: Sequence[str]) -> str:
    """The end of a message about a rule nobody provides: a close rule id, else the plugins.

    A near-miss of a known rule id is a typo, and "did you mean" says all; for
    any other id the plugin that provides it is probably not loaded.
    """
    hint = did_you_mean(rule_id, known)
    if hint:
        return hint
    installed = ", ".join(plugins) or "none"
    return (
        f"; no installed plugin provides it (installed: {installed}); "
        "load the plugin with -p MODULE (in Python: af.Plugins([module]))"
    )


@attrs.frozen
class _Use:
    event: EventSpec
    at: UseAt


class _Rules:
    def __init__(
        self,
        reader: Reader,
        outline: Outline,
        catalogue: Mapping[str, Rule],
        plugins: Sequence[str],
    ) -> None:
        self.r = reader
        self.outline = outline
        self.catalogue = catalogue
        self.plugins = plugins
        self.uses: dict[str, list[_Use]] = {}
        for spec in outline.events.values():
            for at in outline.uses.get(spec.name, ()):
                self.uses.setdefault(at.use.rule, []).append(_Use(spec, at))
        self.deadline_rules = {d.rule: d for d in outline.deadlines.values()}
        self.escalation_rules = {
            spec.escalation.rule: spec
            for spec in outline.events.values()
            if spec.escalation is not None
        }

    def read(self) -> dict[str, RuleSpec]:
        declared = self.outline.rule_entries
        known = set(declared) | set(self.catalogue) | set(CORE_RULES)
        self.check_uses(known)
        self.check_owned_declared()
        result: dict[str, RuleSpec] = {}
        applied = {rule_id for rule_id in self.uses if rule_id in known}
        core = set(CORE_RULES)
        if "in_force" not in self.outline.root:  # applied only where a window is given
            core.discard("procedure.in_force")
        for rule_id in sorted(set(declared) | applied | core):
            spec = self.rule(rule_id, declared.get(rule_id))
            if spec is not None:
                result[rule_id] = spec
        return result

    def check_uses(self, known: set[str]) -> None:
        for rule_id, places in self.uses.items():
            for place in places:
                where = f"events.{place.event.name}.rules"
                if rule_id in self.deadline_rules or rule_id in self.escalation_rules:
                    self.r.add(
                        place.at.mark,
                        f"rule '{rule_id}' in {where} is applied by its deadline or escalation; do not list it on an event",
                    )
                elif rule_id not in known:
                    self.r.add(
                        place.at.mark,
                        f"unknown rule '{rule_id}' in {where}"
                        + no_plugin_hint(rule_id, known, self.plugins),
                    )

    def check_owned_declared(self) -> None:
        """Deadlines and escalations name rules that must say their message and source."""
        declared = self.outline.rule_entries
        for rule_id, spec in self.escalation_rules.items():
            if rule_id not in declared:
                escalation = self.outline.event_entries[spec.name]["escalation"]
                self.r.add(
                    escalation.value_mark("rule"),
                    f"rule '{rule_id}' of events.{spec.name}.escalation must be declared under 'rules:' with its message and source",
                )
        for deadline in self.outline.deadlines.values():
            if deadline.rule not in declared:
                self.r.add(
                    self.outline.deadline_marks[deadline.name],
                    f"rule '{deadline.rule}' of deadlines.{deadline.name} must be declared under 'rules:' with its message and source",
                )

    def rule(self, rule_id: str, named: NamedEntry | None) -> RuleSpec | None:
        r = self.r
        entry = named.entry if named is not None else None
        anchor: Mark | None = named.mark if named is not None else None
        if anchor is None and rule_id in self.uses:
            anchor = self.uses[rule_id][0].at.mark
        where = f"rules.{rule_id}"
        if entry is not None:
            r.keys(entry, where, optional=("message", "source", "severity", "check", "params"))
        offer, check = self.offer(rule_id, entry, where)
        if offer is None:
            return None
        message = r.text(entry, "message", where, required=False) if entry is not None else None
        source = r.string(entry, "source", where) if entry is not None else None
        chosen = r.choice(entry, "severity", where, SEVERITIES) if entry is not None else None
        severity: Severity = "warning" if offer.kind == "escalation" else "block"
        if chosen is not None:
            severity = cast(Severity, chosen)
        message = message or offer.message
        source = source or offer.source
        if anchor is not None:
            if message is None and (entry is None or "message" not in entry):
                r.add(
                    anchor,
                    f"rule '{rule_id}' has no message: give {where}.message with 'vi' and 'en'",
                )
            elif message is not None:
                self.placeholders(message, offer.details, rule_id, where, entry, anchor)
            if source is None:
                r.add(
                    anchor,
                    f"rule '{rule_id}' names no source: give {where}.source (the article it enforces)",
                )
        params = self.params(entry, where, offer.params, rule_id)
        for place in self.uses.get(rule_id, []):
            self.use_params(place, offer.params, params)
            if offer.rule is not None:
                self.reads(place, offer.rule, rule_id)
        if offer.rule is not None:
            self.settings(offer.rule, rule_id, anchor)
        if message is None or source is None:
            return None
        return RuleSpec(
            id=rule_id,
            kind=offer.kind,
            message=message,
            source=source,
            severity=severity,
            params=params,
            check=check,
        )

    def offer(
        self, rule_id: str, entry: YamlMap | None, where: str
    ) -> tuple[_Offer | None, str | None]:
        """What applies the rule, and the id of the plugin rule that implements it."""
        if rule_id in CORE_RULES:
            return CORE_RULES[rule_id], None
        if rule_id in self.deadline_rules:
            return _DEADLINE, None
        if rule_id in self.escalation_rules:
            return _ESCALATION, None
        if rule_id in self.outline.owned_rules:  # its deadline or escalation is wrong, and reported
            return None, None
        check = rule_id
        if entry is not None and "check" in entry:
            check = self.r.string(entry, "check", where, pattern=RULE_ID, hint=RULE_HINT) or rule_id
        implementation = self.catalogue.get(check)
        if implementation is None:
            if entry is not None:
                mark = entry.value_mark("check") if "check" in entry else entry.mark
                self.r.add(
                    mark,
                    f"unknown rule '{check}' in {where}"
                    + no_plugin_hint(check, self.catalogue, self.plugins),
                )
            return None, None
        offer = _Offer(
            kind="check",
            message=implementation.message,
            source=implementation.source,
            details=implementation.details,
            params=implementation.params,
            rule=implementation,
        )
        return offer, check

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
            found = _placeholders(template)
            if isinstance(found, str):
                self.r.add(mark, f"{where}.message.{lang} {found}")
                continue
            for name in sorted(found - details):
                offered = ", ".join(sorted(details)) or "none"
                self.r.add(
                    mark,
                    f"unknown placeholder '{{{name}}}' in {where}.message.{lang}"
                    f"{did_you_mean(name, details)} (rule '{rule_id}' offers: {offered})",
                )

    def params(
        self, entry: YamlMap | None, where: str, defaults: Mapping[str, Any], rule_id: str
    ) -> dict[str, Any]:
        params = dict(defaults)
        section = self.r.mapping(entry, "params", where) if entry is not None else None
        if section is None:
            return params
        for key, value in section.items():
            if key not in defaults:
                self.r.add(
                    section.key_mark(key),
                    f"rule '{rule_id}' takes no parameter '{key}'{did_you_mean(key, defaults)}",
                )
                continue
            problem = value_kind_problem(defaults[key], value)
            if problem:
                self.r.add(section.value_mark(key), f"{where}.params.{key} {problem}")
                continue
            params[key] = value
        return params

    def use_params(
        self, place: _Use, defaults: Mapping[str, Any], params: Mapping[str, Any]
    ) -> None:
        use, mark, event = place.at.use, place.at.mark, place.event.name
        for key, value in use.params.items():
            if key not in defaults:
                self.r.add(
                    use.params.key_mark(key) if isinstance(use.params, YamlMap) else mark,
                    f"rule '{use.rule}' takes no parameter '{key}' (in events.{event}.rules){did_you_mean(key, defaults)}",
                )
                continue
            problem = value_kind_problem(defaults[key], value)
            if problem:
                self.r.add(
                    use.params.value_mark(key) if isinstance(use.params, YamlMap) else mark,
                    f"parameter '{key}' of '{use.rule}' in events.{event}.rules {problem}",
                )
        merged = {**params, **use.params}
        for key, value in merged.items():
            if value is None and key in defaults:
                self.r.add(
                    mark,
                    f"rule '{use.rule}' needs parameter '{key}' (in events.{event}.rules or rules.{use.rule}.params)",
                )

    def reads(self, place: _Use, rule: Rule, rule_id: str) -> None:
        """Every event that uses a rule declares the facts the rule reads."""
        spec = place.event
        invalid = self.outline.invalid_facts.get(spec.name, set())
        for fact in sorted(rule.reads - set(spec.facts) - invalid):
            self.r.add(
                place.at.mark,
                f"rule '{rule_id}' reads fact '{fact}', which events.{spec.name} does not declare; add it under events.{spec.name}.facts",
            )

    def settings(self, rule: Rule, rule_id: str, anchor: Mark | None) -> None:
        """The procedure's settings a rule reads have the kind of value the rule expects."""
        section = self.outline.root.get("settings")
        if not isinstance(section, YamlMap):
            return
        for key, default in rule.settings.items():
            if key in section and key in self.outline.settings:
                problem = value_kind_problem(default, section[key])
                if problem:
                    self.r.add(
                        section.value_mark(key),
                        f"settings.{key} {problem} (rule '{rule_id}' reads it)",
                    )


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "true or false"),
    (int, "a whole number"),
    (float, "a number"),
    (str, "text"),
)


def _kind(value: Any) -> str | None:
    for kind, name in _KINDS:
        if isinstance(value, kind):
            return name
    return None


def value_kind_problem(default: Any, value: Any) -> str | None:
    """Why ``value`` cannot stand where ``default`` is the default; ``None`` if it can.

    A whole number where the default is one, a number (whole or not) where it
    is a decimal, text for text, true or false for a flag; whole numbers stay
    below ``PARAM_LIMIT``.
    """
    if default is None or value is None:
        return None
    expected = _kind(default)
    if expected is None:
        return None
    fits = {
        "true or false": type(value) is bool,
        "a whole number": type(value) is int,
        "a number": type(value) in (int, float),
        "text": isinstance(value, str),
    }[expected]
    if not fits:
        return f"must be {expected}, not {describe(value)}"
    if type(value) is int and not -PARAM_LIMIT < value < PARAM_LIMIT:
        return f"must be a whole number between {-PARAM_LIMIT + 1:,} and {PARAM_LIMIT - 1:,}, not {describe(value)}"
    return None


def _placeholders(template: str) -> set[str] | str:
    """The names of a message's ``{placeholders}``, or why the template is refused.

    Placeholders are plain names: no format spec (a width can cost gigabytes),
    no conversion, no attribute or index, no positional ``{}``.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return "has an unmatched '{' or '}'; write '{{' for a literal brace"
    names = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return (
                f"has placeholder '{{{shown[:40]}}}': placeholders are plain names such as "
                "{in_favour}, with no format, conversion, index or attribute"
            )
        names.add(name)
    return names
