"""Judging an event: every rule, deadline and plugin check, all at once.

The procedure names its rules; here each event is compiled once per engine
(its roles, fact tests, bound rule checks, the deadlines it starts and meets)
and judged on each ``fire()``: violations sorted into those that block, those
that record the step without moving the case (a vote short of two-thirds),
and warnings; and whether a recorded failure escalates the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from admission_flow.exceptions import PluginError
from admission_flow.model._canonical import encode
from admission_flow.model._frozen import FrozenDict
from admission_flow.model._values import Actor, Case, Member, Text, Violation
from admission_flow.plugins._manager import Contributed, Plugins, rule_failure, short_repr
from admission_flow.procedure import _facts
from admission_flow.procedure._generations import InForce
from admission_flow.procedure._rule import Check, EventContext
from admission_flow.procedure._spec import DeadlineSpec, EventSpec, Procedure, RuleSpec

from ._deadlines import Clock, Clocks
from ._routing import Router

__all__ = ["CompiledEvent", "Judge", "Verdict"]

#: Where a violation of each severity goes: blocking, recording, warnings.
SLOTS = {"block": 0, "record": 1, "warning": 2}
#: Why ``event.date`` refuses an event fired with no date (``on=None``).
_NO_DATE = Text("bước không có ngày (on)", "it has no date (on)")
#: The ``needs`` of a full judgement, which skips no rule: shared, never filled.
_NO_NEEDS: set[str] = set()
#: The types of a rule's details whose equal values always read alike in its message
#: (not ``float``: -0.0 equals 0.0; not containers: (1,) equals (True,)).
_PLAIN = frozenset({str, int, bool, dt.date, Text, type(None)})
#: How many violations a judge keeps to answer the same rule's same details again.
VIOLATIONS_KEPT = 4096


@attrs.frozen
class BoundRule:
    """A rule an event checks, bound to the plugin function that checks it."""

    spec: RuleSpec
    check: Check
    params: Mapping[str, Any]
    reads: frozenset[str]
    plugin: str
    slot: int


def not_an_answer(bound: BoundRule, details: object) -> PluginError:
    """The error for a rule's check that returned neither ``None`` nor a mapping."""
    return rule_failure(
        bound.plugin,
        bound.spec.id,
        f"returned {short_repr(details)}; a check returns None when the rule holds, "
        "or a mapping of its message's values when broken",
    )


@attrs.frozen
class CompiledEvent:
    """An event, prepared once per engine for ``fire()``'s hot path."""

    spec: EventSpec
    roles: frozenset[str]
    allowed: Text
    required: frozenset[str]
    #: One quick test per fact (``_facts.quick_test``); a failure goes to the
    #: slow path, which explains it.
    tests: Mapping[str, _facts.Test]
    defaults: Mapping[str, Any]
    #: The facts of an event fired with none given: its defaults, made once.
    frozen_defaults: FrozenDict[str, Any]
    limits: tuple[tuple[str, str], ...]
    rules: tuple[BoundRule, ...]
    starts: tuple[DeadlineSpec, ...]
    meets: tuple[DeadlineSpec, ...]


class Verdict:
    """What judging an event found, by where each violation goes.

    A plain slotted class: one is made for every event fired.
    """

    __slots__ = ("blocking", "needs", "recording", "warnings")

    def __init__(
        self,
        blocking: list[Violation],
        recording: list[Violation],
        warnings: list[Violation],
        needs: set[str],
    ) -> None:
        self.blocking = blocking
        self.recording = recording
        self.warnings = warnings
        #: Facts not given, so the rules that read them were skipped (``available()``).
        self.needs = needs


