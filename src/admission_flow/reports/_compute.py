"""Targets and progress of units, computed from unit data, cases and a date.

Pure computations: nothing here prints, reads a file or a clock. Every figure
is counted from the cases' states and histories and from the unit file, so a
report is as true as the register it is made from.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from admission_flow.exceptions import InputError
from admission_flow.judging._deadlines import Clocks
from admission_flow.model._values import Case, Deadline
from admission_flow.plugins._loading import load_procedure
from admission_flow.plugins._manager import Plugins
from admission_flow.procedure._spec import Procedure
from admission_flow.units import (
    STAGES,
    CountTarget,
    Finding,
    Growth,
    UnitContext,
    UnitTree,
    admitted_by,
    members_at_start,
    reached_on,
)

__all__ = [
    "Annual",
    "Overdue",
    "PlanProgress",
    "PositionsHeld",
    "Report",
    "UnitContext",
    "UnitProgress",
    "build_report",
    "reached_on",
    "report_as_dict",
]


@attrs.frozen(kw_only=True)
class Annual:
    """New members of the year against the growth target (3–4% of the members at its start)."""

    year: int
    members: int
    growth: Growth
    low: int
    high: int
    admitted: int

    @property
    def percent(self) -> float:
        return 100 * self.admitted / self.members if self.members else 0.0

    @property
    def met(self) -> bool:
        return self.admitted >= self.low


@attrs.frozen(kw_only=True)
class PlanProgress:
    """A count target (a term's admissions, a quarter's course places) and how far it got."""

    target: CountTarget
    reached: int

    @property
    def percent(self) -> float:
        return 100 * self.reached / self.target.count if self.target.count else 100.0

    @property
    def met(self) -> bool:
        return self.reached >= self.target.count


@attrs.frozen(kw_only=True)
class PositionsHeld:
    """The key positions of a unit (cán bộ chủ chốt): who holds them, who is not a member."""

    holders: int
    not_members: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Overdue:
    """A deadline of a case, not met and past due on the report's date."""

    unit: str
    case: str
    deadline: Deadline


@attrs.frozen(kw_only=True)
class UnitProgress:
    """Every figure of one unit, its own cases and those of the units under it together."""

    unit: str
    name: str
    kind: str
    depth: int
    official_members: int
    cases: int
    annual: Annual | None
    term: PlanProgress | None
    plans: tuple[PlanProgress, ...]
    #: The window the pipeline counts: the nearest term, else everything to the date.
    window: tuple[dt.date, dt.date] | None
    #: How many cases reached each stage in the window.
    pipeline: Mapping[str, int]
    #: The same, by the source group the case was identified from.
    by_source: Mapping[str, Mapping[str, int]]
    #: How many cases stand in each stage on the date.
    now: Mapping[str, int]
    positions: PositionsHeld
    overdue: tuple[Overdue, ...]
    findings: tuple[Finding, ...]


@attrs.frozen(kw_only=True)
class Report:
    """Targets and progress of every unit of a unit file, as of a date."""

    file: str
    on: dt.date
    counted_on: dt.date
    units: tuple[UnitProgress, ...]
    #: Names of the people the unit file names, for the source lists.
    names: Mapping[str, str]
    #: How the unit file's own kinds read (``kinds:``), for the renderers.
    kinds: Mapping[str, Any] = attrs.field(factory=dict)
    #: How many cases the report counts, all units together.
    case_count: int = 0

    def unit(self, unit_id: str) -> UnitProgress:
        for progress in self.units:
            if progress.unit == unit_id:
                return progress
        raise KeyError(unit_id)

    def findings(self) -> list[Finding]:
        return [f for u in self.units for f in u.findings]

    def overdue(self) -> list[Overdue]:
        """Every overdue deadline once, at the unit whose cell holds the case."""
        return [o for u in self.units for o in u.overdue if o.unit == u.unit]


def _source_group(case: Case) -> str:
    step = case.last("identify")
    group = step.facts.get("source_group") if step is not None else None
    return str(group) if group else "-"


class _Procedures:
    """The procedures the cases follow, by fingerprint, for their deadlines."""

    def __init__(self, procedures: Iterable[Procedure], plugins: Plugins) -> None:
        self.plugins = plugins
        self.clocks: dict[str, Clocks] = {}
        for procedure in procedures:
            self.clocks[procedure.ref.fingerprint] = Clocks(procedure, plugins.calendar(procedure))

    def overdue(self, case: Case, on: dt.date) -> tuple[Deadline, ...]:
        clocks = self.clocks.get(case.procedure.fingerprint)
        if clocks is None:
            procedure = load_procedure(case.procedure.id, plugins=self.plugins)
            clocks = self.clocks[case.procedure.fingerprint] = Clocks(
                procedure, self.plugins.calendar(procedure)
            )
        return clocks.overdue(case, on)


