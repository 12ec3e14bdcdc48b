"""The shape pass of procedure loading: the graph of transitions.

Every state can be reached from the event that opens a case; a final state
has no way out; a state that is not final has one. Skipped when some event's
states could not be read, since then every finding would be noise.
"""

from __future__ import annotations

from ._parse_outline import Outline
from ._reading import Reader
from ._spec import transitions_of

__all__ = ["check_shape"]


def check_shape(reader: Reader, outline: Outline) -> None:
    """Report unreachable states, dead ends and final states with a way out."""
    states, events = outline.states, outline.events
    if not states or not events or outline.graph_broken:
        return
    if not any(spec.opens_case for spec in events.values()):
        reader.add(
            outline.root.value_mark("events"),
            "no event opens a case: mark the first event with 'opens_case: true'",
        )
        return
    outgoing: dict[str | None, list[str]] = {None: [], **{name: [] for name in states}}
    for transition in transitions_of(events.values()):
        outgoing[transition.source].append(transition.target)
    reached: set[str] = set()
    frontier = list(outgoing[None])
    while frontier:
        current = frontier.pop()
        if current not in reached:
            reached.add(current)
            frontier.extend(outgoing[current])
    for name, state in states.items():
        mark = outline.state_marks[name]
        if name not in reached:
            reader.add(
                mark,
                f"state '{name}' cannot be reached from the event that opens a case; add an event that leads to it, or remove it",
            )
        leaving = [target for target in outgoing[name] if target != name]
        if state.final and outgoing[name]:
            names = [spec.name for spec in events.values() if name in spec.sources]
            reader.add(
                mark,
                f"state '{name}' is final, yet events leave it: {', '.join(names)}; remove 'final: true' or those events",
            )
        elif not state.final and not leaving:
            reader.add(
                mark,
                f"state '{name}' is not final and no event leads out of it; add one, or mark it 'final: true'",
            )