class Judge:
    """Judges the events of one procedure, for one engine's members, calendar and plugins."""

    def __init__(
        self,
        procedure: Procedure,
        *,
        plugins: Plugins,
        members: Mapping[str, Member],
        clocks: Clocks,
        router: Router,
    ) -> None:
        self.procedure = procedure
        self.plugins = plugins
        self.members = members
        self.clocks = clocks
        self._allows = router.allows
        self._auth = procedure.rules["auth.role"]
        self._wrong_state = procedure.rules["event.state"]
        self._date = procedure.rules["event.date"]
        self._in_force = procedure.in_force
        #: A generation that takes cases over from an earlier one refuses days before its
        #: start (they belong to the earlier one); the first generation has nothing
        #: earlier to send a case to, so cases carried onto it from before are judged.
        self._starts = procedure.migration is not None
        self._in_force_rule = procedure.rules.get("procedure.in_force")
        #: Violations already made, by rule and details (``violation``).
        self._violations: dict[tuple[Any, ...], Violation] = {}
        contributed = plugins.rules()
        self.events: dict[str, CompiledEvent] = {
            name: self._compile(spec, contributed) for name, spec in procedure.events.items()
        }

    # -- compiling ---------------------------------------------------------------

    def _compile(self, spec: EventSpec, contributed: Mapping[str, Contributed]) -> CompiledEvent:
        rules = []
        for use in spec.rules:
            rule = self.procedure.rules[use.rule]
            if rule.check is None:  # a core rule named on an event: applied anyway
                continue
            found = contributed.get(rule.check)
            if found is None:
                raise PluginError(
                    f"procedure '{self.procedure.id}' needs rule '{rule.check}', which no registered "
                    "plugin provides; register the plugin the procedure was loaded with",
                    plugin="?",
                    hook="admission_flow_add_rules",
                    rule=rule.check,
                )
            rules.append(
                BoundRule(
                    spec=rule,
                    check=found.rule.check,
                    params={**rule.params, **use.params},
                    reads=found.rule.reads,
                    plugin=found.plugin,
                    slot=SLOTS[rule.severity],
                )
            )
        deadlines = self.procedure.deadlines.values()
        members = self.members
        defaults = {f.name: f.default for f in spec.facts.values() if f.default is not None}
        return CompiledEvent(
            spec=spec,
            roles=frozenset(spec.roles),
            allowed=self.roles_text(spec.roles),
            required=frozenset(f.name for f in spec.facts.values() if f.required),
            tests={name: _facts.quick_test(fact, members) for name, fact in spec.facts.items()},
            defaults=defaults,
            frozen_defaults=FrozenDict(defaults),
            limits=tuple((f.name, f.at_most) for f in spec.facts.values() if f.at_most is not None),
            rules=tuple(rules),
            starts=tuple(d for d in deadlines if d.after == spec.name),
            meets=tuple(d for d in deadlines if spec.name in d.met_by),
        )

    def role_text(self, role: str) -> Text:
        """A role as users read it: its label, then its name in the procedure."""
        label = self.procedure.roles[role].label
        return Text(f"{label.vi} ({role})", f"{label.en} ({role})")

    def roles_text(self, roles: Iterable[str]) -> Text:
        texts = [self.role_text(role) for role in roles]
        return Text("; ".join(t.vi for t in texts), "; ".join(t.en for t in texts))

    # -- judging -------------------------------------------------------------------

    def judge(
        self,
        case: Case,
        compiled: CompiledEvent,
        actor: Actor,
        on: dt.date,
        facts: Mapping[str, Any],
        running: list[Clock],
        *,
        partial: bool,
    ) -> Verdict:
        """Every violation of the event, sorted into blocking, recording and warnings.

        ``running`` holds the deadlines this event would meet, for the lateness
        checks. With ``partial``, rules whose facts were not given are skipped
        and their facts listed in ``needs``.
        """
        spec = compiled.spec
        blocking: list[Violation] = []
        needs: set[str] = set() if partial else _NO_NEEDS
        in_state = self._allows(case.state, spec.name)
        if not in_state:
            blocking.append(
                self.violation(
                    self._wrong_state,
                    {"event": spec.label, "state": self.procedure.state_label(case.state)},
                )
            )
        if actor.role not in compiled.roles:
            blocking.append(
                self.violation(
                    self._auth,
                    {
                        "role": self.role_text(actor.role),
                        "event": spec.label,
                        "allowed": compiled.allowed,
                    },
                )
            )
        last = case.history.last_step
        if type(on) is not dt.date or (last is not None and on < last.on):
            blocking.append(self.violation(self._date, self.date_problem(case, spec, on)))
            if type(on) is not dt.date:
                return Verdict(blocking, [], [], needs)  # the rules read the date
        in_force = self._in_force
        if in_force is not None and not self._covers(in_force, on):
            blocking.append(self.out_of_force(spec.label, on, opening=case.state is None))
        checks_events = self.plugins.checks_events
        if not in_state or not (compiled.rules or running or checks_events):
            return Verdict(blocking, [], [], needs)  # the rules assume the event's states
        slots: tuple[list[Violation], list[Violation], list[Violation]] = (blocking, [], [])
        context = EventContext(
            self.procedure, case, spec, actor, on, facts, self.members, self.clocks.calendar
        )
        for bound in compiled.rules:
            if partial and not bound.reads <= facts.keys():
                needs |= bound.reads - facts.keys()
                continue
            try:
                details = bound.check(context, bound.params)
            except (Exception, SystemExit) as exc:
                raise rule_failure(
                    bound.plugin,
                    bound.spec.id,
                    f"raised {type(exc).__name__} on event '{spec.name}': {exc}",
                ) from exc
            if details is None:
                continue
            if not isinstance(details, Mapping):
                raise not_an_answer(bound, details)
            slots[bound.slot].append(self.violation(bound.spec, details, plugin=bound.plugin))
        for clock in running:
            late = self.clocks.lateness(clock, on, facts)
            if late is not None:
                rule = self.procedure.rules[clock.spec.rule]
                late["event"] = spec.label
                slots[SLOTS[rule.severity]].append(self.violation(rule, late))
        if checks_events:
            for violation in self.plugins.check_event(context):
                slots[SLOTS[violation.severity]].append(violation)
        return Verdict(blocking, slots[1], slots[2], needs)

    def date_problem(self, case: Case, spec: EventSpec, on: dt.date | None) -> dict[str, Any]:
        """The details of ``event.date``: no date, or one before the case's latest kept step."""
        if on is None or type(on) is not dt.date:
            return {"event": spec.label, "problem": _NO_DATE}
        last = case.history[-1]
        label = self.procedure.events[last.event].label
        problem = Text(
            f"ngày {on:%d/%m/%Y} trước bước cuối cùng của hồ sơ "
            f"(“{label.vi}” ngày {last.on:%d/%m/%Y})",
            f"{on.isoformat()} is before the case's latest step "
            f"('{last.event}' on {last.on.isoformat()})",
        )
        return {"event": spec.label, "problem": problem}

    def in_force_days(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and the last day ``_covers`` finds in force (``None``: no bound)."""
        window = self._in_force
        if window is None:
            return None, None
        return (window.start if self._starts else None), window.end

    def _covers(self, window: InForce, on: dt.date) -> bool:
        if window.end is not None and on > window.end:
            return False
        return not (self._starts and window.start is not None and on < window.start)

    def out_of_force(self, event: Text, on: dt.date, *, opening: bool) -> Violation:
        """The ``procedure.in_force`` violation of an event dated outside the window."""
        window = self._in_force
        assert window is not None
        assert self._in_force_rule is not None
        before = window.start is not None and on < window.start
        if before:
            advice = Text(
                "dùng quy trình có hiệu lực vào ngày đó", "use the procedure in force on that day"
            )
        elif opening:
            advice = Text(
                "mở hồ sơ theo quy trình có hiệu lực vào ngày đó",
                "open the case under the procedure in force on that day",
            )
        else:
            advice = Text(
                "chuyển hồ sơ sang quy trình mới (migrate) trước",
                "move the case to the next generation (migrate) first",
            )
        return self.violation(
            self._in_force_rule,
            {
                "event": event,
                "day": on,
                "procedure": self.procedure.ref.id,
                "window": window.text(),
                "advice": advice,
            },
        )

    def escalates(self, case: Case, compiled: CompiledEvent, verdict: Verdict) -> bool:
        """Whether a recorded failure reaches the event's escalation limit (adds its warning)."""
        escalation = compiled.spec.escalation
        if escalation is None or not verdict.recording or verdict.blocking:
            return False
        event = compiled.spec.name
        failures = 1 + sum(1 for s in case.steps_of(event) if s.recorded and not s.accepted)
        if failures < escalation.after:
            return False
        verdict.warnings.append(
            self.violation(
                self.procedure.rules[escalation.rule],
                {"count": failures, "state": self.procedure.state_label(escalation.to)},
            )
        )
        return True

    def violation(
        self, rule: RuleSpec, details: Mapping[str, Any], *, plugin: str | None = None
    ) -> Violation:
        """The violation of ``rule`` with ``details``, its message filled in.

        A value, so one made before for the same rule and the same details (each of a
        plain type, the same type, in the same order) is answered again: a search that
        refuses the same attempt in many states (``check``) formats its message once.
        """
        key: tuple[Any, ...] | None = (rule.id,)
        for name, value in details.items():
            if type(value) not in _PLAIN:
                key = None
                break
            key += (name, type(value), value)  # type: ignore[operator]
        if key is not None:
            known = self._violations.get(key)
            if known is not None:
                return known
        violation = self._violation(rule, details, plugin)
        if key is not None:
            if len(self._violations) >= VIOLATIONS_KEPT:
                self._violations.clear()
            self._violations[key] = violation
        return violation

    def _violation(
        self, rule: RuleSpec, details: Mapping[str, Any], plugin: str | None
    ) -> Violation:
        try:
            message = rule.message.format(**details)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise rule_failure(
                plugin or "?",
                rule.id,
                f"gave {', '.join(map(str, details)) or 'nothing'} for its message, "
                f"which needs {exc}",
            ) from exc
        try:
            encode(details)  # what a register keeps, checked now rather than when it writes
            return Violation(
                rule=rule.id,
                message=message,
                source=rule.source,
                severity=rule.severity,
                details=details,
            )
        except (TypeError, ValueError) as exc:
            raise rule_failure(
                plugin or "?", rule.id, f"gave details that cannot be kept: {exc}"
            ) from exc
