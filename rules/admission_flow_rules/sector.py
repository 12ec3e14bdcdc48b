"""Sector targets: health and education units aiming higher than the general target.

The source article's district encourages health and education (giáo dục, y
tế), whose resources are large, to set annual targets above its general 3–4%.
A unit file says so on the unit that sets them::

    targets:
      annual_growth: {from: 3, to: 4}
      by_kind:
        health: {annual_growth: {from: 5, to: 6}}
        school: {annual_growth: {from: 5, to: 6}}

For each kind with a target of its own, this pack (installed on the entry point
as ``sector``) adds up the members at the start of the year of every unit of
that kind under the unit, counts their admissions of the year to the report's
date, and says whether the sector's target is met and whether it is above the
general one, as the district asks. A unit that sets no sector target gets nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import admission_flow as af
from admission_flow import units

__all__ = ["RULE", "SOURCE", "admission_flow_check_unit"]

RULE = "sector.annual_target"
SOURCE = (
    "Quận ủy Liên Chiểu (2023): lĩnh vực y tế, giáo dục đề ra chỉ tiêu cao hơn chỉ tiêu chung "
    "(khuyến khích của địa phương); NQ 21-NQ/TW (16/6/2022): 3-4% mỗi năm"
)
MESSAGE = af.Text(
    "Khối {kind} ({count} đơn vị, {members} đảng viên đầu năm): kết nạp {admitted} trong năm "
    "{year}, chỉ tiêu {target} ({growth}), {higher_vi} chỉ tiêu chung {general}.",
    "{kind} units ({count}, {members} members at the start of the year): {admitted} admitted "
    "in {year}, target {target} ({growth}), {higher_en} the general {general}.",
)


#: How the six known kinds read in a sentence; a unit file names its own kinds.
KIND_LABELS = {
    "residential": af.Text("khu dân cư", "residential"),
    "school": af.Text("giáo dục", "education"),
    "health": af.Text("y tế", "health"),
    "enterprise": af.Text("doanh nghiệp", "enterprise"),
    "agency": af.Text("cơ quan", "agency"),
    "other": af.Text("khác", "other"),
}


def _range(growth: units.Growth) -> str:
    return f"{growth.low:g}–{growth.high:g}%"


@af.hookimpl
def admission_flow_check_unit(context: units.UnitContext) -> Iterable[units.Finding]:
    """One finding for each kind the unit sets its own annual target for."""
    tree, node, on = context.tree, context.node, context.on
    general: units.Growth | None = tree.target(node.id, "annual_growth", for_kind=False)
    found = []
    for kind, targets in node.targets.by_kind.items():
        growth = targets.annual_growth
        if growth is None:
            continue
        members_of = [n for n in tree.subtree(node.id)[1:] if n.kind == kind]
        ids = {n.id for n in members_of}
        start = dt.date(on.year, 1, 1)
        # All members at the start of the year, official and probationary (NQ 21-NQ/TW).
        members = sum(
            units.members_at_start(n, [c for c in context.cases if c.unit.id == n.id], start)
            for n in members_of
        )
        admitted = sum(
            1
            for case in context.cases
            if case.unit.id in ids
            and (day := units.reached_on(case, "admitted"))
            and start <= day <= on
        )
        low = math.ceil(members * growth.low / 100)
        high = max(low, math.floor(members * growth.high / 100))
        # "Higher": neither bound below the general one, and at least one above it
        # (4–5% is higher than 3–4%).
        higher = general is None or (
            growth.low >= general.low
            and growth.high >= general.high
            and (growth.low > general.low or growth.high > general.high)
        )
        label = tree.kinds.get(kind) or KIND_LABELS.get(kind, af.Text(kind, kind))
        message = MESSAGE.format(
            kind=label,
            count=len(members_of),
            members=members,
            admitted=admitted,
            year=on.year,
            target=str(low) if low == high else f"{low}–{high}",
            growth=_range(growth),
            higher_vi="cao hơn" if higher else "KHÔNG cao hơn",
            higher_en="above" if higher else "NOT above",
            general=_range(general) if general else "-",
        )
        found.append(
            units.Finding(
                rule=RULE,
                unit=node.id,
                message=message,
                source=SOURCE,
                met=admitted >= low and higher,
                figures={
                    "kind": kind,
                    "units": len(members_of),
                    "members": members,
                    "admitted": admitted,
                    "target": [low, high],
                    "above_general": higher,
                },
            )
        )
    return found
