"""The reference semantics: routing events through a ``transitions`` machine.

The only module that imports ``transitions``. One ``Machine`` is built per
procedure and shared by every case: the machine's model is a small private
cursor whose state is set from the case before each trigger, so no machine
and no ``add_model`` call is made per case.

Each event becomes up to three transitions, tried in this order:

1. the escalation (when declared): a recorded failure that reaches the limit;
2. the event's own transition, when no rule blocks or records;
3. an internal transition that records the step without moving the case.

A trigger no transition accepts is a refusal; a trigger the state does not
know is a refusal under ``event.state``. ``Engine(backend="compiled")`` routes
the same way from a dictionary, and the tests prove the two agree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine, MachineError

from admission_flow.procedure._spec import Procedure

from ._routing import Route

__all__ = ["NEW", "MachineRouter"]

#: The machine's name for a case no event has opened yet (``None`` on a Case).
NEW = "<new>"


class _Cursor:
    """The machine's only model. ``transitions`` sets attributes on it, never on a case."""

    state: str
    trigger: Callable[..., bool]  # added by transitions

    def __init__(self) -> None:
        self.blocked = False
        self.recorded = False
        self.escalates = False
        self.route: Route = "refused"

    # conditions
    def is_clean(self, event: EventData) -> bool:
        return not self.blocked and not self.recorded

    def is_recorded(self, event: EventData) -> bool:
        return not self.blocked and self.recorded

    def escalates_now(self, event: EventData) -> bool:
        return self.escalates

    # callbacks naming the route taken
    def took_accepted(self, event: EventData) -> None:
        self.route = "accepted"

    def took_recorded(self, event: EventData) -> None:
        self.route = "recorded"

    def took_escalated(self, event: EventData) -> None:
        self.route = "escalated"


class MachineRouter:
    """Routes events with one ``transitions.Machine`` for the whole procedure."""

    def __init__(self, procedure: Procedure) -> None:
        transitions: list[dict[str, Any]] = []
        # transitions tries a trigger's transitions in the order they were added:
        # each escalation first, so that it wins over recording the failure.
        ordered = sorted(procedure.transitions(), key=lambda t: not t.escalation)
        for transition in ordered:
            source = NEW if transition.source is None else transition.source
            if transition.escalation:
                transitions.append(
                    {
                        "trigger": transition.event,
                        "source": source,
                        "dest": transition.target,
                        "conditions": ["is_recorded", "escalates_now"],
                        "after": "took_escalated",
                    }
                )
                continue
            transitions.append(
                {
                    "trigger": transition.event,
                    "source": source,
                    "dest": transition.target,
                    "conditions": "is_clean",
                    "after": "took_accepted",
                }
            )
            transitions.append(
                {
                    "trigger": transition.event,
                    "source": source,
                    "dest": None,  # internal: the case stays where it is
                    "conditions": "is_recorded",
                    "after": "took_recorded",
                }
            )
        self._cursor = _Cursor()
        self._lock = threading.Lock()
        self.machine = Machine(
            model=self._cursor,
            states=[NEW, *procedure.states],
            transitions=transitions,
            initial=NEW,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )

    def allows(self, state: str | None, event: str) -> bool:
        return event in self.machine.get_triggers(NEW if state is None else state)

    def route(
        self, state: str | None, event: str, blocked: bool, recorded: bool, escalates: bool
    ) -> tuple[Route, str | None]:
        cursor = self._cursor
        with self._lock:
            self.machine.set_state(NEW if state is None else state, model=cursor)
            cursor.blocked, cursor.recorded, cursor.escalates = blocked, recorded, escalates
            cursor.route = "refused"
            try:
                cursor.trigger(event)
            except MachineError:
                return "refused", state
            route, target = cursor.route, cursor.state
        return route, (None if target == NEW else target)
