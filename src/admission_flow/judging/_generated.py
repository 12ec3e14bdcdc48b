"""One judging function generated per event: ``fire()``'s hot path, as attrs generates ``__init__``.

``Judge.judge`` and ``Engine._outcome`` serve every event of every procedure: they
loop over the event's facts and rules, look its routes up, and test at every call
what the event has or lacks (deadlines it meets or starts, an escalation). Here,
when an engine first fires an event, the source of one function is written from the
compiled event: the call's checks, the fact tests, the rule calls one after the
other, the deadlines it starts, the step and the case after it, with every branch
the event cannot take left out. ``fire()`` and ``judge()`` call it
(``backend="compiled"``). The text holds no name or value of the procedure, so
events of one shape share it, and each text is compiled once per process.

It covers the path that matters in bulk: facts that pass their quick tests, an
actor of the event's roles, a dated event allowed from the case's state, in force.
For anything else (a fact to explain or normalise, a core refusal) it answers
``None`` before any rule has run, and the engine takes the reference path
(``Judge.judge`` and the router), which explains. Rules that find violations,
recorded votes, warnings, lateness, escalation and plugin checks are handled
here, as the reference does them. ``Engine(backend="transitions")`` always takes
the reference path; ``tests/test_generated_judge.py`` proves both give equal
outcomes on generated cases and events.

YAML never runs code: the source holds only names made here (``_check3``,
``fact0``) and Python's own words. Everything from the procedure (event, fact and
state names, parameters, labels) reaches the function as constants in its
namespace, never as text pasted into the source.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any

from admission_flow.model._builders import builder_source
from admission_flow.model._frozen import FrozenDict
from admission_flow.model._values import (
    Actor,
    Case,
    Outcome,
    ProcedureRef,
    Step,
    Violation,
    _new_outcome,
    _new_step,
)
from admission_flow.plugins._manager import rule_failure
from admission_flow.procedure import _facts
from admission_flow.procedure._rule import EventContext

from ._judging import _NO_NEEDS, SLOTS, BoundRule, CompiledEvent, Judge, Verdict, not_an_answer
from ._routing import CompiledRouter, Routes

__all__ = ["FastJudge", "GeneratedJudges", "generate"]

#: ``judge(case, actor, on, given)``, with ``Engine.fire``'s arguments as given (unchecked):
#: the outcome, or ``None`` for the reference path.
FastJudge = Callable[[Any, Any, Any, Mapping[str, Any]], Outcome | None]

#: A value no caller can give: a fact left out.
_MISSING = object()
#: What the rules, the deadlines met late and the plugins found: the blocking, recording
#: and warning violations, by slot (``SLOTS``). Made when the first is found: most events
#: find none, and three empty lists cost a judgement more than a test of ``None``.
Found = tuple[list[Violation], list[Violation], list[Violation]]


def _add(found: Found | None, slot: int, violation: Violation) -> Found:
    """``found`` (made now if ``None``) with ``violation`` in the list of ``slot``."""
    if found is None:
        found = ([], [], [])
    found[slot].append(violation)
    return found


class _Helpers:
    """What the generated function calls off its hot path: errors, violations, the rare endings."""

    def __init__(self, judge: Judge, compiled: CompiledEvent) -> None:
        self.judge = judge
        self.compiled = compiled
        self.rules = compiled.rules

    def failed(self, index: int, exc: BaseException) -> Exception:
        """The ``PluginError`` of rule ``index`` raising ``exc``, as ``Judge.judge`` words it."""
        bound = self.rules[index]
        return rule_failure(
            bound.plugin,
            bound.spec.id,
            f"raised {type(exc).__name__} on event '{self.compiled.spec.name}': {exc}",
        )

    def found(self, found: Found | None, index: int, details: object) -> Found:
        """``found`` (made now if ``None``) with the violation of rule ``index`` from what
        its check returned (not ``None``), in the list of the rule's severity."""
        bound: BoundRule = self.rules[index]
        if not isinstance(details, Mapping):
            raise not_an_answer(bound, details)
        return _add(
            found, bound.slot, self.judge.violation(bound.spec, details, plugin=bound.plugin)
        )

    def late(
        self, running: list[Any], on: dt.date, facts: Mapping[str, Any], found: Found | None
    ) -> Found | None:
        """``found`` with the lateness of each deadline the event meets, as ``Judge.judge``
        finds it."""
        judge = self.judge
        for clock in running:
            late = judge.clocks.lateness(clock, on, facts)
            if late is not None:
                rule = judge.procedure.rules[clock.spec.rule]
                late["event"] = self.compiled.spec.label
                found = _add(found, SLOTS[rule.severity], judge.violation(rule, late))
        return found

    def plugin_checks(self, context: EventContext, found: Found | None) -> Found | None:
        """``found`` with what the plugins' ``admission_flow_check_event`` found, by severity."""
        for violation in self.judge.plugins.check_event(context):
            found = _add(found, SLOTS[violation.severity], violation)
        return found

    def ending(
        self,
        case: Case,
        actor: Actor,
        on: dt.date,
        facts: Mapping[str, Any],
        routes: Routes,
        running: list[Any],
        found: Found,
    ) -> Outcome:
        """A step refused or recorded (escalated or not): routed as ``CompiledRouter.route``."""
        blocking, recording, warnings = found
        compiled = self.compiled
        state = case.state
        target = state
        if not blocking and compiled.spec.escalation is not None:
            verdict = Verdict(blocking, recording, warnings, _NO_NEEDS)
            if self.judge.escalates(case, compiled, verdict) and routes.escalated is not None:
                target = routes.escalated
        kept = not blocking
        clocks = self.judge.clocks
        met = tuple([clocks.met(clock, on, facts) for clock in running]) if kept else ()
        step = _new_step(
            compiled.spec.name,
            on,
            actor,
            facts,
            False,
            kept,
            state,
            target,
            (*blocking, *recording),
            tuple(warnings) if warnings else (),
            (),
            met,
        )
        return _new_outcome(case._advance(target, step) if kept else case, step)