def build_report(
    tree: UnitTree,
    cases: Iterable[Case],
    on: dt.date,
    *,
    plugins: Plugins | None = None,
    procedures: Sequence[Procedure] = (),
) -> Report:
    """Targets and progress of every unit of ``tree`` as of ``on``.

    Args:
        tree: the unit file, loaded.
        cases: the cases of its units, in any order (a case names its unit by id).
        on: the date the report is made as of; later steps are not counted.
        plugins: the rule packs to ask about each unit (``admission_flow_check_unit``).
        procedures: the procedures of the cases, if not bundled ones.

    Raises:
        InputError: a case names a unit the file does not have.
    """
    plugins = plugins if plugins is not None else Plugins()
    known = _Procedures(procedures, plugins)
    by_unit: dict[str, list[Case]] = {node.id: [] for node in tree}
    for case in cases:
        if case.unit.id not in by_unit:
            raise InputError(
                f"case '{case.id}' belongs to unit '{case.unit.id}', which {tree.file} does not "
                "have; add the unit to the file, or leave the case out",
                field="unit",
            )
        by_unit[case.unit.id].append(_as_of(case, on))
    overdue = {
        case.id: tuple(Overdue(unit=uid, case=case.id, deadline=d) for d in known.overdue(case, on))
        for uid, unit_cases in by_unit.items()
        for case in unit_cases
    }
    progress = []
    for node in tree:
        under = tuple(c for n in tree.subtree(node.id) for c in by_unit[n.id])
        context = UnitContext(tree=tree, node=node, cases=under, on=on)
        progress.append(_progress(context, overdue, tuple(plugins.check_unit(context))))
    names = {pid: h.name for pid, h in tree.people().items() if h.name}
    return Report(
        file=tree.file,
        on=on,
        counted_on=tree.counted_on,
        units=tuple(progress),
        names=names,
        kinds=dict(tree.kinds),
        case_count=sum(len(unit_cases) for unit_cases in by_unit.values()),
    )


def _as_of(case: Case, on: dt.date) -> Case:
    """The case as it stood on ``on``: later steps left out."""
    if not case.history or case.history[-1].on <= on:
        return case
    kept = tuple(s for s in case.history if s.on <= on)
    state = next((s.to_state for s in reversed(kept) if s.accepted), None)
    return attrs.evolve(case, history=kept, state=state)


def _progress(
    context: UnitContext, overdue: Mapping[str, tuple[Overdue, ...]], findings: tuple[Finding, ...]
) -> UnitProgress:
    tree, node, on = context.tree, context.node, context.on
    growth: Growth | None = tree.target(node.id, "annual_growth", for_kind=False)
    annual = None
    if growth is not None:
        start = dt.date(on.year, 1, 1)
        members = members_at_start(node, context.cases, start)
        annual = Annual(
            year=on.year,
            members=members,
            growth=growth,
            low=math.ceil(members * growth.low / 100),
            high=max(
                math.ceil(members * growth.low / 100), math.floor(members * growth.high / 100)
            ),
            admitted=context.reached("admitted", start, on),
        )
    term = node.targets.term
    window_target: CountTarget | None = tree.target(node.id, "term", for_kind=False)
    window = (window_target.start, window_target.end) if window_target else None
    start, end = window if window else (dt.date.min, dt.date.max)
    pipeline = {stage: context.reached(stage, start, end) for stage in STAGES}
    groups = sorted({_source_group(c) for c in context.cases})
    by_source = {
        group: {
            stage: sum(
                1
                for c in context.cases
                if _source_group(c) == group
                and (d := reached_on(c, stage))
                and start <= d <= min(end, on)
            )
            for stage in STAGES
        }
        for group in groups
    }
    now = {stage: sum(1 for c in context.cases if c.state == stage) for stage in STAGES}
    key = {name for name, spec in tree.positions.items() if spec.key}
    holders = [h for h in node.holders if key & set(h.positions)]
    return UnitProgress(
        unit=node.id,
        name=tree.label(node.id),
        kind=node.kind,
        depth=tree.depth(node.id),
        official_members=node.official_members,
        cases=len(context.cases),
        annual=annual,
        term=PlanProgress(target=term, reached=context.reached(term.stage, term.start, term.end))
        if term
        else None,
        plans=tuple(
            PlanProgress(target=p, reached=context.reached(p.stage, p.start, p.end))
            for p in node.targets.plans
        ),
        window=window,
        pipeline=pipeline,
        by_source=by_source,
        now=now,
        positions=PositionsHeld(
            holders=len(holders),
            # A holder admitted in the register is a member from the decision on.
            not_members=tuple(
                h.id for h in holders if not h.member and not admitted_by(context.cases, h.id, on)
            ),
        ),
        overdue=tuple(o for c in context.cases for o in overdue[c.id]),
        findings=findings,
    )


def report_as_dict(report: Report) -> dict[str, Any]:
    """The report as plain data (``report --json``)."""

    def plan(p: PlanProgress) -> dict[str, Any]:
        return {
            "stage": p.target.stage,
            "from": p.target.start.isoformat(),
            "to": p.target.end.isoformat(),
            "target": p.target.count,
            "reached": p.reached,
            "percent": round(p.percent, 1),
            "met": p.met,
        }

    units = []
    for u in report.units:
        units.append(
            {
                "unit": u.unit,
                "name": u.name,
                "kind": u.kind,
                "depth": u.depth,
                "official_members": u.official_members,
                "cases": u.cases,
                "annual": None
                if u.annual is None
                else {
                    "year": u.annual.year,
                    "members_at_start": u.annual.members,
                    "growth_percent": [u.annual.growth.low, u.annual.growth.high],
                    "target": [u.annual.low, u.annual.high],
                    "admitted": u.annual.admitted,
                    "percent": round(u.annual.percent, 2),
                    "met": u.annual.met,
                },
                "term": None if u.term is None else plan(u.term),
                "plans": [plan(p) for p in u.plans],
                "window": None if u.window is None else [d.isoformat() for d in u.window],
                "pipeline": dict(u.pipeline),
                "by_source": {g: dict(c) for g, c in u.by_source.items()},
                "now": dict(u.now),
                "key_positions": {
                    "holders": u.positions.holders,
                    "not_members": list(u.positions.not_members),
                },
                "overdue": [
                    {"case": o.case, "unit": o.unit, **o.deadline.as_dict()} for o in u.overdue
                ],
                "findings": [f.as_dict() for f in u.findings],
            }
        )
    return {
        "file": report.file,
        "as_of": report.on.isoformat(),
        "counted_on": report.counted_on.isoformat(),
        "units": units,
    }
