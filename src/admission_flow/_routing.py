"""Routing: which transition an event takes, once its rules have been judged.

The engine judges an event (every rule, deadline and plugin check), then asks
a router where the case goes: refused (stays), accepted (the event's target),
recorded (stays, the step is kept), or escalated (the escalation's target).
``CompiledRouter`` answers from a dictionary; ``_machine.MachineRouter`` from a
``transitions`` machine, the reference semantics.
"""

from __future__ import annotations

from typing import Literal, Protocol

from ._procedure import EventSpec, Procedure

__all__ = ["CompiledRouter", "Route", "Router"]

Route = Literal["refused", "accepted", "recorded", "escalated"]


class Router(Protocol):
    """Decides which transition an event takes; see ``_machine.py``."""

    def allows(self, state: str | None, event: str) -> bool: ...

    def route(
        self, state: str | None, event: str, blocked: bool, recorded: bool, escalates: bool
    ) -> tuple[Route, str | None]: ...


class CompiledRouter:
    """The fast path: a dictionary from (state, event) to the event's transitions."""

    def __init__(self, procedure: Procedure) -> None:
        #: (state, event) -> the event and where it leads from that state, worked out once.
        self._table: dict[tuple[str | None, str], tuple[EventSpec, str]] = {}
        for spec in procedure.events.values():
            for source in (None,) if spec.opens_case else spec.sources:
                self._table[source, spec.name] = (spec, spec.target_from(source))

    def allows(self, state: str | None, event: str) -> bool:
        return (state, event) in self._table

    def route(
        self, state: str | None, event: str, blocked: bool, recorded: bool, escalates: bool
    ) -> tuple[Route, str | None]:
        found = self._table.get((state, event))
        if found is None or blocked:
            return "refused", state
        spec, target = found
        if recorded:
            if escalates and spec.escalation is not None:
                return "escalated", spec.escalation.to
            return "recorded", state
        return "accepted", target