#: What the generated function stores in each slot of ``EventContext``: its ``__init__``,
#: written out. Every slot must be here (``_context_stores`` checks), so that a slot
#: added to the context cannot be left unset on the fast path.
_CONTEXT_SLOTS = {
    "procedure": "_procedure",
    "case": "case",
    "event": "_spec",
    "actor": "actor",
    "on": "on",
    "facts": "facts",
    "members": "_members",
    "calendar": "_calendar",
    "candidate": "case.candidate",
    "unit": "case.unit",
    "_age": "None",
    "_shared": "None",
}


@functools.cache
def _context_stores() -> list[str]:
    """``slot = expression`` for every slot of ``EventContext``."""
    slots = EventContext.__slots__
    if set(slots) != set(_CONTEXT_SLOTS):
        raise AssertionError(
            "EventContext's slots and the generated judge's stores differ: "
            f"{sorted(set(slots) ^ set(_CONTEXT_SLOTS))}"
        )
    return [f"{slot} = {_CONTEXT_SLOTS[slot]}" for slot in slots]


def generate(
    judge: Judge,
    compiled: CompiledEvent,
    router: CompiledRouter,
    role_actors: Mapping[str, Actor],
    ref: ProcedureRef,
) -> FastJudge:
    """The judging function of one compiled event (see the module's docstring).

    ``role_actors`` are the engine's actors of the roles anybody may name by role alone,
    ``ref`` the procedure's reference its cases carry (the very object).
    """
    spec = compiled.spec
    helpers = _Helpers(judge, compiled)
    namespace: dict[str, Any] = {
        "_date": dt.date,
        "_MISSING": _MISSING,
        "_FrozenDict": FrozenDict,
        "_EventContext": EventContext,
        "_new_context": object.__new__,
        "_event": spec.name,
        "_spec": spec,
        "_roles": compiled.roles,
        "_routes": router.routes_of(spec.name),
        "_defaults": compiled.defaults,
        "_frozen_defaults": compiled.frozen_defaults,
        "_procedure": judge.procedure,
        "_members": judge.members,
        "_calendar": judge.clocks.calendar,
        "_clocks": judge.clocks,
        "_plugins": judge.plugins,
        "_judge": judge,
        "_helpers": helpers,
        "_meets": compiled.meets,
        "_Actor": Actor,
        "_Case": Case,
        "_ref": ref,
        "_role_actors": role_actors,
        "_individual": {name: role.individual for name, role in judge.procedure.roles.items()},
    }
    lines = ["def judge(case, actor, on, given):"]
    add = lines.append

    # The call, as Engine._outcome checks it: any doubt goes to the reference path.
    add("    if type(actor) is str:")
    add("        actor = _role_actors.get(actor)")
    add("        if actor is None:")
    add("            return None")
    add("    elif type(actor) is _Actor:")
    add("        individual = _individual.get(actor.role)")
    add("        if individual is None or (individual and actor.id not in _members):")
    add("            return None")
    add("    else:")
    add("        return None")
    add("    if type(case) is not _Case or type(on) is not _date:")
    add("        return None")
    # A case read back from a register carries a reference equal to the engine's, not the
    # very object: it is judged here too, and the case after it carries the engine's own.
    add("    if case.procedure is not _ref and case.procedure != _ref:")
    add("        return None")

    # The facts, as Engine._quick_facts.
    add("    known = 0")
    for index, fact in enumerate(spec.facts.values()):
        value = f"fact{index}"
        expression, constants = _facts.quick_source(
            fact, judge.members, value=value, role="actor.role", prefix=f"_fact{index}_"
        )
        namespace.update(constants)
        namespace[f"_fact{index}"] = fact.name
        add(f"    {value} = given.get(_fact{index}, _MISSING)")
        if fact.required:  # missing, it fails its test (no type of a fact is object's)
            add(f"    if not ({expression}):")
            add("        return None")
            add("    known += 1")
        else:
            add(f"    if {value} is not _MISSING:")
            add(f"        if not ({expression}):")
            add("            return None")
            add("        known += 1")
    add("    if known != len(given):")
    add("        return None")
    add("    facts = _FrozenDict(_defaults, **given) if given else _frozen_defaults")
    for index, (name, limit) in enumerate(compiled.limits):
        namespace[f"_limited{index}"], namespace[f"_limit{index}"] = name, limit
        add(
            f"    if _limited{index} in facts and _limit{index} in facts "
            f"and facts[_limited{index}] > facts[_limit{index}]:"
        )
        add("        return None")

    # The core rules (event.state, auth.role, event.date, procedure.in_force): a refusal
    # goes to the reference path, which words it.
    add("    state = case.state")
    add("    routes = _routes.get(state)")
    add("    if routes is None or actor.role not in _roles:")
    add("        return None")
    add("    history = case.history")
    add("    last = history.last_step")
    add("    if last is not None and on < last.on:")
    add("        return None")
    first_day, last_day = judge.in_force_days()
    namespace["_first_day"], namespace["_last_day"] = first_day, last_day
    if first_day is not None:
        add("    if on < _first_day:")
        add("        return None")
    if last_day is not None:
        add("    if on > _last_day:")
        add("        return None")

    # The rules, the deadlines met late and the plugins' checks, in Judge.judge's order.
    add("    found = None")
    add("    running = _clocks.running(case, _meets)" if compiled.meets else "    running = ()")
    add("    checks_events = _plugins.checks_events")
    indent = "    "
    if not compiled.rules:
        add("    if running or checks_events:")
        indent = "        "
    # The context, as EventContext.__init__ builds it, without the call: its slots stored
    # one by one (a plain slotted class, so each store is the interpreter's fastest).
    add(f"{indent}context = _new_context(_EventContext)")
    for store in _context_stores():
        add(f"{indent}context.{store}")
    for index, bound in enumerate(compiled.rules):
        namespace[f"_check{index}"] = bound.check
        namespace[f"_params{index}"] = bound.params
        add(f"{indent}try:")
        add(f"{indent}    details = _check{index}(context, _params{index})")
        add(f"{indent}except (Exception, SystemExit) as exc:")
        add(f"{indent}    raise _helpers.failed({index}, exc) from exc")
        add(f"{indent}if details is not None:")
        add(f"{indent}    found = _helpers.found(found, {index}, details)")
    if compiled.meets:
        add(f"{indent}if running:")
        add(f"{indent}    found = _helpers.late(running, on, facts, found)")
    add(f"{indent}if checks_events:")
    add(f"{indent}    found = _helpers.plugin_checks(context, found)")

    # Where the step leads. Accepted here, with its warnings; refused or recorded by the
    # helper.
    add("    if found is None:")
    add("        warned = ()")
    add("    elif found[0] or found[1]:")
    add("        return _helpers.ending(case, actor, on, facts, routes, running, found)")
    add("    else:")
    add("        warned = tuple(found[2])")
    add("    target = routes.accepted")
    if compiled.meets:
        add("    met = tuple([_clocks.met(clock, on, facts) for clock in running])")
    else:
        add("    met = ()")
    started = []
    for index, deadline in enumerate(compiled.starts):
        namespace[f"_starts{index}"] = deadline
        started.append(f"_clocks.started(_starts{index}, on, facts), ")
    if not started:
        add("    started = ()")
    elif all(deadline.date is None for deadline in compiled.starts):
        # Counted from the event's date alone: the deadlines Clocks.started keeps for that
        # day (it never forgets one), looked up by the day here.
        namespace["_started_on"] = {}
        add("    started = _started_on.get(on)")
        add("    if started is None:")
        add(f"        started = _started_on[on] = ({''.join(started)})")
    else:
        add(f"    started = ({''.join(started)})")
    # The step, the case and the outcome, as _new_step, _new_case and _new_outcome build them.
    for cls, target, values in (
        (Step, "step", ["_event", "on", "actor", "facts", "True", "False", "state", "target",
                        "()", "warned", "started", "met"]),
        (Case, "after", ["case.id", "_ref", "case.candidate", "case.unit", "target",
                         "history.appended(step)"]),
        (Outcome, "outcome", ["after", "step"]),
    ):  # fmt: skip
        body, constants = builder_source(cls, target, values, prefix=f"_{target}_")
        namespace.update(constants)
        lines.extend(f"    {line}" for line in body)
    add("    return outcome")
    source = "\n".join(lines) + "\n"
    exec(_compiled(source), namespace)  # source made of our own names only (see above)
    generated: FastJudge = namespace["judge"]
    generated.__qualname__ = generated.__name__ = f"judge_{spec.name}"
    generated.__doc__ = f"The generated judging function of event {spec.name!r}."
    generated.source = source  # type: ignore[attr-defined]  # for reading, and the tests
    return generated


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> CodeType:
    """``source`` compiled, once per process: events of the same shape share the text (their
    names and values are the namespace's), and compiling is most of an engine's start."""
    return compile(source, "<admission_flow: generated judge>", "exec")


class GeneratedJudges(dict[str, FastJudge | None]):
    """The generated judging function of each event, written when the event is first fired.

    An engine that fires a few events pays for those alone (a source compiles in about
    a millisecond, once per process); ``router=None`` (the transitions backend) makes
    none. ``judges[event]`` is ``None`` for an event the procedure does not have.
    """

    def __init__(
        self,
        judge: Judge,
        router: CompiledRouter | None,
        role_actors: Mapping[str, Actor],
        ref: ProcedureRef,
    ) -> None:
        super().__init__()
        self._judge = judge
        self._router = router
        self._role_actors = role_actors
        self._ref = ref

    def __missing__(self, event: str) -> FastJudge | None:
        compiled = self._judge.events.get(event)
        if compiled is None:
            return None  # not kept: the caller names an event the procedure lacks
        fast = None
        if self._router is not None:
            fast = generate(self._judge, compiled, self._router, self._role_actors, self._ref)
        self[event] = fast
        return fast
