"""The hook specifications: how plugins extend admission_flow.

Hooks are grouped by phase. The *setup* hooks run once, when a plugin manager
or an engine is built; the *event* hooks run each time an event is fired.
Every hook is documented in ``docs/hooks.md`` with an example; the standard
procedure's own rules use the same hooks (see ``_standard.py``).

Families (from the name):

- ``add_*`` contribute things; every plugin's answer is used.
- ``resolve_*`` answer a question; the first plugin that answers wins.
- ``check_*`` return violations; every plugin's are combined.
- ``after_*`` are notifications; their return value is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from admission_flow.model._calendar import Calendar
    from admission_flow.model._values import Case, Step, Violation
    from admission_flow.procedure._rule import Boundary, EventContext, Rule
    from admission_flow.procedure._spec import Procedure
    from admission_flow.units import Finding, UnitContext

PROJECT = "admission_flow"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- setup: called once per plugin manager or engine ---------------------------


@hookspec
def admission_flow_add_rules() -> Iterable[Rule]:
    """Contribute rules that procedures can name.

    Returns:
        Rules (see ``admission_flow.Rule``). A rule id may be contributed by one
        plugin only; two plugins contributing the same id is an error naming both.

    Called once per plugin manager, the first time a procedure is loaded.
    """


@hookspec
def admission_flow_add_procedures() -> Mapping[str, str | Path | Traversable]:
    """Contribute bundled procedures, by id.

    Returns:
        A mapping from procedure id (``vn-2021``) to its YAML file. Users then
        name the procedure by id in scenario files and in ``Engine.load``.
    """


@hookspec
def admission_flow_add_boundaries(procedure: Procedure) -> Iterable[Boundary] | None:
    """Declare where a plugin's own checks turn, for ``admission-flow check`` to explore.

    Args:
        procedure: the procedure being checked.

    Returns:
        Boundaries (``admission_flow.Boundary``), each with the ``events`` where
        the plugin's answer may turn: a unit of another kind, a candidate of
        another age, other facts. Rules declare theirs on the rule
        (``@rule(..., boundaries=...)``); this hook is for checks made in
        ``admission_flow_check_event``.

    Called once per search, by ``admission-flow check`` only.
    """


@hookspec(firstresult=True)
def admission_flow_resolve_calendar(procedure: Procedure) -> Calendar | None:
    """Choose the working-day calendar for a procedure.

    Args:
        procedure: the procedure an engine is being built for.

    Returns:
        A calendar, or ``None`` to let another plugin (or the default,
        Vietnam's public holidays) decide. The first answer wins.
    """


@hookspec
def admission_flow_add_unit_kinds() -> Iterable[str]:
    """Declare kinds of unit beyond the six known ones (``militia``, ``hospital_ward``).

    Returns:
        Kind names (lower-case letters, digits and ``_``). Unit files and
        scenarios may then use them; a near-miss of a known kind is still
        refused as a typo.
    """


# -- units: called when a report is made ------------------------------------------


@hookspec
def admission_flow_check_unit(context: UnitContext) -> Iterable[Finding] | None:
    """Judge one unit against a local policy: its positions, its share, its sector target.

    Args:
        context: the unit tree, the unit, its cases and those of the units under
            it, and the date the report is made as of.

    Returns:
        Findings (``admission_flow.units.Finding``), possibly none. A rule pack
        returns nothing for units its policy does not cover: packs installed on
        the entry point are loaded for every report.
    """


# -- event: called each time an event is fired ----------------------------------


@hookspec
def admission_flow_check_event(context: EventContext) -> Iterable[Violation] | None:
    """Check an event about to be fired, beyond the rules its procedure names.

    Args:
        context: the case before the event, the event, actor, date and facts.

    Returns:
        Violations (possibly none). A violation with ``severity="block"``
        refuses the event; ``"warning"`` is reported without blocking. Every
        plugin's violations are combined with the procedure's own.

    Called before the case changes: raising here refuses nothing and changes
    nothing; the engine raises ``PluginError`` naming the plugin.
    """


@hookspec
def admission_flow_after_step(procedure: Procedure, case: Case, step: Step) -> None:
    """Be told of a step just taken: accepted, recorded or refused.

    Args:
        procedure: the procedure of the case.
        case: the case after the step (unchanged when the step was refused).
        step: the step, with its violations, warnings and deadlines.

    For audit logs and notifications. If an implementation raises, ``fire``
    raises ``PluginError`` and its caller never receives the new case.
    """
