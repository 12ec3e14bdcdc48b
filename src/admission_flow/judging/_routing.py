"""Routing: which transition an event takes, once its rules have been judged.

The engine judges an event (every rule, deadline and plugin check), then asks
a router where the case goes: refused (stays), accepted (the event's target),
recorded (stays, the step is kept), or escalated (the escalation's target).
``CompiledRouter`` answers from a dictionary; ``_machine.MachineRouter`` from a
``transitions`` machine, the reference semantics.
"""

from __future__ import annotations

from typing import Literal, Protocol

import attrs

from admission_flow.procedure._spec import Procedure

__all__ = ["CompiledRouter", "Route", "Router", "Routes"]

Route = Literal["refused", "accepted", "recorded", "escalated"]


class Router(Protocol):
    """Decides which transition an event takes; see ``_machine.py``."""

    def allows(self, state: str | None, event: str) -> bool: ...

    def route(
        self, state: str | None, event: str, blocked: bool, recorded: bool, escalates: bool
    ) -> tuple[Route, str | None]: ...


@attrs.frozen
class Routes:
    """Where an event leads from one state: when accepted, and when it escalates."""

    accepted: str
    escalated: str | None = None


class CompiledRouter:
    """The fast path: a dictionary from (state, event) to where the event leads."""

    def __init__(self, procedure: Procedure) -> None:
        accepted: dict[tuple[str | None, str], str] = {}
        escalated: dict[tuple[str | None, str], str] = {}
        for transition in procedure.transitions():
            key = (transition.source, transition.event)
            (escalated if transition.escalation else accepted)[key] = transition.target
        self._table = {key: Routes(target, escalated.get(key)) for key, target in accepted.items()}

    def allows(self, state: str | None, event: str) -> bool:
        return (state, event) in self._table

    def routes_of(self, event: str) -> dict[str | None, Routes]:
        """Where ``event`` leads from each state it may be fired in (the generated judges')."""
        return {state: routes for (state, name), routes in self._table.items() if name == event}

    def route(
        self, state: str | None, event: str, blocked: bool, recorded: bool, escalates: bool
    ) -> tuple[Route, str | None]:
        routes = self._table.get((state, event))
        if routes is None or blocked:
            return "refused", state
        if recorded:
            if escalates and routes.escalated is not None:
                return "escalated", routes.escalated
            return "recorded", state
        return "accepted", routes.accepted
