"""Steering the generated state machine: which event to try next, by whom, with what facts.

Most steps of ``procedure_state_machine`` fire an event the case's state allows,
with facts that pass the rules (``Engine.available`` says which), preferring
events that move the case on, then those not yet accepted on it, then those some
actor has not fired on it yet; a step only recorded (a vote short of two-thirds)
is often repeated. The steering knows no procedure: it asks the engine. The
machine itself (``_stateful.py``) chooses the dates and checks what happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from typing import ClassVar

import admission_flow as af
from admission_flow.spec import EventSpec

from ._generation import Choose, actor_choices, event_facts, pick
from ._scenario_file import Attempt

__all__ = ["NEW", "Steering"]

#: How much each kind of event is preferred when steering, and how many are tried.
_PREFERENCE = ((2400, "moving"), (1200, "novel"), (600, "fresh"), (300, "staying"), (1, "closing"))
#: How much ending the case is preferred when nothing new can be done in its
#: state (a candidate the rules never admit): then a new case is the way on.
_STUCK = 60
_TRIES = 4
#: How many actors and facts are drawn for an event tried before the next is tried.
_DRAWS = 3
_GIVE_UP = 100
#: The groups worth waiting for a boundary ahead for: what moves the case on or is new.
NEW = ("moving", "novel")


class Steering:
    """The steering half of ``ProcedureMachine``: its class sets ``procedure`` and ``engine``."""

    procedure: ClassVar[af.Procedure]
    engine: ClassVar[af.Engine]

    def _fresh_actors(self, case: af.Case, spec: EventSpec) -> list[af.Actor]:
        """The actors who may fire ``spec`` and have not had it accepted on this case yet."""
        used = {step.actor for step in case.steps_of(spec.name) if step.accepted}
        return [
            actor
            for actor in actor_choices(self.procedure, spec.roles, self.engine.members)
            if actor not in used
        ]

    def _attempt(
        self, choose: Choose, case: af.Case, event: str, on: dt.date, roles: Iterable[str]
    ) -> Attempt:
        """The event fired by one of ``roles``, preferring actors it has not had yet."""
        choices = actor_choices(self.procedure, roles, self.engine.members)
        used = {step.actor for step in case.steps_of(event) if step.accepted}
        fresh = [actor for actor in choices if actor not in used]
        pool = pick(choose, (3, fresh), (1, choices)) if fresh else choices
        actor = pool[choose(len(pool))]
        given = event_facts(
            choose,
            self.procedure,
            event,
            on=on,
            members=self.engine.members,
            role=actor.role,
            unit=case.unit,
            earlier=[step.on for step in case.history if step.kept],
        )
        return Attempt(on=on, event=event, actor=actor, facts=given)

    def _steered(
        self, choose: Choose, case: af.Case, on: dt.date, *, only: Collection[str] | None = None
    ) -> tuple[Attempt, str] | None:
        """An event the state allows and whose rules pass (or only record), and its group.

        ``None`` if none is found; ``only`` restricts the groups tried.

        Only events whose fact-free rules pass now are tried (``_open_events``).
        Events that move the case on are tried first, then events not yet
        accepted on the case, then events some actor has not fired on it yet,
        then the others; events that end the case come last, unless nothing
        else moves it on (or nothing new can be done: ``_STUCK``). Each
        try asks ``Engine.available`` whether the rules would pass; a few tries,
        each with another event, then give up.
        """
        repeat = self._repeated(choose, case, on) if only is None else None
        if repeat is not None:
            return repeat, "repeat"
        groups: dict[str, list[EventSpec]] = {
            "moving": [],
            "novel": [],
            "fresh": [],
            "staying": [],
            "closing": [],
        }
        for spec in self.procedure.events.values():
            if (spec.opens_case if case.state is None else case.state in spec.sources) and (
                actor_choices(self.procedure, spec.roles, self.engine.members)
            ):
                # A renewed certificate (``to:`` by state) may stay where it is.
                target = spec.target_from(case.state)
                if self.procedure.states[target].final:
                    groups["closing"].append(spec)
                elif target != case.state:
                    groups["moving"].append(spec)
                elif not any(step.accepted for step in case.steps_of(spec.name)):
                    groups["novel"].append(spec)
                elif self._fresh_actors(case, spec):
                    groups["fresh"].append(spec)
                else:
                    groups["staying"].append(spec)
        if not groups["moving"]:
            # No way on that keeps the case open (probation): ending it is the way on.
            groups["moving"], groups["closing"] = groups["closing"], []
        # Only events the rules that read no facts let through are tried.
        open_now = self._open_events(case, on)
        for name, group in groups.items():
            groups[name] = [spec for spec in group if spec.name in open_now]
        if only is not None:
            groups = {name: (group if name in only else []) for name, group in groups.items()}
        preference = {g: w for w, g in _PREFERENCE}
        if not groups["moving"] and not groups["novel"] and groups["closing"]:
            preference["closing"] = _STUCK
        name_of = {id(group): name for name, group in groups.items()}
        for _ in range(_TRIES):
            weighted = [(preference[g], groups[g]) for _, g in _PREFERENCE if groups[g]]
            if not weighted:
                return None
            if weighted[0][1] is groups["closing"]:
                # Only events that end the case are left: rarely, or the walk ends early.
                weighted.append((_GIVE_UP, []))
            group = pick(choose, *weighted)
            if not group:
                return None
            # An event tried is not tried again in this step; ending the case stays rare.
            spec = (
                group[choose(len(group))]
                if group is groups["closing"]
                else group.pop(choose(len(group)))
            )
            # Its rules that read no facts pass for some actor: another actor
            # and other facts may well pass where the first draw did not.
            for _ in range(_DRAWS):
                attempt = self._attempt(choose, case, spec.name, on, spec.roles)
                try:
                    options = self.engine.available(case, attempt.actor, on, **attempt.facts)
                except af.PluginError:
                    return attempt, name_of[
                        id(group)
                    ]  # firing it fails the test, with the scenario to replay
                for option in options:
                    if (
                        option.event == spec.name
                        and not option.needs
                        and all(v.severity == "record" for v in option.violations)
                    ):
                        return attempt, name_of[id(group)]
        return None

    def _repeated(self, choose: Choose, case: af.Case, on: dt.date) -> Attempt | None:
        """Often, the case's last step again with its facts, if it was only recorded.

        A step kept but not accepted (a vote short of two-thirds) is what a
        procedure counts to escalate; repeating it as it was makes the run of
        them that escalates a case common, not a one-in-ten chance.
        """
        last = case.history[-1] if case.history else None
        if (
            last is None
            or last.accepted
            or not last.recorded
            or not pick(choose, (1, False), (3, True))
        ):
            return None
        attempt = Attempt(on=on, event=last.event, actor=last.actor, facts=dict(last.facts))
        try:
            options = self.engine.available(case, attempt.actor, on, **attempt.facts)
        except af.PluginError:
            return attempt  # firing it fails the test, with the scenario to replay
        for option in options:
            if (
                option.event == last.event
                and not option.needs
                and option.violations
                and all(v.severity == "record" for v in option.violations)
            ):
                return attempt
        return None

    def _open_events(self, case: af.Case, on: dt.date) -> set[str]:
        """The events the state allows that some actor may fire on ``on``, facts aside.

        ``Engine.available`` without facts checks every rule that reads none
        (an earlier vote, a complete dossier, a period run out), so an event
        those rules block is not tried at all: the tries go to events that can
        pass once their facts are drawn.
        """
        specs = [
            spec
            for spec in self.procedure.events.values()
            if (spec.opens_case if case.state is None else case.state in spec.sources)
        ]
        roles = sorted({role for spec in specs for role in spec.roles})
        found: set[str] = set()
        for actor in actor_choices(self.procedure, roles, self.engine.members):
            try:
                options = self.engine.available(case, actor, on)
            except af.PluginError:
                # Firing it fails the test, with the scenario to replay: leave it open.
                return {spec.name for spec in specs}
            found.update(
                option.event
                for option in options
                if all(v.severity == "record" for v in option.violations)
            )
        return found

    def _any(self, choose: Choose, case: af.Case, on: dt.date) -> Attempt:
        """Any event, by any role that may be named, with facts of the right types."""
        events = sorted(self.procedure.events)
        return self._attempt(choose, case, events[choose(len(events))], on, self.procedure.roles)
